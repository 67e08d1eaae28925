package cognitobridge_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
)

// providerVerifier stands in for a provider-token verifier in the Lambda:
// it accepts the token the "provider" issued for exactly that user.
type providerVerifier struct{}

func (providerVerifier) VerifyAnswer(_ context.Context, in challenge.VerifyInput) (bool, error) {
	return in.Answer == "provider-token-for:"+in.Username, nil
}

func withProviderTriggers(t testing.TB) envOption {
	h, err := challenge.New(challenge.Config{Verifier: providerVerifier{}})
	require.NoError(t, err)
	return func(c *envConfig) { c.server.Triggers = h }
}

func TestLoginWithAnswer(t *testing.T) {
	e := newEnv(t, withSecret, withProviderTriggers(t), withNoRetries)
	ctx := context.Background()
	const user = "pat@example.com"

	sess, err := e.store.LoginWithAnswer(ctx, user, "provider-token-for:"+user)
	require.NoError(t, err, "a new user is created and signed in on the provider's word")
	assert.Equal(t, user, sess.Email)
	u, err := e.store.Status(ctx, user)
	require.NoError(t, err)
	assert.True(t, u.CreatedByProvider)

	e.srv.ResetCalls()
	_, err = e.store.StartSessionWithAnswer(ctx, user, "provider-token-for:"+user)
	require.NoError(t, err)
	assert.Equal(t, 2, e.srv.Calls(""))

	// A token for someone else, or none, gets no session.
	_, err = e.store.StartSessionWithAnswer(ctx, user, "provider-token-for:mallory@example.com")
	assert.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	e.srv.ResetCalls()
	_, err = e.store.LoginWithAnswer(ctx, user, "")
	assert.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	assert.Equal(t, 0, e.srv.Calls(""), "an empty answer never reaches Cognito")

	// The HMAC proof the store would send is not what this Lambda wants.
	_, err = e.store.StartSession(ctx, user)
	assert.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
}

func TestStoreWithoutProof(t *testing.T) {
	e := newEnv(t, withProviderTriggers(t))
	cfg := cognitobridge.Config{Client: e.srv.Client(), UserPoolID: e.srv.UserPoolID(), ClientID: e.srv.ClientID()}
	store, err := cognitobridge.New(cfg)
	require.NoError(t, err, "provider-token mode needs no proof key")
	_, err = store.Login(context.Background(), "pat@example.com")
	assert.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
	_, err = store.StartSession(context.Background(), "pat@example.com")
	assert.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
	_, err = store.LoginWithAnswer(context.Background(), "pat@example.com", "provider-token-for:pat@example.com")
	assert.NoError(t, err)
}
