package cognitobridge_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// The call counts the issue promises, measured at the emulator (each HTTP
// request counts; no faults are injected, so there are no retries).
func TestLoginCallCounts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		opts    []envOption
		arrange func(t *testing.T, e *env)
		want    map[string]int // per operation; "" = all
	}{
		{
			name: "first login",
			want: map[string]int{"": 5, "AdminInitiateAuth": 2, "AdminCreateUser": 1, "AdminSetUserPassword": 1, "AdminRespondToAuthChallenge": 1},
		},
		{
			name: "first login, existence hidden",
			opts: []envOption{withPrevention},
			want: map[string]int{"": 6, "AdminInitiateAuth": 2, "AdminRespondToAuthChallenge": 2, "AdminCreateUser": 1, "AdminSetUserPassword": 1},
		},
		{
			name: "first login, client secret",
			opts: []envOption{withSecret},
			want: map[string]int{"": 5},
		},
		{
			name: "first login, client secret, existence hidden",
			opts: []envOption{withSecret, withPrevention},
			want: map[string]int{"": 6},
		},
		{
			name: "returning provider user",
			arrange: func(t *testing.T, e *env) {
				_, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
				require.NoError(t, err)
			},
			want: map[string]int{"": 2, "AdminInitiateAuth": 1, "AdminRespondToAuthChallenge": 1},
		},
		{
			name: "returning provider user, existence hidden",
			opts: []envOption{withPrevention, withSecret},
			arrange: func(t *testing.T, e *env) {
				_, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
				require.NoError(t, err)
			},
			want: map[string]int{"": 2},
		},
		{
			name:    "returning password user",
			arrange: func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW) },
			want:    map[string]int{"": 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			if tt.arrange != nil {
				tt.arrange(t, e)
			}
			e.srv.ResetCalls()
			sess, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
			require.NoError(t, err)
			e.session(sess)
			for op, n := range tt.want {
				assert.Equal(t, n, e.srv.Calls(op), "calls of %q", op)
			}
			u, ok := e.srv.User(alice)
			require.True(t, ok)
			assert.Equal(t, u.Sub, sess.Sub)
			assert.Equal(t, alice, sess.Email)
			assert.NotEmpty(t, sess.IDToken)
		})
	}
}

func TestLoginErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		opts        []envOption
		arrange     func(t *testing.T, e *env)
		wantErr     error
		wantCreated bool // whether alice exists afterwards
		maxCalls    int
	}{
		{
			name:        "disabled user",
			arrange:     func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW); e.disable(t, alice) },
			wantErr:     cognitobridge.ErrUserDisabled,
			wantCreated: true,
			maxCalls:    1,
		},
		{
			name:        "disabled user, existence hidden",
			opts:        []envOption{withPrevention},
			arrange:     func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW); e.disable(t, alice) },
			wantErr:     cognitobridge.ErrUserDisabled,
			wantCreated: true,
			maxCalls:    1,
		},
		{
			name:     "throttled",
			opts:     []envOption{withNoRetries},
			arrange:  func(t *testing.T, e *env) { e.srv.FailNext("", 100, cognitotest.FaultThrottle) },
			wantErr:  cognitobridge.ErrUnavailable,
			maxCalls: 1,
		},
		{
			name:     "create throttled",
			opts:     []envOption{withNoRetries},
			arrange:  func(t *testing.T, e *env) { e.srv.FailNext("AdminCreateUser", 100, cognitotest.FaultThrottle) },
			wantErr:  cognitobridge.ErrUnavailable,
			maxCalls: 2,
		},
		{
			name:     "attribute missing from the schema",
			opts:     []envOption{func(c *envConfig) { c.pool.Server.CustomAttributes = []string{} }},
			wantErr:  cognitobridge.ErrMisconfigured,
			maxCalls: 2,
		},
		{
			name:     "custom auth not enabled",
			opts:     []envOption{func(c *envConfig) { c.pool.Server.ExplicitAuthFlows = []string{cognitotest.AllowUserPasswordAuth} }},
			wantErr:  cognitobridge.ErrMisconfigured,
			maxCalls: 1,
		},
		{
			name:     "wrong client secret",
			opts:     []envOption{withSecret, withClientSecret("some-other-secret")},
			wantErr:  cognitobridge.ErrMisconfigured,
			maxCalls: 1,
		},
		{
			name:        "Lambda holds another key, existing user",
			opts:        []envOption{withPrevention, func(c *envConfig) { c.pool.Verifier = newProof(t) }},
			arrange:     func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW) },
			wantErr:     cognitobridge.ErrNotAuthorized,
			wantCreated: true,
			maxCalls:    6,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			if tt.arrange != nil {
				tt.arrange(t, e)
			}
			before, _ := e.srv.User(alice)
			e.srv.ResetCalls()
			sess, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, sess)
			assert.LessOrEqual(t, e.srv.Calls(""), tt.maxCalls)
			var ce *cognitobridge.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "login", ce.Op)
			e.assertClean(t, err.Error())

			after, exists := e.srv.User(alice)
			assert.Equal(t, tt.wantCreated, exists)
			if exists {
				assert.Equal(t, before.Sub, after.Sub, "user replaced")
				assert.Equal(t, before.Attributes, after.Attributes, "user changed")
			}
		})
	}
}

func TestLoginAfterThrottlingRecovers(t *testing.T) {
	// Throttling the SDK's retries absorb is invisible to the caller.
	e := newEnv(t)
	e.srv.FailNext("AdminRespondToAuthChallenge", 2, cognitotest.FaultThrottle)
	sess, err := e.store.Login(context.Background(), alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.session(sess)
	assert.Equal(t, 3, e.srv.Calls("AdminRespondToAuthChallenge"))
	assert.Equal(t, 7, e.srv.Calls(""))
}
