package passkey_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey"
)

// BenchmarkSignUp measures a whole sign-up through the handler: with a
// code (email/start, the mail over SMTP to the loopback server, parsing
// it, email/verify, registration/begin and finish), beside a registration
// alone (begin and finish with a grant already in hand: what a sign-up
// cost before addresses were proven).
func BenchmarkSignUp(b *testing.B) {
	bolt, err := passkey.OpenBoltStore(filepath.Join(b.TempDir(), "passkeys.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = bolt.Close() })
	h := newHarness(b, func(c *passkey.Config) {
		c.MaxSendsPerAddress, c.MaxSendsPerClient = 1<<30, 1<<30
		c.Credentials = bolt // the embedded default
	})
	a := h.authenticator()
	register := func(grant string) {
		begin := h.begin("registration/begin", map[string]string{"grant": grant})
		cred, _ := a.create(b, begin.PublicKey)
		h.session(h.post("registration/finish", finishBody(begin.Ceremony, cred)))
	}

	b.Run("with code", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			addr := "code-" + strconv.Itoa(n) + "@example.com"
			s := h.signUp(addr)
			register(s.Grant)
			h.mail(addr) // the notice
		}
	})
	b.Run("registration only", func(b *testing.B) {
		// The grants are made outside the timer: only the ceremony counts.
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			b.StopTimer()
			n++
			addr := "reg-" + strconv.Itoa(n) + "@example.com"
			s := h.signUp(addr)
			b.StartTimer()
			register(s.Grant)
			b.StopTimer()
			h.mail(addr)
			b.StartTimer()
		}
	})
}
