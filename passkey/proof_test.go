package passkey_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey"
)

func TestCodeSixthTry(t *testing.T) {
	h := newHarness(t)
	const u = "tries@example.com"
	id, m := h.startProof(h.browser, u)
	for i := range passkey.DefaultMaxCodeTries {
		r := h.post("email/verify", map[string]string{"proof": id, "code": wrongCode(m.code, i)})
		require.Equal(t, "proof_invalid", r.errorCode(), "try %d: %s", i+1, r.body)
	}
	// The right code, on the 6th try, is refused; so is the link.
	r := h.post("email/verify", map[string]string{"proof": id, "code": m.code})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "proof_invalid", r.errorCode())
	r = h.post("email/verify", map[string]string{"link": m.link})
	assert.Equal(t, "proof_invalid", r.errorCode(), "the mail is void")
	assert.NotContains(t, string(r.body), "idToken")
	st, err := h.store.Status(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, "not_exists", string(st.Status), "nothing was created")
}

func TestCodeOnFifthTry(t *testing.T) {
	h := newHarness(t)
	id, m := h.startProof(h.browser, "fifth@example.com")
	for range passkey.DefaultMaxCodeTries - 1 {
		require.Equal(t, "proof_invalid", h.post("email/verify", map[string]string{"proof": id, "code": wrongCode(m.code, 0)}).errorCode())
	}
	h.signedIn(h.post("email/verify", map[string]string{"proof": id, "code": m.code}))
}

func TestProofExpiredAndReused(t *testing.T) {
	tests := []struct {
		name    string
		useCode bool
		expire  bool
	}{
		{"code reused", true, false},
		{"link reused", false, false},
		{"code expired", true, true},
		{"link expired", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id, m := h.startProof(h.browser, "once@example.com")
			answer := map[string]string{"link": m.link}
			other := map[string]string{"proof": id, "code": m.code}
			if tt.useCode {
				answer, other = other, answer
			}
			if tt.expire {
				h.clock.Advance(passkey.DefaultProofTimeout)
			} else {
				h.signedIn(h.post("email/verify", answer))
			}
			for _, a := range []map[string]string{answer, other} {
				r := h.post("email/verify", a)
				assert.Equal(t, http.StatusUnauthorized, r.status, "%s", r.body)
				assert.Equal(t, "proof_invalid", r.errorCode())
			}
		})
	}
}

func TestLinkInAnotherBrowser(t *testing.T) {
	h := newHarness(t)
	const u = "two@example.com"
	id, m := h.startProof(h.browser, u)
	assert.Equal(t, testLinkURL+"#link="+m.link, m.url, "the link is built from LinkURL, the secret in the fragment")

	elsewhere := h.newBrowser()
	r := h.postFrom(elsewhere, "email/verify", map[string]string{"link": m.link})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "link_other_browser", r.errorCode())
	assert.NotContains(t, string(r.body), "idToken")

	// The code still works anywhere; then the link is spent too.
	h.signedIn(h.postFrom(elsewhere, "email/verify", map[string]string{"proof": id, "code": m.code}))
	assert.Equal(t, "proof_invalid", h.post("email/verify", map[string]string{"link": m.link}).errorCode())

	t.Run("the asking browser", func(t *testing.T) {
		_, m := h.startProof(h.browser, u)
		h.signedIn(h.post("email/verify", map[string]string{"link": m.link}))
	})
	t.Run("SkipLinkBrowserCheck", func(t *testing.T) {
		h := newHarness(t, func(c *passkey.Config) { c.SkipLinkBrowserCheck = true })
		_, m := h.startProof(h.browser, u)
		h.signedIn(h.postFrom(h.newBrowser(), "email/verify", map[string]string{"link": m.link}))
	})
}

func TestStartAnswersAlikeForEveryAddress(t *testing.T) {
	// Whether an address has an account, a password, passkeys, or nothing,
	// email/start answers with the same status, the same members, and a
	// mail of the same shape: the reply tells nothing about the account.
	h := newHarness(t)
	const pwUser, keyUser, nobody = "pw@example.com", "key@example.com", "nobody@example.com"
	h.passwordUser(pwUser, "Pass-word-123")
	h.newUser(h.authenticator(), keyUser)

	type shape struct {
		status  int
		keys    []string
		cookie  bool
		subject string
		hasCode bool
		hasLink bool
	}
	shapeOf := func(addr string) shape {
		b := h.newBrowser()
		r := h.postFrom(b, "email/start", map[string]string{"email": addr})
		var m map[string]any
		require.NoError(t, jsonUnmarshal(r.body, &m))
		keys := sortedKeys(m)
		pm := h.proofMail(addr)
		return shape{status: r.status, keys: keys, cookie: len(b.Jar.Cookies(mustURL(t, h.srv.URL))) == 1,
			subject: pm.subject, hasCode: pm.code != "", hasLink: pm.link != ""}
	}
	want := shapeOf(nobody)
	assert.Equal(t, http.StatusAccepted, want.status)
	assert.Equal(t, []string{"expires", "proof"}, want.keys)
	assert.True(t, want.cookie && want.hasCode && want.hasLink)
	assert.Equal(t, want, shapeOf(pwUser))
	assert.Equal(t, want, shapeOf(keyUser))

	// And so are the errors: an address past its limit is refused alike.
}

func TestSendLimits(t *testing.T) {
	h := newHarness(t, func(c *passkey.Config) {
		c.MaxSendsPerAddress, c.MaxSendsPerClient = 2, 3
		c.ClientKey = func(r *http.Request) string { return r.Header.Get("X-Test-Client") }
	})
	start := func(addr, client string) reply {
		return h.post("email/start", map[string]string{"email": addr}, "X-Test-Client", client)
	}
	require.Equal(t, http.StatusAccepted, start("a@example.com", "c1").status)
	require.Equal(t, http.StatusAccepted, start("a@example.com", "c2").status)
	r := start("a@example.com", "c3")
	assert.Equal(t, http.StatusTooManyRequests, r.status, "%s", r.body)
	assert.Equal(t, "busy", r.errorCode())

	require.Equal(t, http.StatusAccepted, start("b@example.com", "c1").status)
	require.Equal(t, http.StatusAccepted, start("c@example.com", "c1").status)
	assert.Equal(t, http.StatusTooManyRequests, start("d@example.com", "c1").status, "c1 asked for 4")
	assert.Equal(t, http.StatusAccepted, start("d@example.com", "c4").status, "other clients are not affected")

	h.clock.Advance(passkey.DefaultSendWindow)
	assert.Equal(t, http.StatusAccepted, start("a@example.com", "c1").status, "a new window")
}

func TestRecoveryByProof(t *testing.T) {
	// A passkey user who lost the passkey proves the address: a session,
	// a grant for a new passkey, and a notice to the address.
	h := newHarness(t)
	const u = "lost@example.com"
	old := h.authenticator()
	first := h.newUser(old, u)

	s := h.signUp(u)
	assert.True(t, s.Recovery)
	assert.Equal(t, h.validClaims(first).Subject, h.validClaims(s.Session).Subject)
	notice := h.mail(u)
	assert.Contains(t, notice.subject, "recovered")

	fresh := h.authenticator()
	h.register(fresh, s.Grant)
	assert.Equal(t, 2, h.storedCredentials(u))
	h.loginWithName(fresh, u)

	r := h.post("registration/begin", map[string]string{"grant": s.Grant})
	assert.Equal(t, "not_authorized", r.errorCode(), "the recovery grant is single-use")
}

func TestMagicLinkSignInWithoutPasskey(t *testing.T) {
	// The seed's third scenario: a device that cannot make a passkey signs
	// in by link, every time.
	h := newHarness(t)
	const u = "nopasskey@example.com"
	_, m := h.startProof(h.browser, u)
	first := h.signedIn(h.post("email/verify", map[string]string{"link": m.link}))
	assert.False(t, first.Recovery)
	_, m = h.startProof(h.browser, u)
	again := h.signedIn(h.post("email/verify", map[string]string{"link": m.link}))
	assert.Equal(t, h.validClaims(first.Session).Subject, h.validClaims(again.Session).Subject)
	assert.False(t, again.Recovery)
}

func TestConcurrentGuessesShareTheTries(t *testing.T) {
	// Guesses sent at once get no more tries between them than one after
	// the other: each is counted before it is compared.
	h := newHarness(t)
	id, m := h.startProof(h.browser, "race@example.com")
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		guess := wrongCode(m.code, i)
		wg.Go(func() {
			r := h.post("email/verify", map[string]string{"proof": id, "code": guess})
			assert.Equal(t, "proof_invalid", r.errorCode())
		})
	}
	wg.Wait()
	r := h.post("email/verify", map[string]string{"proof": id, "code": m.code})
	assert.Equal(t, "proof_invalid", r.errorCode(), "the right code after the tries ran out")
}

// wrongCode returns the i-th code of the mail's length that is not code.
func wrongCode(code string, i int) string {
	g := fmt.Sprintf("%0*d", len(code), i)
	if g == code {
		g = fmt.Sprintf("%0*d", len(code), i+1_000)
	}
	return g
}
