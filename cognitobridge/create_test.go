package cognitobridge_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	u, err := e.store.CreateUser(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, 1, e.srv.Calls("AdminCreateUser"))
	assert.Equal(t, 1, e.srv.Calls("AdminSetUserPassword"))
	assert.Equal(t, 2, e.srv.Calls(""))

	got, ok := e.srv.User(alice)
	require.True(t, ok)
	assert.Equal(t, types.UserStatusTypeConfirmed, got.Status)
	assert.True(t, got.Enabled)
	assert.Equal(t, alice, got.Attributes["email"])
	assert.Equal(t, "true", got.Attributes["email_verified"])
	assert.Equal(t, "true", got.Attributes[cognitobridge.DefaultProviderAttribute])

	assert.Equal(t, &cognitobridge.User{
		Username:          alice,
		Status:            cognitobridge.StatusExists,
		Enabled:           true,
		CreatedByProvider: true,
		Sub:               got.Sub,
		Email:             alice,
		CognitoStatus:     "CONFIRMED",
	}, u)
	assert.Contains(t, e.logs.String(), `"msg":"cognitobridge: created user"`)

	t.Run("again", func(t *testing.T) {
		e.srv.ResetCalls()
		again, err := e.store.CreateUser(ctx, alice)
		require.NoError(t, err)
		assert.Equal(t, u, again)
		assert.Equal(t, 1, e.srv.Calls("AdminCreateUser"))
		assert.Equal(t, 1, e.srv.Calls("AdminGetUser"))
		assert.Equal(t, 2, e.srv.Calls(""), "an existing CONFIRMED user is read, not written")
		after, _ := e.srv.User(alice)
		assert.Equal(t, got.LastModified, after.LastModified)
	})
}

func TestCreateUserExisting(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		arrange     func(t *testing.T, e *env)
		wantErr     error
		wantStatus  types.UserStatusType
		wantAttr    bool // provider attribute present afterwards
		wantCalls   int
		wantPWWorks bool
	}{
		{
			name:        "password user keeps password and is not marked",
			arrange:     func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW) },
			wantStatus:  types.UserStatusTypeConfirmed,
			wantCalls:   2,
			wantPWWorks: true,
		},
		{
			name:       "half-created user is repaired",
			arrange:    func(t *testing.T, e *env) { e.halfCreatedUser(t, alice) },
			wantStatus: types.UserStatusTypeConfirmed,
			wantAttr:   true,
			wantCalls:  3,
		},
		{
			name:       "invited user is left alone",
			arrange:    func(t *testing.T, e *env) { e.passwordUser(t, alice, "") },
			wantStatus: types.UserStatusTypeForceChangePassword,
			wantCalls:  2,
		},
		{
			name: "disabled password user",
			arrange: func(t *testing.T, e *env) {
				e.passwordUser(t, alice, alicePW)
				e.disable(t, alice)
			},
			wantErr:    cognitobridge.ErrUserDisabled,
			wantStatus: types.UserStatusTypeConfirmed,
			wantCalls:  2,
		},
		{
			name: "disabled half-created user is not repaired",
			arrange: func(t *testing.T, e *env) {
				e.halfCreatedUser(t, alice)
				e.disable(t, alice)
			},
			wantErr:    cognitobridge.ErrUserDisabled,
			wantStatus: types.UserStatusTypeForceChangePassword,
			wantAttr:   true,
			wantCalls:  2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.arrange(t, e)
			before, _ := e.srv.User(alice)
			e.srv.ResetCalls()

			u, err := e.store.CreateUser(ctx, alice)
			assert.Equal(t, tt.wantCalls, e.srv.Calls(""))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, u)
			} else {
				require.NoError(t, err)
				assert.Equal(t, before.Sub, u.Sub)
				assert.Equal(t, string(tt.wantStatus), u.CognitoStatus)
				assert.Equal(t, tt.wantAttr, u.CreatedByProvider)
			}
			after, _ := e.srv.User(alice)
			assert.Equal(t, before.Sub, after.Sub, "the user was replaced")
			assert.Equal(t, tt.wantStatus, after.Status)
			_, hasAttr := after.Attributes[cognitobridge.DefaultProviderAttribute]
			assert.Equal(t, tt.wantAttr, hasAttr)
			if tt.wantPWWorks {
				ok, err := e.store.VerifyPassword(ctx, alice, alicePW)
				require.NoError(t, err)
				assert.True(t, ok, "CreateUser changed an existing user's password")
			}
		})
	}
}

func TestCreateUserInterrupted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// AdminSetUserPassword fails for good (after the SDK's retries): the
	// user is left as AdminCreateUser made it.
	e.srv.FailNext("AdminSetUserPassword", 100, cognitotest.FaultInternal)
	_, err := e.store.CreateUser(ctx, alice)
	require.ErrorIs(t, err, cognitobridge.ErrUnavailable)
	got, ok := e.srv.User(alice)
	require.True(t, ok)
	require.Equal(t, types.UserStatusTypeForceChangePassword, got.Status)
	require.Equal(t, "true", got.Attributes[cognitobridge.DefaultProviderAttribute])
	e.srv.ClearFaults()

	// CUSTOM_AUTH does not mind FORCE_CHANGE_PASSWORD: Login works at the
	// returning-user price and leaves the repair to CreateUser.
	e.srv.ResetCalls()
	sess, err := e.store.Login(ctx, alice)
	require.NoError(t, err)
	e.session(sess)
	assert.Equal(t, got.Sub, sess.Sub)
	assert.Equal(t, 2, e.srv.Calls(""))

	u, err := e.store.CreateUser(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "CONFIRMED", u.CognitoStatus)
	got, _ = e.srv.User(alice)
	assert.Equal(t, types.UserStatusTypeConfirmed, got.Status)
	assert.Contains(t, e.logs.String(), `"msg":"cognitobridge: repaired half-created user"`)
}

func TestCreateUserMisconfigured(t *testing.T) {
	ctx := context.Background()
	t.Run("attribute missing from the schema", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.server.CustomAttributes = []string{} })
		u, err := e.store.CreateUser(ctx, alice)
		require.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
		assert.Nil(t, u)
		var invalid *types.InvalidParameterException
		require.ErrorAs(t, err, &invalid)
		var ce *cognitobridge.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "create user", ce.Op)
		assert.Equal(t, "AdminCreateUser", ce.Call)
		_, exists := e.srv.User(alice)
		assert.False(t, exists)
	})
	t.Run("empty username", func(t *testing.T) {
		e := newEnv(t)
		_, err := e.store.CreateUser(ctx, "")
		require.Error(t, err)
		assert.Equal(t, 0, e.srv.Calls(""))
	})
}

func TestCreateUserConcurrent(t *testing.T) {
	for _, op := range []string{"CreateUser", "Login", "Login/existence hidden"} {
		t.Run(op, func(t *testing.T) {
			var opts []envOption
			if op == "Login/existence hidden" {
				opts = append(opts, withPrevention, withSecret)
				op = "Login"
			}
			e := newEnv(t, opts...)
			ctx := context.Background()
			const n = 20
			var wg sync.WaitGroup
			errs := make([]error, n)
			subs := make([]string, n)
			for i := range n {
				wg.Go(func() {
					if op == "CreateUser" {
						u, err := e.store.CreateUser(ctx, alice)
						errs[i] = err
						if err == nil {
							subs[i] = u.Sub
						}
						return
					}
					sess, err := e.store.Login(ctx, alice)
					errs[i] = err
					if err == nil {
						subs[i] = e.session(sess).Sub
					}
				})
			}
			wg.Wait()
			require.NoError(t, errors.Join(errs...))
			users := e.srv.Users()
			require.Len(t, users, 1)
			assert.Equal(t, types.UserStatusTypeConfirmed, users[0].Status)
			for _, sub := range subs {
				assert.Equal(t, users[0].Sub, sub)
			}
		})
	}
}

// Concurrent creates of one user in one Store cost Cognito one create,
// and a caller whose context ends leaves the others' create alone.
func TestCreateUserCoalesced(t *testing.T) {
	e := newEnv(t)
	e.srv.SetLatency("AdminCreateUser", 100*time.Millisecond)
	ctx := context.Background()

	impatient, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			c := ctx
			if i == 0 {
				c = impatient
			}
			_, errs[i] = e.store.CreateUser(c, alice)
		})
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	wg.Wait()
	assert.ErrorIs(t, errs[0], context.Canceled)
	require.NoError(t, errors.Join(errs[1:]...))
	assert.LessOrEqual(t, e.srv.Calls("AdminCreateUser"), 2, "20 callers, one create (two if the canceled caller led)")
	u, ok := e.srv.User(alice)
	require.True(t, ok)
	assert.Equal(t, types.UserStatusTypeConfirmed, u.Status)
}
