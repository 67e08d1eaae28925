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
// it accepts the token the "provider" issued for exactly that user's
// address (the email attribute: userName is a UUID on some pool types).
type providerVerifier struct{}

func (providerVerifier) VerifyAnswer(_ context.Context, in challenge.VerifyInput) (bool, error) {
	email := in.UserAttributes["email"]
	return email != "" && in.Answer == "provider-token-for:"+email, nil
}

func withProviderTriggers(testing.TB) envOption {
	return func(c *envConfig) { c.pool.Verifier = providerVerifier{} }
}

// withAnswerVerifier makes the store check answers itself before it
// creates a user, with the same verifier as the triggers.
func withAnswerVerifier(c *envConfig) { c.pool.Store.AnswerVerifier = providerVerifier{} }

func TestLoginWithAnswer(t *testing.T) {
	e := newEnv(t, withSecret, withProviderTriggers(t), withAnswerVerifier, withNoRetries)
	ctx := context.Background()
	const user = "pat@example.com"

	sess, err := e.store.LoginWithAnswer(ctx, user, "provider-token-for:"+user, cognitobridge.CreateOptions{EmailVerified: true})
	require.NoError(t, err, "a new user is created and signed in on the provider's word")
	assert.Equal(t, user, sess.Email)
	u, err := e.store.Status(ctx, user)
	require.NoError(t, err)
	assert.True(t, u.CreatedByProvider)
	assert.True(t, u.EmailVerified)

	e.srv.ResetCalls()
	_, err = e.store.StartSessionWithAnswer(ctx, user, "provider-token-for:"+user)
	require.NoError(t, err)
	assert.Equal(t, 2, e.srv.Calls(""))

	// A token for someone else, or none, gets no session.
	_, err = e.store.StartSessionWithAnswer(ctx, user, "provider-token-for:mallory@example.com")
	assert.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	e.srv.ResetCalls()
	_, err = e.store.LoginWithAnswer(ctx, user, "", cognitobridge.CreateOptions{})
	assert.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	assert.Equal(t, 0, e.srv.Calls(""), "an empty answer never reaches Cognito")

	// The HMAC proof the store would send is not what this Lambda wants.
	_, err = e.store.StartSession(ctx, user)
	assert.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
}

// The attack: a made-up provider token for an address nobody signed up
// with. The attacker must end up with no session, and the pool with no
// user: a user created on a token's say-so before anyone checked it would
// squat the address (provider-marked, passwordless, maybe email_verified).
func TestLoginWithAnswerInvalidTokenCreatesNobody(t *testing.T) {
	for _, tt := range []struct {
		name    string
		opts    []envOption
		wantErr error
	}{
		{name: "verifier refuses", opts: []envOption{withAnswerVerifier}, wantErr: cognitobridge.ErrNotAuthorized},
		{name: "verifier refuses, existence errors prevented", opts: []envOption{withAnswerVerifier, withPrevention}, wantErr: cognitobridge.ErrNotAuthorized},
		{name: "no verifier configured", wantErr: cognitobridge.ErrMisconfigured},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, append([]envOption{withProviderTriggers(t)}, tt.opts...)...)
			ctx := context.Background()
			const victim = "victim@example.com"
			for _, forged := range []string{"provider-token-for:mallory@example.com", "not-a-token"} {
				sess, err := e.store.LoginWithAnswer(ctx, victim, forged, cognitobridge.CreateOptions{EmailVerified: true})
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, sess)
			}
			assert.Equal(t, 0, e.srv.Calls("AdminCreateUser"), "nothing was even tried")
			_, ok := e.srv.User(victim)
			assert.False(t, ok, "the pool holds no user for the address")
		})
	}
}

func TestLoginWithAnswerExistingUserNeedsNoVerifier(t *testing.T) {
	e := newEnv(t, withProviderTriggers(t))
	ctx := context.Background()
	e.passwordUser(t, alice, alicePW)
	_, err := e.store.LoginWithAnswer(ctx, alice, "provider-token-for:"+alice, cognitobridge.CreateOptions{})
	require.NoError(t, err, "an existing user signs in on the Lambda's check alone")
	assert.Equal(t, 0, e.srv.Calls("AdminCreateUser"))
}

func TestStoreWithoutProof(t *testing.T) {
	e := newEnv(t, withProviderTriggers(t))
	cfg := cognitobridge.Config{Client: e.srv.Client(), UserPoolID: e.srv.UserPoolID(), ClientID: e.srv.ClientID(), AnswerVerifier: providerVerifier{}}
	store, err := cognitobridge.New(cfg)
	require.NoError(t, err, "provider-token mode needs no proof key")
	_, err = store.Login(context.Background(), "pat@example.com", cognitobridge.CreateOptions{})
	assert.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
	_, err = store.StartSession(context.Background(), "pat@example.com")
	assert.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
	_, err = store.LoginWithAnswer(context.Background(), "pat@example.com", "provider-token-for:pat@example.com", cognitobridge.CreateOptions{})
	assert.NoError(t, err)
}
