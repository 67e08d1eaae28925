package cognitobridge_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func TestCreateUser(t *testing.T) {
	for _, tt := range []struct {
		name         string
		opts         cognitobridge.CreateOptions
		wantVerified string // the email_verified attribute; "" = not set
	}{
		{name: "address proven", opts: cognitobridge.CreateOptions{EmailVerified: true}, wantVerified: "true"},
		{name: "address not proven", opts: cognitobridge.CreateOptions{}, wantVerified: ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()

			u, err := e.store.CreateUser(ctx, alice, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, 1, e.srv.Calls("AdminCreateUser"))
			assert.Equal(t, 1, e.srv.Calls("AdminSetUserPassword"))
			assert.Equal(t, 2, e.srv.Calls(""))

			got, ok := e.srv.User(alice)
			require.True(t, ok)
			assert.Equal(t, types.UserStatusTypeConfirmed, got.Status)
			assert.True(t, got.Enabled)
			assert.Equal(t, alice, got.Attributes["email"])
			assert.Equal(t, tt.wantVerified, got.Attributes["email_verified"])
			assert.Equal(t, "true", got.Attributes[cognitobridge.DefaultProviderAttribute])

			assert.Equal(t, &cognitobridge.User{
				Username:          alice,
				Status:            cognitobridge.StatusExists,
				Enabled:           true,
				CreatedByProvider: true,
				Sub:               got.Sub,
				Email:             alice,
				EmailVerified:     tt.opts.EmailVerified,
				CognitoStatus:     "CONFIRMED",
			}, u)
			assert.Contains(t, e.logs.String(), `"msg":"cognitobridge: created user"`)

			t.Run("again", func(t *testing.T) {
				e.srv.ResetCalls()
				// The options of a later call change nothing about a user
				// that exists: a proof arriving later is not CreateUser's
				// business.
				again, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{EmailVerified: !tt.opts.EmailVerified})
				require.NoError(t, err)
				assert.Equal(t, u, again)
				assert.Equal(t, 1, e.srv.Calls("AdminCreateUser"))
				assert.Equal(t, 1, e.srv.Calls("AdminGetUser"))
				assert.Equal(t, 2, e.srv.Calls(""), "an existing CONFIRMED user is read, not written")
				after, _ := e.srv.User(alice)
				assert.Equal(t, got.LastModified, after.LastModified)
				assert.Equal(t, tt.wantVerified, after.Attributes["email_verified"])
			})
		})
	}
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

			u, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
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
	_, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
	require.ErrorIs(t, err, cognitobridge.ErrUnavailable)
	got, ok := e.srv.User(alice)
	require.True(t, ok)
	require.Equal(t, types.UserStatusTypeForceChangePassword, got.Status)
	require.Equal(t, "true", got.Attributes[cognitobridge.DefaultProviderAttribute])
	e.srv.ClearFaults()

	// Cognito follows a successful custom challenge of a user in
	// FORCE_CHANGE_PASSWORD with NEW_PASSWORD_REQUIRED instead of tokens;
	// Login repairs the user (a permanent random password) and signs in:
	// AdminInitiateAuth, AdminRespondToAuthChallenge (NEW_PASSWORD_REQUIRED),
	// AdminCreateUser (exists), AdminGetUser, AdminSetUserPassword, then the
	// session's two calls.
	e.srv.ResetCalls()
	sess, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.session(sess)
	assert.Equal(t, got.Sub, sess.Sub)
	assert.Equal(t, 7, e.srv.Calls(""))
	assert.Equal(t, 1, e.srv.Calls("AdminSetUserPassword"))
	got, _ = e.srv.User(alice)
	assert.Equal(t, types.UserStatusTypeConfirmed, got.Status)
	assert.Contains(t, e.logs.String(), `"msg":"cognitobridge: repaired half-created user"`)

	e.srv.ResetCalls()
	u, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "CONFIRMED", u.CognitoStatus)
	assert.Equal(t, 0, e.srv.Calls("AdminSetUserPassword"), "repaired once")
}

func TestCreateUserMisconfigured(t *testing.T) {
	ctx := context.Background()
	t.Run("attribute missing from the schema", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.pool.Server.CustomAttributes = []string{} })
		u, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
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
		_, err := e.store.CreateUser(ctx, "", cognitobridge.CreateOptions{})
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
						u, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
						errs[i] = err
						if err == nil {
							subs[i] = u.Sub
						}
						return
					}
					sess, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
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
// and a caller whose context ends leaves the others' create alone: when
// the leader of a coalesced create is canceled mid-call, its waiters join
// the create again and exactly one of them calls AdminCreateUser.
//
// The pool is an in-memory fake inside a synctest bubble, so the test
// knows (synctest.Wait) when every caller is parked, without sleeps.
func TestCreateUserCoalesced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newHeldCreates()
		store, err := cognitobridge.New(cognitobridge.Config{Client: api, UserPoolID: "us-east-1_fake", ClientID: "client"})
		require.NoError(t, err)
		ctx := t.Context()

		impatient, cancel := context.WithCancel(ctx)
		var leaderErr error
		var wg sync.WaitGroup
		wg.Go(func() { _, leaderErr = store.CreateUser(impatient, alice, cognitobridge.CreateOptions{}) })
		synctest.Wait() // the leader is inside AdminCreateUser
		require.Equal(t, 1, api.creates())

		const waiters = 19
		errs := make([]error, waiters)
		users := make([]*cognitobridge.User, waiters)
		for i := range waiters {
			wg.Go(func() { users[i], errs[i] = store.CreateUser(ctx, alice, cognitobridge.CreateOptions{}) })
		}
		// A caller asking for a verified address does not ride along.
		var verifiedErr error
		wg.Go(func() {
			_, verifiedErr = store.CreateUser(ctx, alice, cognitobridge.CreateOptions{EmailVerified: true})
		})
		synctest.Wait() // every waiter is parked on the shared create
		require.Equal(t, 2, api.creates(), "the verified caller made its own call; the waiters none")

		cancel()
		synctest.Wait() // the leader gave up; one waiter leads the retry
		assert.Equal(t, 3, api.creates(), "the waiters retried through one shared create")

		api.release()
		wg.Wait()
		assert.ErrorIs(t, leaderErr, context.Canceled)
		require.NoError(t, errors.Join(errs...))
		require.NoError(t, verifiedErr)
		assert.Equal(t, 3, api.creates())
		for _, u := range users {
			assert.Equal(t, alice, u.Username)
			assert.Equal(t, "CONFIRMED", u.CognitoStatus)
		}
		users[0].Sub = "changed"
		assert.NotEqual(t, users[0].Sub, users[1].Sub, "each caller gets its own copy")
	})
}

// heldCreates is a pool in memory whose AdminCreateUser waits until
// release (or its caller's ctx ends, as the SDK's call would).
type heldCreates struct {
	cognitobridge.CognitoAPI // nil: any other call panics

	mu      sync.Mutex
	calls   int
	exists  map[string]bool
	hold    chan struct{}
	onceRel sync.Once
}

func newHeldCreates() *heldCreates {
	return &heldCreates{exists: map[string]bool{}, hold: make(chan struct{})}
}

func (h *heldCreates) release() { h.onceRel.Do(func() { close(h.hold) }) }

func (h *heldCreates) creates() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

func (h *heldCreates) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, _ ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	select {
	case <-h.hold:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	name := aws.ToString(in.Username)
	if h.exists[name] {
		return nil, &types.UsernameExistsException{Message: aws.String("User account already exists")}
	}
	h.exists[name] = true
	return &cip.AdminCreateUserOutput{User: &types.UserType{
		Username: in.Username, Enabled: true, UserStatus: types.UserStatusTypeForceChangePassword,
		Attributes: append([]types.AttributeType{{Name: aws.String("sub"), Value: aws.String("sub-" + name)}}, in.UserAttributes...),
	}}, nil
}

func (h *heldCreates) AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	return &cip.AdminSetUserPasswordOutput{}, nil
}

func (h *heldCreates) AdminGetUser(_ context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	name := aws.ToString(in.Username)
	return &cip.AdminGetUserOutput{Username: in.Username, Enabled: true, UserStatus: types.UserStatusTypeConfirmed,
		UserAttributes: []types.AttributeType{{Name: aws.String("sub"), Value: aws.String("sub-" + name)}}}, nil
}
