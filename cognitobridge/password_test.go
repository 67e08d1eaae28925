package cognitobridge_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func TestVerifyPassword(t *testing.T) { eachPasswordFlow(t, testVerifyPassword) }

// eachPasswordFlow runs test on a pool whose client has a secret, once per
// password flow, with and without PreventUserExistenceErrors.
func eachPasswordFlow(t *testing.T, test func(*testing.T, *env)) {
	for _, flow := range []types.AuthFlowType{types.AuthFlowTypeUserPasswordAuth, types.AuthFlowTypeAdminUserPasswordAuth} {
		for _, prevent := range []bool{false, true} {
			name := string(flow)
			if prevent {
				name += "/PreventUserExistenceErrors"
			}
			t.Run(name, func(t *testing.T) {
				test(t, newEnv(t, withSecret, func(c *envConfig) {
					c.pool.Store.PasswordAuthFlow = flow
					c.pool.Server.PreventUserExistenceErrors = prevent
				}))
			})
		}
	}
}

// passwordUsers arranges the users the password tests sign in: alice with
// alicePW, carol disabled, mfa@ behind MFA, invited@ waiting for a password,
// and bob created by the store.
func passwordUsers(t *testing.T, e *env) {
	e.passwordUser(t, alice, alicePW)
	e.passwordUser(t, "carol@example.com", alicePW)
	e.disable(t, "carol@example.com")
	e.passwordUser(t, "mfa@example.com", alicePW)
	require.True(t, e.srv.RequireMFA("mfa@example.com"))
	e.passwordUser(t, "invited@example.com", "")
	created, err := e.store.CreateUser(context.Background(), bob, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	require.NotNil(t, created)
}

func testVerifyPassword(t *testing.T, e *env) {
	ctx := context.Background()
	passwordUsers(t, e)

	tests := []struct {
		name      string
		username  string
		password  string
		want      bool
		wantCalls int
	}{
		{name: "right password", username: alice, password: alicePW, want: true, wantCalls: 1},
		{name: "wrong password", username: alice, password: wrongPW, wantCalls: 1},
		{name: "unknown user", username: nobody, password: alicePW, wantCalls: 1},
		{name: "disabled user, right password", username: "carol@example.com", password: alicePW, wantCalls: 1},
		{name: "MFA user, right password", username: "mfa@example.com", password: alicePW, wantCalls: 1},
		{name: "invited user", username: "invited@example.com", password: alicePW, wantCalls: 1},
		{name: "provider-created user", username: bob, password: alicePW, wantCalls: 1},
		{name: "empty password", username: alice, password: "", wantCalls: 0},
		{name: "empty username", username: "", password: alicePW, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.ResetCalls()
			ok, err := e.store.VerifyPassword(ctx, tt.username, tt.password)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ok)
			assert.Equal(t, tt.wantCalls, e.srv.Calls(""))
		})
	}
	assert.Contains(t, e.logs.String(), `"reason":"SMS_MFA"`, "a password answered by a challenge is logged")
}

// Every failure that is not about the user or the password is an error,
// never (false, nil): the seed's worst habit.
func TestVerifyPasswordErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		opts     []envOption
		arrange  func(e *env)
		wantErr  error
		wantCode string
	}{
		{
			name:     "throttled",
			arrange:  func(e *env) { e.srv.FailNext("InitiateAuth", 100, cognitotest.FaultThrottle) },
			wantErr:  cognitobridge.ErrUnavailable,
			wantCode: "TooManyRequestsException",
		},
		{
			name:     "internal error",
			arrange:  func(e *env) { e.srv.FailNext("InitiateAuth", 100, cognitotest.FaultInternal) },
			wantErr:  cognitobridge.ErrUnavailable,
			wantCode: "InternalErrorException",
		},
		{
			name:    "server gone",
			arrange: func(e *env) { e.srv.Close() },
			wantErr: cognitobridge.ErrUnavailable,
		},
		{
			name:     "wrong client secret",
			opts:     []envOption{withSecret, withClientSecret("not-the-secret-of-this-client-at-all")},
			wantErr:  cognitobridge.ErrMisconfigured,
			wantCode: "NotAuthorizedException",
		},
		{
			name:     "secret missing",
			opts:     []envOption{withSecret, withClientSecret("")},
			wantErr:  cognitobridge.ErrMisconfigured,
			wantCode: "NotAuthorizedException",
		},
		{
			name: "flow not enabled",
			opts: []envOption{func(c *envConfig) {
				c.pool.Server.ExplicitAuthFlows = []string{cognitotest.AllowCustomAuth, cognitotest.AllowRefreshTokenAuth}
			}},
			wantErr:  cognitobridge.ErrMisconfigured,
			wantCode: "InvalidParameterException",
		},
		{
			name: "admin flow not enabled",
			opts: []envOption{func(c *envConfig) {
				c.pool.Server.ExplicitAuthFlows = []string{cognitotest.AllowCustomAuth, cognitotest.AllowUserPasswordAuth}
				c.pool.Store.PasswordAuthFlow = types.AuthFlowTypeAdminUserPasswordAuth
			}},
			wantErr:  cognitobridge.ErrMisconfigured,
			wantCode: "InvalidParameterException",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			e.passwordUser(t, alice, alicePW)
			if tt.arrange != nil {
				tt.arrange(e)
			}
			for _, pw := range []string{alicePW, wrongPW} {
				ok, err := e.store.VerifyPassword(ctx, alice, pw)
				assert.False(t, ok)
				require.ErrorIs(t, err, tt.wantErr)
				var ce *cognitobridge.Error
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, "verify password", ce.Op)
				if tt.wantCode != "" {
					var ae smithy.APIError
					require.ErrorAs(t, err, &ae)
					assert.Equal(t, tt.wantCode, ae.ErrorCode())
				}
				assert.Regexp(t, `^cognitobridge: verify password: `, err.Error())
				e.assertClean(t, err.Error())
				assert.NotContains(t, err.Error(), pw)
			}
		})
	}
}

func TestVerifyPasswordRetriesThrottling(t *testing.T) {
	// Two throttled attempts are absorbed by the SDK's retries.
	e := newEnv(t)
	e.passwordUser(t, alice, alicePW)
	e.srv.FailNext("InitiateAuth", 2, cognitotest.FaultThrottle)
	ok, err := e.store.VerifyPassword(context.Background(), alice, alicePW)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 3, e.srv.Calls("InitiateAuth"))
}

func TestVerifyPasswordCanceled(t *testing.T) {
	e := newEnv(t)
	e.passwordUser(t, alice, alicePW)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := e.store.VerifyPassword(ctx, alice, alicePW)
	assert.False(t, ok)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, cognitobridge.ErrUnavailable)
}
