package corbado_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// origOnlyToken is a genuine Corbado session token (signed by the
// project's key) whose user signed in with a phone number or another
// identifier Corbado did not verify as an address: it has no email claim,
// and its orig claim names the victim's address.
func origOnlyToken(t *testing.T, victim string) string {
	c := sessionClaims("", time.Now())
	delete(c, "email")
	c["orig"] = victim
	return sign(t, c)
}

// The attacker presents the token to the session route over HTTP. They
// must get no Cognito session for the victim, and no user may be created
// for an address nobody proved.
func TestAttackOrigClaimSignsNobodyIn(t *testing.T) {
	p := newPool(t, nil)
	const victim, newcomer = "victim@example.com", "newcomer@example.com"
	p.addPasswordUser(t, victim, "Victim-Passw0rd!")
	sessions := newSessionValidator(t, newKeyServer(t, corbadoKey()), func(c *corbado.SessionConfig) { c.Now = nil })
	h, err := corbado.NewSessionHandler(corbado.SessionHandlerConfig{Sessions: sessions, Store: p.store})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	p.srv.ResetCalls()
	for _, target := range []string{victim, newcomer} {
		for _, how := range []func(*http.Request, string){
			func(r *http.Request, tok string) { r.Header.Set("Authorization", "Bearer "+tok) },
			func(r *http.Request, tok string) { r.AddCookie(&http.Cookie{Name: corbado.SessionCookie, Value: tok}) },
		} {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/corbado/session", nil)
			require.NoError(t, err)
			how(req, origOnlyToken(t, target))
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.NotContains(t, string(body), "idToken")
			assert.NotContains(t, string(body), "refreshToken")
		}
	}
	assert.Equal(t, 0, p.srv.Calls(""), "Cognito was never asked for anyone's session")
	_, ok := p.srv.User(newcomer)
	assert.False(t, ok, "no user for an address nobody proved")
}

// The same token as the answer in provider-token mode: neither the
// backend's check before creating nor the Lambda's takes orig for the
// address.
func TestAttackOrigClaimProviderMode(t *testing.T) {
	sessions := newSessionValidator(t, newKeyServer(t, corbadoKey()), func(c *corbado.SessionConfig) { c.Now = nil })
	verifier, err := corbado.NewSessionTokenVerifier(sessions)
	require.NoError(t, err)
	p := newPool(t, verifier)
	ctx := context.Background()
	const victim, newcomer = "victim@example.com", "newcomer@example.com"
	p.addPasswordUser(t, victim, "Victim-Passw0rd!")

	for _, target := range []string{victim, newcomer} {
		tok := origOnlyToken(t, target)
		sess, err := p.store.LoginWithAnswer(ctx, target, tok, cognitobridge.CreateOptions{EmailVerified: true})
		require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
		assert.Nil(t, sess)
		assert.False(t, strings.Contains(err.Error(), tok))
		sess, err = p.store.StartSessionWithAnswer(ctx, target, tok)
		require.Error(t, err)
		assert.Nil(t, sess)
	}
	_, ok := p.srv.User(newcomer)
	assert.False(t, ok, "an invalid answer creates no user")
	assert.Equal(t, 0, p.srv.Calls("AdminCreateUser"))
}

// A forged or expired token for a new address: LoginWithAnswer checks it
// before it creates anyone, so the attacker leaves no user behind.
func TestAttackInvalidTokenCreatesNoUser(t *testing.T) {
	sessions := newSessionValidator(t, newKeyServer(t, corbadoKey()), func(c *corbado.SessionConfig) { c.Now = nil })
	verifier, err := corbado.NewSessionTokenVerifier(sessions)
	require.NoError(t, err)
	p := newPool(t, verifier)
	ctx := context.Background()
	const target = "squatted@example.com"
	now := time.Now()
	foreign, err := jwkstest.NewKey()
	require.NoError(t, err)
	forged, err := foreign.Sign(sessionClaims(target, now))
	require.NoError(t, err)
	for name, tok := range map[string]string{
		"expired":           sign(t, sessionClaims(target, now.Add(-time.Hour))),
		"another's address": sign(t, sessionClaims("mallory@example.com", now)),
		"not a token":       "eyJhbGciOiJub25lIn0.e30.",
		"foreign key":       forged,
	} {
		t.Run(name, func(t *testing.T) {
			sess, err := p.store.LoginWithAnswer(ctx, target, tok, cognitobridge.CreateOptions{EmailVerified: true})
			require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
			assert.Nil(t, sess)
		})
	}
	_, ok := p.srv.User(target)
	assert.False(t, ok)
	assert.Equal(t, 0, p.srv.Calls("AdminCreateUser"))
}
