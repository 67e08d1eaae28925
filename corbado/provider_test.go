package corbado_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/corbado"
)

// Provider-token mode end to end: the emulated pool's triggers run
// challenge.Handler with a SessionTokenVerifier, and the backend answers
// with the user's Corbado session token.
func TestProviderModeSessionToken(t *testing.T) {
	keys := newKeyServer(t, corbadoKey())
	sessions := newSessionValidator(t, keys, func(c *corbado.SessionConfig) { c.Now = nil })
	verifier, err := corbado.NewSessionTokenVerifier(sessions)
	require.NoError(t, err)
	p := newPool(t, verifier)
	ctx := context.Background()
	now := time.Now()

	t.Run("first login creates the user", func(t *testing.T) {
		token := sign(t, sessionClaims("carol@example.com", now))
		sess, err := p.store.LoginWithAnswer(ctx, "carol@example.com", token, cognitobridge.CreateOptions{EmailVerified: true})
		require.NoError(t, err)
		assert.Equal(t, "carol@example.com", sess.Email)
		assert.NotEmpty(t, sess.IDToken)
		u, ok := p.srv.User("carol@example.com")
		require.True(t, ok)
		assert.Equal(t, "true", u.Attributes["custom:createdByCorbado"])
	})
	t.Run("case of the address differs", func(t *testing.T) {
		token := sign(t, sessionClaims("Carol@Example.com", now))
		_, err := p.store.StartSessionWithAnswer(ctx, "carol@example.com", token)
		require.NoError(t, err)
	})
	t.Run("another user's token", func(t *testing.T) {
		p.addPasswordUser(t, "dave@example.com", "Dave-Passw0rd!")
		token := sign(t, sessionClaims("mallory@example.com", now))
		_, err := p.store.StartSessionWithAnswer(ctx, "dave@example.com", token)
		require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
		assertNoSecrets(t, err.Error(), token)
	})
	t.Run("expired token", func(t *testing.T) {
		token := sign(t, sessionClaims("carol@example.com", now.Add(-time.Hour)))
		_, err := p.store.StartSessionWithAnswer(ctx, "carol@example.com", token)
		require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	})
	t.Run("the HMAC proof is no answer in this mode", func(t *testing.T) {
		_, err := p.store.StartSession(ctx, "carol@example.com")
		require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	})
	t.Run("keys unavailable: the trigger fails, no tokens", func(t *testing.T) {
		down := newKeyServer(t, corbadoKey())
		down.down.Store(true)
		v, err := corbado.NewSessionTokenVerifier(newSessionValidator(t, down, func(c *corbado.SessionConfig) { c.Now = nil }))
		require.NoError(t, err)
		p := newPool(t, v)
		_, err = p.store.CreateUser(ctx, "erin@example.com", cognitobridge.CreateOptions{EmailVerified: true})
		require.NoError(t, err)
		_, err = p.store.StartSessionWithAnswer(ctx, "erin@example.com", sign(t, sessionClaims("erin@example.com", now)))
		require.ErrorIs(t, err, cognitobridge.ErrUnavailable)
	})
}

// Provider-token mode with Corbado Connect: the triggers ask (a stand-in
// for) Corbado's Backend API about the signedPasskeyData.
func TestProviderModeConnect(t *testing.T) {
	fake := newFakeCorbado(t)
	p := newPool(t, newConnect(t, fake))
	ctx := context.Background()
	p.addPasswordUser(t, "frank@example.com", "Frank-Passw0rd!")

	data := signedData("frank-1")
	fake.addSignedData(data, "frank@example.com")
	sess, err := p.store.StartSessionWithAnswer(ctx, "frank@example.com", data)
	require.NoError(t, err)
	assert.Equal(t, "frank@example.com", sess.Email)

	_, err = p.store.StartSessionWithAnswer(ctx, "frank@example.com", data)
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized, "single use")

	other := signedData("grace-1")
	fake.addSignedData(other, "grace@example.com")
	_, err = p.store.StartSessionWithAnswer(ctx, "frank@example.com", other)
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized, "another user's passkey")

	fake.setOverride(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	fresh := signedData("frank-2")
	_, err = p.store.StartSessionWithAnswer(ctx, "frank@example.com", fresh)
	require.ErrorIs(t, err, cognitobridge.ErrUnavailable, "an outage is never a right answer")
	assertNoSecrets(t, err.Error(), fresh, apiSecret)
}
