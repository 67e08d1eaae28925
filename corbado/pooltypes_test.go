package corbado_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/internal/testtools"
)

// Corbado's three ways in, on every pool type of the one table: the
// session route (HMAC mode), provider-token mode (the Lambda checks the
// token against the user's email attribute, whatever Cognito calls the
// user), and the webhooks for a legacy user.
func TestPoolTypes(t *testing.T) {
	for _, pt := range testtools.PoolTypes {
		t.Run(pt.Name, func(t *testing.T) {
			t.Run("session route", func(t *testing.T) { testPoolSessionRoute(t, pt) })
			t.Run("provider token", func(t *testing.T) { testPoolProviderToken(t, pt) })
			t.Run("webhooks", func(t *testing.T) { testPoolWebhooks(t, pt) })
		})
	}
}

// stored is how the pool's store holds the address Corbado reports as
// typed: case folded on case-insensitive pools only.
func stored(pt testtools.PoolType, typed string) string {
	if pt.CaseSensitive {
		return typed
	}
	return strings.ToLower(typed)
}

func testPoolSessionRoute(t *testing.T, pt testtools.PoolType) {
	p := newPool(t, nil, pt)
	sessions := newSessionValidator(t, newKeyServer(t, corbadoKey()), func(c *corbado.SessionConfig) { c.Now = nil })
	h, err := corbado.NewSessionHandler(corbado.SessionHandlerConfig{Sessions: sessions, Store: p.store})
	require.NoError(t, err)
	const typed = "Dana@Example.com"
	token := sign(t, sessionClaims(typed, time.Now()))

	var subs []string
	for range 2 {
		rec := get(h, http.MethodPost, "/api/corbado/session", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		assert.Equal(t, stored(pt, typed), body["email"])
		subs = append(subs, body["cognitoUUID"].(string))
	}
	users := p.srv.Users()
	require.Len(t, users, 1, "the second sign-in finds the first's user")
	u := users[0]
	assert.Equal(t, u.Sub, subs[0])
	assert.Equal(t, subs[0], subs[1])
	assert.Equal(t, stored(pt, typed), u.Attributes["email"])
	assert.Equal(t, "true", u.Attributes["email_verified"], "Corbado proved the address")
	assert.Equal(t, "true", u.Attributes[cognitobridge.DefaultProviderAttribute])
}

func testPoolProviderToken(t *testing.T, pt testtools.PoolType) {
	sessions := newSessionValidator(t, newKeyServer(t, corbadoKey()), func(c *corbado.SessionConfig) { c.Now = nil })
	verifier, err := corbado.NewSessionTokenVerifier(sessions)
	require.NoError(t, err)
	p := newPool(t, verifier, pt)
	ctx := context.Background()
	now := time.Now()
	name, err := p.store.Normalize("Erin@Example.com")
	require.NoError(t, err)
	// Corbado keeps the case the user typed; the verifier ignores ASCII case.
	token := sign(t, sessionClaims("Erin@Example.com", now))

	sess, err := p.store.LoginWithAnswer(ctx, name, token, cognitobridge.CreateOptions{EmailVerified: true})
	require.NoError(t, err, "first login creates the user")
	users := p.srv.Users()
	require.Len(t, users, 1)
	assert.Equal(t, users[0].Sub, sess.Sub)
	assert.Equal(t, users[0].Username, sess.Username)
	_, err = p.store.StartSessionWithAnswer(ctx, name, token)
	require.NoError(t, err, "the Lambda compares the email attribute, not userName")

	// A legacy user whose address Cognito does not hold as verified gets
	// no session from a token: the address is not known to be theirs.
	unverified := "frank@example.com"
	p.AddUser(t, unverified, "Frank-Passw0rd!-Frank-Passw0rd!", map[string]string{"email_verified": "false"})
	_, err = p.store.StartSessionWithAnswer(ctx, unverified, sign(t, sessionClaims(unverified, now)))
	require.Error(t, err)

	_, err = p.store.StartSessionWithAnswer(ctx, name, sign(t, sessionClaims("mallory@example.com", now)))
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
}

func testPoolWebhooks(t *testing.T, pt testtools.PoolType) {
	p := newPool(t, nil, pt)
	ctx := context.Background()
	const legacy, pw = "Legacy@Example.com", "Legacy-Passw0rd!-Legacy-Passw0rd!"
	p.addPasswordUser(t, legacy, pw)
	passkeyUser := stored(pt, "Passkey@Example.com")
	_, err := p.store.CreateUser(ctx, passkeyUser, cognitobridge.CreateOptions{EmailVerified: true})
	require.NoError(t, err)
	// Some other tool marked this one "TRUE": not the bridge's exact "true".
	p.AddUser(t, "shouty@example.com", pw, map[string]string{"email_verified": "true", cognitobridge.DefaultProviderAttribute: "TRUE"})

	h, logs := newWebhook(t, corbado.CognitoDirectory(p.store), 0)
	asked := []string{legacy}
	if !pt.CaseSensitive {
		asked = append(asked, "legacy@example.com", "LEGACY@EXAMPLE.COM")
	}
	for _, who := range asked {
		rec := webhookCall{action: "authMethods", body: authMethods(who)}.do(h)
		assert.Equal(t, `{"responseID":"","data":{"status":"exists"}}`, rec.Body.String(), who)
		rec = webhookCall{action: "passwordVerify", body: passwordVerify(who, pw)}.do(h)
		assert.Equal(t, `{"responseID":"","data":{"success":true}}`, rec.Body.String(), who)
	}
	for who, want := range map[string]string{
		passkeyUser:          "not_exists",
		"shouty@example.com": "exists",
		"new@example.com":    "not_exists",
		"not an address":     "not_exists",
	} {
		rec := webhookCall{action: "authMethods", body: authMethods(who)}.do(h)
		assert.Equal(t, `{"responseID":"","data":{"status":"`+want+`"}}`, rec.Body.String(), who)
	}
	assertNoSecrets(t, logs.String(), pw, hookPass)
}
