package passkey_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/internal/testtools"
)

// TestJourneysOnEveryPoolType runs the relying party's journeys on every
// kind of pool: sign-up with a code, passkey logins, a password user's
// migration, a magic-link sign-in and a recovery, a deleted user's
// passkey, and sign-out.
func TestJourneysOnEveryPoolType(t *testing.T) {
	for _, pt := range testtools.PoolTypes {
		t.Run(pt.Name, func(t *testing.T) {
			h := newHarnessOn(t, pt)
			ctx := context.Background()

			// Sign-up with a code, then both kinds of passkey login.
			const ada = "ada@example.com"
			a := h.authenticator()
			sess := h.newUser(a, ada)
			claims := h.validClaims(sess)
			assert.Equal(t, ada, claims.Email)
			assert.True(t, claims.EmailVerified)
			rec, err := h.creds.UserByName(ctx, ada)
			require.NoError(t, err)
			assert.Equal(t, claims.Subject, rec.Sub)
			step := h.loginWithName(a, ada)
			assert.Equal(t, claims.Subject, h.validClaims(step.Session).Subject)
			assert.Equal(t, claims.Subject, h.validClaims(h.loginDiscoverable(a, nil).Session).Subject)

			// A step-up grant adds a second passkey.
			h.register(h.authenticator(), step.Grant)
			assert.Equal(t, 2, h.storedCredentials(ada))

			// A password user migrates.
			const grace, pw = "grace@example.com", "Old-Password-1"
			h.passwordUser(grace, pw)
			pwIn := h.passwordSignIn(grace, pw)
			require.NotEmpty(t, pwIn.Grant)
			g := h.authenticator()
			h.register(g, pwIn.Grant)
			assert.Equal(t, h.validClaims(pwIn.Session).Subject, h.validClaims(h.loginWithName(g, grace).Session).Subject)
			assert.Empty(t, h.passwordSignIn(grace, pw).Grant)

			// A magic link signs in a user without passkeys; for one with
			// passkeys it is a recovery.
			_, m := h.startProof(h.browser, "link@example.com")
			assert.False(t, h.signedIn(h.post("email/verify", map[string]string{"link": m.link})).Recovery)
			_, m = h.startProof(h.browser, ada)
			rescue := h.signedIn(h.post("email/verify", map[string]string{"link": m.link}))
			assert.True(t, rescue.Recovery)
			assert.Equal(t, claims.Subject, h.validClaims(rescue.Session).Subject)

			// Sign-out ends the grants.
			r := h.post("signout", "", bearer(rescue.Session.AccessToken)...)
			require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
			assert.Equal(t, "not_authorized", h.post("registration/begin", map[string]string{"grant": rescue.Grant}).errorCode())

			// A deleted user's passkey creates nothing.
			h.deleteUser(ada)
			b := h.begin("discoverable/begin", "{}")
			r = h.post("discoverable/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, a.creds[0])))
			assert.Equal(t, "passkey_revoked", r.errorCode(), "%s", r.body)
			st, err := h.store.Status(ctx, ada)
			require.NoError(t, err)
			assert.Equal(t, "not_exists", string(st.Status))
		})
	}
}
