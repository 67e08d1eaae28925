package passkey_test

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey"
)

// Several instances of one service, and floods: the state that outgrows a
// process.

// browserFrom returns a browser (its own cookie jar) whose connections come
// from the loopback address ip, such as 127.0.0.2: a client at another
// address, as the relying party's default ClientKey sees it.
func browserFrom(t testing.TB, ip string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	// Idle connections kept for every concurrent sender of a flood: with
	// the default of 2, a run of TestFloodFromOneAddress under -race
	// dialed some 450 times, each connection leaving its bound port in
	// TIME_WAIT for a minute; with 16 it dials 4 times.
	return &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 16}}
}

// sibling returns a second instance of h's service: another RelyingParty
// and HTTP server on the same Cognito pool, mail server and clock, with
// the configuration cfg changes (the shared stores and proof key).
func (h *harness) sibling(cfg func(*passkey.Config)) *harness {
	h.t.Helper()
	c := passkey.Config{
		RPID:          testRPID,
		RPDisplayName: "Example",
		RPOrigins:     []string{testOrigin},
		Store:         h.store,
		IDTokens:      h.idTokens,
		Mailer:        h.rpMailer(),
		LinkURL:       testLinkURL,
		Now:           h.clock.Now,
		Logger:        slog.New(slog.NewJSONHandler(h.logs, nil)),
	}
	cfg(&c)
	rp, err := passkey.New(c)
	require.NoError(h.t, err)
	mux := http.NewServeMux()
	mux.Handle("/passkey/", http.StripPrefix("/passkey", rp.Handler()))
	srv := httptest.NewServer(mux)
	h.t.Cleanup(srv.Close)
	b := *h
	b.rp, b.srv, b.creds = rp, srv, c.Credentials
	return &b
}

// newInstances returns two instances, A and B, of one service: one
// Cognito pool, one DynamoState table (dynalite), one DynamoStore table
// (moto_server: dynalite has no TransactWriteItems) and one proof key. The
// default browser of both is one browser (cookies are per host, not port).
func newInstances(t *testing.T) (a, b *harness) {
	t.Helper()
	stateClient, credsClient := newDynalite(t), newMoto(t)
	stateTable, credsTable := freshTable("state"), freshTable("passkeys")
	createTable(t, stateClient, passkey.DynamoStateTableInput(stateTable))
	createTable(t, credsClient, passkey.DynamoTableInput(credsTable))
	proofKey := randomBytes(32)
	shared := func(c *passkey.Config) {
		state, err := passkey.NewDynamoState(passkey.DynamoStateConfig{Client: stateClient, Table: stateTable, Now: c.Now})
		require.NoError(t, err)
		creds, err := passkey.NewDynamoStore(passkey.DynamoConfig{Client: credsClient, Table: credsTable})
		require.NoError(t, err)
		c.State, c.Credentials, c.ProofKey = state, creds, proofKey
	}
	a = newHarness(t, shared)
	b = a.sibling(shared)
	return a, b
}

func TestInstancesShareState(t *testing.T) {
	a, b := newInstances(t)
	const ada = "ada@example.com"
	key := a.authenticator()

	// An email code sent by A verifies once, on B.
	id, m := a.startProof(a.browser, ada)
	verify := map[string]string{"proof": id, "code": m.code}
	up := b.signedIn(b.post("email/verify", verify))
	require.NotEmpty(t, up.Grant)
	gotNothing(t, b.post("email/verify", verify), "the code again on B")
	gotNothing(t, a.post("email/verify", verify), "the code again on A")

	// A registration begun on A (with the grant B gave) finishes on B;
	// its finish replayed on A registers nothing.
	begun := a.begin("registration/begin", map[string]string{"grant": up.Grant})
	cred, _ := key.create(t, begun.PublicKey)
	finish := finishBody(begun.Ceremony, cred)
	sess := b.session(b.post("registration/finish", finish))
	assert.Equal(t, ada, sess.Email)
	gotNothing(t, a.post("registration/finish", finish), "the registration finish replayed on A")
	assert.Equal(t, 1, a.storedCredentials(ada), "A reads what B stored")
	a.mail(ada) // the notice of the passkey added

	// A login begun on B finishes on A; replayed on B it signs nobody in.
	begun = b.begin("discoverable/begin", map[string]any{})
	assertion := finishBody(begun.Ceremony, key.get(t, begun.PublicKey, key.creds[0]))
	in := a.signedIn(a.post("discoverable/finish", assertion))
	assert.Equal(t, sess.Sub, in.Session.Sub)
	gotNothing(t, b.post("discoverable/finish", assertion), "the login finish replayed on B")

	// Alternating instances, every ceremony lands (on main, half failed).
	for i := range 10 {
		begin, finish := a, b
		if i%2 == 1 {
			begin, finish = b, a
		}
		bg := begin.begin("login/begin", map[string]string{"username": ada})
		finish.signedIn(finish.post("login/finish", finishBody(bg.Ceremony, key.get(t, bg.PublicKey, nil))))
	}
}

func TestInstancesFloodCostsOthersNothing(t *testing.T) {
	a, b := newInstances(t)
	attacker := browserFrom(t, "127.0.0.1")

	// The flood from one address against A: far past its budget, which
	// DynamoState keeps for all instances, so the flood gets 429.
	var busy atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				switch r := a.postFrom(attacker, "discoverable/begin", map[string]any{}); r.status {
				case http.StatusOK:
				case http.StatusTooManyRequests:
					busy.Add(1)
				default:
					t.Errorf("flood: %d %s", r.status, r.body)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(200-passkey.DefaultMaxPerClient), busy.Load())
	assert.Equal(t, http.StatusTooManyRequests, b.postFrom(attacker, "discoverable/begin", map[string]any{}).status,
		"B keeps the same budget")

	// A user at another address signs up and registers through B, and
	// signs in through A.
	user := browserFrom(t, "127.0.0.2")
	const bob = "bob@example.com"
	id, m := b.startProof(user, bob)
	up := b.signedIn(b.postFrom(user, "email/verify", map[string]string{"proof": id, "code": m.code}))
	key := b.authenticator()
	reg := b.beginFrom(user, "registration/begin", map[string]string{"grant": up.Grant})
	cred, _ := key.create(t, reg.PublicKey)
	b.session(b.postFrom(user, "registration/finish", finishBody(reg.Ceremony, cred)))
	login := a.beginFrom(user, "discoverable/begin", map[string]any{})
	a.signedIn(a.postFrom(user, "discoverable/finish", finishBody(login.Ceremony, key.get(t, login.PublicKey, key.creds[0]))))
}

func TestFloodFromOneAddress(t *testing.T) {
	// 12,000 unauthenticated begins from 127.0.0.1 against the default
	// memory state (on main, 10,000 filled MaxPending and every begin, for
	// everyone, failed for five minutes); then a whole sign-up,
	// registration and login from 127.0.0.2 succeed. The flood only ever
	// displaces its own oldest ceremonies.
	h := newHarness(t)
	attacker := browserFrom(t, "127.0.0.1")
	const flood = 12_000
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range flood / 4 {
				r := h.postFrom(attacker, "discoverable/begin", map[string]any{})
				if !assert.Equal(t, http.StatusOK, r.status, "%s", r.body) {
					return
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, flood, ok.Load(), "the flood displaced its own oldest ceremonies, so it was never refused")

	user := browserFrom(t, "127.0.0.2")
	const bob = "bob@example.com"
	id, m := h.startProof(user, bob)
	up := h.signedIn(h.postFrom(user, "email/verify", map[string]string{"proof": id, "code": m.code}))
	key := h.authenticator()
	reg := h.beginFrom(user, "registration/begin", map[string]string{"grant": up.Grant})
	cred, _ := key.create(t, reg.PublicKey)
	sess := h.session(h.postFrom(user, "registration/finish", finishBody(reg.Ceremony, cred)))
	assert.Equal(t, bob, sess.Email)
	login := h.beginFrom(user, "login/begin", map[string]string{"username": bob})
	h.signedIn(h.postFrom(user, "login/finish", finishBody(login.Ceremony, key.get(t, login.PublicKey, nil))))
}
