package cognitobridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
)

func TestSignInWithPassword(t *testing.T) { eachPasswordFlow(t, testSignInWithPassword) }

func testSignInWithPassword(t *testing.T, e *env) {
	ctx := context.Background()
	passwordUsers(t, e)

	t.Run("right password: one call, one session", func(t *testing.T) {
		e.srv.ResetCalls()
		sess, err := e.store.SignInWithPassword(ctx, alice, alicePW)
		require.NoError(t, err)
		e.session(sess)
		assert.Equal(t, 1, e.srv.Calls(""), "the sign-in itself mints the session")
		assert.Equal(t, alice, sess.Email)
		assert.Equal(t, alice, sess.Username)
		u, _ := e.srv.User(alice)
		assert.Equal(t, u.Sub, sess.Sub)
		assert.NotEmpty(t, sess.IDToken)
		assert.NotEmpty(t, sess.AccessToken)
		assert.False(t, sess.Expires.IsZero())

		// The session is a real one: it refreshes, and signing out ends it.
		next, err := e.store.Refresh(ctx, sess.Username, sess.RefreshToken)
		require.NoError(t, err)
		e.session(next)
		require.NoError(t, e.store.SignOut(ctx, sess.AccessToken))
		_, err = e.store.Refresh(ctx, sess.Username, sess.RefreshToken)
		require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	})

	tests := []struct {
		name      string
		username  string
		password  string
		wantErr   error
		wantCalls int
	}{
		{name: "wrong password", username: alice, password: wrongPW, wantErr: cognitobridge.ErrWrongPassword, wantCalls: 1},
		{name: "unknown user", username: nobody, password: alicePW, wantErr: cognitobridge.ErrWrongPassword, wantCalls: 1},
		{name: "provider-created user", username: bob, password: alicePW, wantErr: cognitobridge.ErrWrongPassword, wantCalls: 1},
		{name: "invited user", username: "invited@example.com", password: alicePW, wantErr: cognitobridge.ErrWrongPassword, wantCalls: 1},
		{name: "disabled user, right password", username: "carol@example.com", password: alicePW, wantErr: cognitobridge.ErrUserDisabled, wantCalls: 1},
		{name: "MFA user, right password", username: "mfa@example.com", password: alicePW, wantErr: cognitobridge.ErrNotAuthorized, wantCalls: 1},
		{name: "empty password", username: alice, password: "", wantErr: cognitobridge.ErrWrongPassword},
		{name: "empty username", username: "", password: alicePW, wantErr: cognitobridge.ErrWrongPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.ResetCalls()
			sess, err := e.store.SignInWithPassword(ctx, tt.username, tt.password)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, sess)
			assert.Equal(t, tt.wantCalls, e.srv.Calls(""))
			var ce *cognitobridge.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "sign in with password", ce.Op)
			for _, other := range []error{cognitobridge.ErrWrongPassword, cognitobridge.ErrUserDisabled, cognitobridge.ErrNotAuthorized, cognitobridge.ErrUnavailable, cognitobridge.ErrMisconfigured} {
				if other != tt.wantErr {
					assert.NotErrorIs(t, err, other, "exactly one sentinel")
				}
			}
			e.assertClean(t, err.Error())
			if tt.password != "" {
				assert.NotContains(t, err.Error(), tt.password)
			}
		})
	}
}

func TestSignInWithPasswordErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		opts    []envOption
		arrange func(e *env)
		wantErr error
	}{
		{name: "throttled", arrange: func(e *env) { e.srv.FailNext("InitiateAuth", 100, cognitotest.FaultThrottle) }, wantErr: cognitobridge.ErrUnavailable},
		{name: "server gone", arrange: func(e *env) { e.srv.Close() }, wantErr: cognitobridge.ErrUnavailable},
		{name: "wrong client secret", opts: []envOption{withSecret, withClientSecret("not-the-secret-of-this-client-at-all")}, wantErr: cognitobridge.ErrMisconfigured},
		{name: "flow not enabled", opts: []envOption{func(c *envConfig) {
			c.pool.Server.ExplicitAuthFlows = []string{cognitotest.AllowCustomAuth, cognitotest.AllowRefreshTokenAuth}
		}}, wantErr: cognitobridge.ErrMisconfigured},
		{name: "ID token rejected", arrange: func(e *env) { withValidator(t, e, "another-client") }, wantErr: cognitobridge.ErrMisconfigured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, append([]envOption{withNoRetries}, tt.opts...)...)
			e.passwordUser(t, alice, alicePW)
			if tt.arrange != nil {
				tt.arrange(e)
			}
			sess, err := e.store.SignInWithPassword(ctx, alice, alicePW)
			require.ErrorIs(t, err, tt.wantErr)
			assert.NotErrorIs(t, err, cognitobridge.ErrWrongPassword, "an outage or a setup fault is no wrong password")
			assert.Nil(t, sess)
			e.assertClean(t, err.Error())
			assert.NotContains(t, err.Error(), alicePW)
		})
	}
}

func TestAdminSignOut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.session(first)
	second, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.session(second)

	e.srv.ResetCalls()
	require.NoError(t, e.store.AdminSignOut(ctx, alice))
	assert.Equal(t, 1, e.srv.Calls("AdminUserGlobalSignOut"))
	assert.Equal(t, 1, e.srv.Calls(""))
	for _, sess := range []*cognitobridge.Session{first, second} {
		_, err = e.store.Refresh(ctx, alice, sess.RefreshToken)
		require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized, "every session of the user ends")
	}
	sess, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
	require.NoError(t, err, "the user can sign in again")
	e.session(sess)

	err = e.store.AdminSignOut(ctx, nobody)
	require.ErrorIs(t, err, cognitobridge.ErrUserNotFound)
	e.srv.ResetCalls()
	err = e.store.AdminSignOut(ctx, "")
	require.Error(t, err)
	assert.Equal(t, 0, e.srv.Calls(""))

	e.srv.FailNext("AdminUserGlobalSignOut", 10, cognitotest.FaultThrottle)
	err = e.store.AdminSignOut(ctx, alice)
	require.ErrorIs(t, err, cognitobridge.ErrUnavailable)
}

// Cognito locks a user out after five wrong passwords; the right one is
// then refused as well, alike for VerifyPassword and SignInWithPassword,
// until the lockout ends. The emulator's clock is injected: no waiting.
func TestPasswordLockout(t *testing.T) {
	clock := testtools.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	e := newEnv(t, withSecret, func(c *envConfig) { c.pool.Server.Now = clock.Now })
	ctx := context.Background()
	e.passwordUser(t, alice, alicePW)
	for range 5 {
		_, err := e.store.SignInWithPassword(ctx, alice, wrongPW)
		require.ErrorIs(t, err, cognitobridge.ErrWrongPassword)
	}
	_, err := e.store.SignInWithPassword(ctx, alice, alicePW)
	require.ErrorIs(t, err, cognitobridge.ErrWrongPassword, "locked out: the right password is refused too")
	ok, err := e.store.VerifyPassword(ctx, alice, alicePW)
	require.NoError(t, err, "a lockout is no outage")
	assert.False(t, ok)

	clock.Advance(2 * time.Second)
	sess, err := e.store.SignInWithPassword(ctx, alice, alicePW)
	require.NoError(t, err, "the lockout ended")
	e.session(sess)
}

// Users an administrator reset (RESET_REQUIRED) or who never confirmed a
// sign-up (UNCONFIRMED) sign in by no flow, and the store neither resets,
// confirms nor replaces them: every operation says so with its own
// sentinel, none of them an outage or a setup fault.
func TestUserStates(t *testing.T) {
	for _, st := range []types.UserStatusType{types.UserStatusTypeResetRequired, types.UserStatusTypeUnconfirmed} {
		t.Run(string(st), func(t *testing.T) {
			e := newEnv(t, withSecret)
			ctx := context.Background()
			e.passwordUser(t, alice, alicePW)
			require.True(t, e.srv.SetUserStatus(alice, st))

			_, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{EmailVerified: true})
			require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
			_, err = e.store.StartSession(ctx, alice)
			require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
			_, err = e.store.SignInWithPassword(ctx, alice, alicePW)
			require.ErrorIs(t, err, cognitobridge.ErrWrongPassword)
			ok, err := e.store.VerifyPassword(ctx, alice, alicePW)
			require.NoError(t, err)
			assert.False(t, ok)
			u, err := e.store.Status(ctx, alice)
			require.NoError(t, err)
			assert.Equal(t, cognitobridge.StatusExists, u.Status)
			assert.Equal(t, string(st), u.CognitoStatus)

			assert.Equal(t, 0, e.srv.Calls("AdminCreateUser"))
			assert.Equal(t, 0, e.srv.Calls("AdminSetUserPassword"))
			got, _ := e.srv.User(alice)
			assert.Equal(t, st, got.Status, "left as the administrator set it")
		})
	}
}
