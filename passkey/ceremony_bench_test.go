package passkey_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey"
)

// BenchmarkCeremony runs whole ceremonies through the RelyingParty's
// methods, begin and finish, with each StateStore: the in-memory default
// and a DynamoState on dynalite. Both use the embedded BoltStore and the
// emulated Cognito pool, so the columns differ by the state store alone.
// The issue-14 run, beside the credential stores:
//
//	go test -run '^$' -bench 'Ceremony|Store' -benchmem -count 6 ./passkey > new.txt
//	benchstat -filter '.name:Ceremony' -col /state new.txt
//
// Each operation includes the software authenticator's work (an ECDSA
// P-256 signature, and for a registration a new key), the same in both
// columns.
func BenchmarkCeremony(b *testing.B) {
	for _, kind := range []string{"memory", "dynamodb"} {
		b.Run("ceremony=discoverable-login/state="+kind, func(b *testing.B) {
			h, ctx := ceremonyHarness(b, kind)
			a := h.authenticator()
			h.newUser(a, "ada@example.com")
			b.ReportAllocs()
			for b.Loop() {
				opts, err := h.rp.BeginDiscoverableLogin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				assertion := a.get(b, publicKeyJSON(b, opts.PublicKey), a.creds[0])
				if _, err := h.rp.FinishDiscoverableLogin(ctx, opts.Ceremony, assertion); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, kind := range []string{"memory", "dynamodb"} {
		b.Run("ceremony=registration/state="+kind, func(b *testing.B) {
			// Each registration is a new account's first passkey, with
			// the grant of an email proof made outside the timer: the
			// ceremony alone counts, its notice mail included.
			h, ctx := ceremonyHarness(b, kind)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				b.StopTimer()
				n++
				addr := "reg-" + strconv.Itoa(n) + "@example.com"
				grant := h.signUp(addr).Grant
				a := h.authenticator()
				b.StartTimer()
				opts, err := h.rp.BeginRegistration(ctx, grant)
				if err != nil {
					b.Fatal(err)
				}
				cred, _ := a.create(b, publicKeyJSON(b, opts.PublicKey))
				if _, err := h.rp.FinishRegistration(ctx, opts.Ceremony, cred); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				h.mail(addr) // the notice
				b.StartTimer()
			}
		})
	}
}

// ceremonyHarness returns a harness whose state is kind ("memory" or
// "dynamodb") and whose credentials are in a BoltStore, and the context
// its ceremonies are begun in: the client 127.0.0.1, as the Handler would
// name the harness's browser.
func ceremonyHarness(b *testing.B, kind string) (*harness, context.Context) {
	b.Helper()
	bolt, err := passkey.OpenBoltStore(filepath.Join(b.TempDir(), "passkeys.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = bolt.Close() })
	h := newHarness(b, func(c *passkey.Config) {
		c.MaxSendsPerAddress, c.MaxSendsPerClient = 1<<30, 1<<30
		c.Credentials = bolt
		c.State = benchState(b, kind, c.Now)
	})
	return h, passkey.WithClient(context.Background(), "127.0.0.1")
}

// publicKeyJSON is the options' JSON, as the browser gets them.
func publicKeyJSON(b *testing.B, publicKey any) json.RawMessage {
	b.Helper()
	raw, err := json.Marshal(publicKey)
	require.NoError(b, err)
	return raw
}
