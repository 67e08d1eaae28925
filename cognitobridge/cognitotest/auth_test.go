package cognitotest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/secrethash"
)

// initiate calls InitiateAuth or, when admin, AdminInitiateAuth and returns
// the common parts of the output.
func initiate(ctx context.Context, s *cognitotest.Server, c *cip.Client, admin bool, flow types.AuthFlowType, params map[string]string) (*types.AuthenticationResultType, types.ChallengeNameType, map[string]string, *string, error) {
	if admin {
		out, err := c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()), AuthFlow: flow, AuthParameters: params,
		})
		if err != nil {
			return nil, "", nil, nil, err
		}
		return out.AuthenticationResult, out.ChallengeName, out.ChallengeParameters, out.Session, nil
	}
	out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(s.ClientID()), AuthFlow: flow, AuthParameters: params})
	if err != nil {
		return nil, "", nil, nil, err
	}
	return out.AuthenticationResult, out.ChallengeName, out.ChallengeParameters, out.Session, nil
}

func TestPasswordAuth(t *testing.T) {
	for _, secret := range []bool{false, true} {
		for _, admin := range []bool{false, true} {
			flow := types.AuthFlowTypeUserPasswordAuth
			if admin {
				flow = types.AuthFlowTypeAdminUserPasswordAuth
			}
			t.Run(string(flow)+map[bool]string{false: "", true: " with secret"}[secret], func(t *testing.T) {
				s := newServer(t, cognitotest.Config{ClientSecret: secret})
				createUser(t, s, alice, map[string]string{"email": alice})
				createUser(t, s, "disabled", nil)
				_, err := s.Client().AdminDisableUser(context.Background(), &cip.AdminDisableUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String("disabled")})
				require.NoError(t, err)
				c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })
				ctx := context.Background()

				params := func(username, pw string) map[string]string {
					return withSecret(s, username, map[string]string{"USERNAME": username, "PASSWORD": pw})
				}
				tests := []struct {
					name   string
					params map[string]string
					check  func(t *testing.T, err error)
				}{
					{name: "right password", params: params(alice, goodPassword)},
					{name: "wrong password", params: params(alice, "Wr0ng-password"), check: func(t *testing.T, err error) {
						requireAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
					}},
					{name: "unknown user", params: params("nobody", goodPassword), check: func(t *testing.T, err error) {
						requireAPIError[*types.UserNotFoundException](t, err, "User does not exist.")
					}},
					{name: "disabled user", params: params("disabled", goodPassword), check: func(t *testing.T, err error) {
						requireAPIError[*types.NotAuthorizedException](t, err, "User is disabled.")
					}},
					{name: "no username", params: map[string]string{"PASSWORD": goodPassword}, check: func(t *testing.T, err error) {
						requireAPIError[*types.InvalidParameterException](t, err, "Missing required parameter USERNAME")
					}},
					{name: "no password", params: withSecret(s, alice, map[string]string{"USERNAME": alice}), check: func(t *testing.T, err error) {
						requireAPIError[*types.InvalidParameterException](t, err, "Missing required parameter PASSWORD")
					}},
				}
				if secret {
					tests = append(tests,
						struct {
							name   string
							params map[string]string
							check  func(t *testing.T, err error)
						}{name: "no secret hash", params: map[string]string{"USERNAME": alice, "PASSWORD": goodPassword}, check: func(t *testing.T, err error) {
							requireAPIError[*types.NotAuthorizedException](t, err, "Client "+s.ClientID()+" is configured with secret but SECRET_HASH was not received")
						}},
						struct {
							name   string
							params map[string]string
							check  func(t *testing.T, err error)
						}{name: "secret hash of another user", params: map[string]string{"USERNAME": alice, "PASSWORD": goodPassword, "SECRET_HASH": secrethash.Compute(s.ClientSecret(), "bob", s.ClientID())}, check: func(t *testing.T, err error) {
							requireAPIError[*types.NotAuthorizedException](t, err, "Unable to verify secret hash for client "+s.ClientID())
						}},
					)
				} else {
					tests = append(tests, struct {
						name   string
						params map[string]string
						check  func(t *testing.T, err error)
					}{name: "secret hash without a secret", params: map[string]string{"USERNAME": alice, "PASSWORD": goodPassword, "SECRET_HASH": "x"}, check: func(t *testing.T, err error) {
						requireAPIError[*types.InvalidParameterException](t, err, "App client "+s.ClientID()+" is not configured for secret but secret hash was received")
					}})
				}
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						res, challenge, _, _, err := initiate(ctx, s, c, admin, flow, tt.params)
						if tt.check != nil {
							tt.check(t, err)
							return
						}
						require.NoError(t, err)
						assert.Empty(t, challenge)
						require.NotNil(t, res)
						assert.NotEmpty(t, aws.ToString(res.IdToken))
						assert.NotEmpty(t, aws.ToString(res.AccessToken))
						assert.NotEmpty(t, aws.ToString(res.RefreshToken))
						assert.Equal(t, int32(3600), res.ExpiresIn)
						assert.Equal(t, "Bearer", aws.ToString(res.TokenType))
					})
				}
			})
		}
	}
}

func TestPreventUserExistenceErrors(t *testing.T) {
	s := newServer(t, cognitotest.Config{PreventUserExistenceErrors: true})
	ctx := context.Background()
	c := s.Client()
	for _, admin := range []bool{false, true} {
		flow := types.AuthFlowTypeUserPasswordAuth
		if admin {
			flow = types.AuthFlowTypeAdminUserPasswordAuth
		}
		_, _, _, _, err := initiate(ctx, s, c, admin, flow, map[string]string{"USERNAME": "nobody", "PASSWORD": goodPassword})
		requireAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	}
	// Admin user operations still tell.
	_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String("nobody")})
	requireAPIError[*types.UserNotFoundException](t, err, "")
}

func TestAuthFlowsAllowed(t *testing.T) {
	h, _ := newHandler(t, nil, 0)
	ctx := context.Background()
	tests := []struct {
		name    string
		flows   []string
		admin   bool
		flow    types.AuthFlowType
		message string
	}{
		{name: "user password", flows: []string{cognitotest.AllowCustomAuth}, flow: types.AuthFlowTypeUserPasswordAuth, message: "USER_PASSWORD_AUTH flow not enabled for this client"},
		{name: "admin user password", flows: []string{cognitotest.AllowUserPasswordAuth}, admin: true, flow: types.AuthFlowTypeAdminUserPasswordAuth, message: "Auth flow not enabled for this client"},
		{name: "admin no SRP", flows: []string{cognitotest.AllowUserPasswordAuth}, admin: true, flow: types.AuthFlowTypeAdminNoSrpAuth, message: "Auth flow not enabled for this client"},
		{name: "custom", flows: []string{cognitotest.AllowUserPasswordAuth}, admin: true, flow: types.AuthFlowTypeCustomAuth, message: "CUSTOM_AUTH flow not enabled for this client"},
		{name: "refresh", flows: []string{cognitotest.AllowCustomAuth}, flow: types.AuthFlowTypeRefreshTokenAuth, message: "REFRESH_TOKEN_AUTH flow not enabled for this client"},
		{name: "admin flow on the public call", flow: types.AuthFlowTypeAdminUserPasswordAuth, message: "Initiate Auth method not supported."},
		{name: "public flow on the admin call", admin: true, flow: types.AuthFlowTypeUserPasswordAuth, message: "Initiate Auth method not supported."},
		{name: "unknown flow", flow: "MAGIC_AUTH", message: "1 validation error detected: Value 'MAGIC_AUTH' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"},
		{name: "SRP is not emulated", flows: []string{cognitotest.AllowUserSRPAuth}, flow: types.AuthFlowTypeUserSrpAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, cognitotest.Config{Triggers: h, ExplicitAuthFlows: tt.flows})
			createUser(t, s, alice, nil)
			params := map[string]string{"USERNAME": alice, "PASSWORD": goodPassword, "REFRESH_TOKEN": "x"}
			_, _, _, _, err := initiate(ctx, s, s.Client(), tt.admin, tt.flow, params)
			requireAPIError[*types.InvalidParameterException](t, err, tt.message)
		})
	}

	t.Run("unknown client", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{})
		_, err := s.Client().InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: aws.String("nosuchclient"), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": alice, "PASSWORD": goodPassword},
		})
		requireAPIError[*types.ResourceNotFoundException](t, err, "User pool client nosuchclient does not exist.")
	})
}

func TestNewPasswordRequired(t *testing.T) {
	for _, admin := range []bool{false, true} {
		t.Run(map[bool]string{false: "public", true: "admin"}[admin], func(t *testing.T) {
			s := newServer(t, cognitotest.Config{ClientSecret: true})
			c := s.Client()
			ctx := context.Background()
			_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
				UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), MessageAction: types.MessageActionTypeSuppress,
				TemporaryPassword: aws.String(goodPassword), UserAttributes: []types.AttributeType{attr("email", alice)},
			})
			require.NoError(t, err)
			flow := types.AuthFlowTypeUserPasswordAuth
			if admin {
				flow = types.AuthFlowTypeAdminUserPasswordAuth
			}
			res, name, params, session, err := initiate(ctx, s, c, admin, flow, withSecret(s, alice, map[string]string{"USERNAME": alice, "PASSWORD": goodPassword}))
			require.NoError(t, err)
			assert.Nil(t, res, "no tokens before the new password")
			assert.Equal(t, types.ChallengeNameTypeNewPasswordRequired, name)
			assert.Equal(t, alice, params["USER_ID_FOR_SRP"])
			var userAttributes map[string]string
			require.NoError(t, json.Unmarshal([]byte(params["userAttributes"]), &userAttributes))
			assert.Equal(t, alice, userAttributes["email"])
			require.NotEmpty(t, aws.ToString(session))

			respond := func(newPassword string) (*types.AuthenticationResultType, error) {
				responses := withSecret(s, alice, map[string]string{"USERNAME": alice, "NEW_PASSWORD": newPassword})
				if admin {
					out, err := c.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
						UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
						ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: session, ChallengeResponses: responses,
					})
					if err != nil {
						return nil, err
					}
					return out.AuthenticationResult, nil
				}
				out, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
					ClientId: aws.String(s.ClientID()), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
					Session: session, ChallengeResponses: responses,
				})
				if err != nil {
					return nil, err
				}
				return out.AuthenticationResult, nil
			}
			_, err = respond("weak")
			requireAPIError[*types.InvalidPasswordException](t, err, "Password did not conform with policy: Password not long enough")
			tokens, err := respond("N3w-password!")
			require.NoError(t, err, "a refused password leaves the session usable")
			require.NotNil(t, tokens)
			assert.NotEmpty(t, aws.ToString(tokens.IdToken))
			u, _ := s.User(alice)
			assert.Equal(t, types.UserStatusTypeConfirmed, u.Status)
			_, err = respond("N3w-password!")
			requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
		})
	}
}

func TestRequireMFA(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	c := s.Client()
	ctx := context.Background()
	createUser(t, s, alice, map[string]string{"phone_number": "+15555550123"})
	assert.False(t, s.RequireMFA("nobody"))
	require.True(t, s.RequireMFA(alice))
	u, _ := s.User(alice)
	assert.True(t, u.MFARequired)

	out, err := passwordLogin(ctx, s, c, alice, goodPassword)
	require.NoError(t, err)
	assert.Nil(t, out.AuthenticationResult, "a password that leads to MFA yields no tokens")
	assert.Equal(t, types.ChallengeNameTypeSmsMfa, out.ChallengeName)
	assert.Equal(t, "SMS", out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"])
	assert.Equal(t, "+*******0123", out.ChallengeParameters["CODE_DELIVERY_DESTINATION"])
	assert.NotEmpty(t, aws.ToString(out.Session))

	_, err = passwordLogin(ctx, s, c, alice, "Wr0ng-password")
	requireAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

	_, err = c.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()), ChallengeName: types.ChallengeNameTypeSmsMfa,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": alice, "SMS_MFA_CODE": "123456"},
	})
	requireAPIError[*types.InvalidParameterException](t, err, "")
}

func TestRefreshTokenAuth(t *testing.T) {
	for _, secret := range []bool{false, true} {
		t.Run(map[bool]string{false: "no secret", true: "secret"}[secret], func(t *testing.T) {
			clk := newClock()
			s := newServer(t, cognitotest.Config{ClientSecret: secret, Now: clk.Now})
			c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })
			ctx := context.Background()
			createUser(t, s, alice, map[string]string{"email": alice})
			first := tokensFor(t, s, alice)
			refresh := aws.ToString(first.RefreshToken)
			clk.Advance(10 * time.Minute)

			for _, admin := range []bool{false, true} {
				for _, flow := range []types.AuthFlowType{types.AuthFlowTypeRefreshTokenAuth, types.AuthFlowTypeRefreshToken} {
					res, _, _, _, err := initiate(ctx, s, c, admin, flow, withSecret(s, alice, map[string]string{"REFRESH_TOKEN": refresh}))
					require.NoError(t, err)
					require.NotNil(t, res)
					assert.Empty(t, aws.ToString(res.RefreshToken), "refreshing hands out no new refresh token")
					assert.NotEqual(t, aws.ToString(first.IdToken), aws.ToString(res.IdToken))
					idFirst, idNew := claimsOf(t, aws.ToString(first.IdToken)), claimsOf(t, aws.ToString(res.IdToken))
					assert.Equal(t, idFirst["origin_jti"], idNew["origin_jti"])
					assert.Equal(t, idFirst["auth_time"], idNew["auth_time"])
					assert.Equal(t, float64(clk.Now().Unix()), idNew["iat"])
				}
			}

			_, _, _, _, err := initiate(ctx, s, c, false, types.AuthFlowTypeRefreshTokenAuth, withSecret(s, alice, map[string]string{"REFRESH_TOKEN": "forged"}))
			requireAPIError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
			_, _, _, _, err = initiate(ctx, s, c, false, types.AuthFlowTypeRefreshTokenAuth, withSecret(s, alice, map[string]string{}))
			requireAPIError[*types.InvalidParameterException](t, err, "Missing required parameter REFRESH_TOKEN")
			if secret {
				_, _, _, _, err = initiate(ctx, s, c, false, types.AuthFlowTypeRefreshTokenAuth, map[string]string{"REFRESH_TOKEN": refresh})
				requireAPIError[*types.NotAuthorizedException](t, err, "Client "+s.ClientID()+" is configured with secret but SECRET_HASH was not received")
				_, _, _, _, err = initiate(ctx, s, c, false, types.AuthFlowTypeRefreshTokenAuth, withSecret(s, "bob", map[string]string{"REFRESH_TOKEN": refresh}))
				requireAPIError[*types.NotAuthorizedException](t, err, "Unable to verify secret hash for client "+s.ClientID())
			}

			clk.Advance(30 * 24 * time.Hour)
			_, _, _, _, err = initiate(ctx, s, c, false, types.AuthFlowTypeRefreshTokenAuth, withSecret(s, alice, map[string]string{"REFRESH_TOKEN": refresh}))
			requireAPIError[*types.NotAuthorizedException](t, err, "Refresh Token has expired")
		})
	}
}

func TestSignOutRevokes(t *testing.T) {
	ctx := context.Background()
	pool := func(s *cognitotest.Server) *string { return aws.String(s.UserPoolID()) }
	tests := []struct {
		name       string
		signOut    func(t *testing.T, s *cognitotest.Server, access string)
		getUserMsg string
		refreshMsg string
	}{
		{
			name: "GlobalSignOut",
			signOut: func(t *testing.T, s *cognitotest.Server, access string) {
				_, err := s.Client().GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: aws.String(access)})
				require.NoError(t, err)
			},
			getUserMsg: "Access Token has been revoked",
			refreshMsg: "Refresh Token has been revoked",
		},
		{
			name: "AdminUserGlobalSignOut",
			signOut: func(t *testing.T, s *cognitotest.Server, _ string) {
				_, err := s.Client().AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: pool(s), Username: aws.String(alice)})
				require.NoError(t, err)
			},
			getUserMsg: "Access Token has been revoked",
			refreshMsg: "Refresh Token has been revoked",
		},
		{
			name: "AdminDisableUser",
			signOut: func(t *testing.T, s *cognitotest.Server, _ string) {
				_, err := s.Client().AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: pool(s), Username: aws.String(alice)})
				require.NoError(t, err)
			},
			getUserMsg: "User is disabled.",
			refreshMsg: "User is disabled.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, cognitotest.Config{})
			c := s.Client()
			createUser(t, s, alice, map[string]string{"email": alice})
			createUser(t, s, "bob", nil)
			tokens := tokensFor(t, s, alice)
			other := tokensFor(t, s, "bob")
			access := aws.ToString(tokens.AccessToken)

			got, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(access)})
			require.NoError(t, err)
			assert.Equal(t, alice, aws.ToString(got.Username))
			assert.Equal(t, alice, attrMap(got.UserAttributes)["email"])

			tt.signOut(t, s, access)

			_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(access)})
			requireAPIError[*types.NotAuthorizedException](t, err, tt.getUserMsg)
			_, err = c.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: aws.String(access)})
			requireAPIError[*types.NotAuthorizedException](t, err, tt.getUserMsg)
			_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{
				ClientId: aws.String(s.ClientID()), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
				AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(tokens.RefreshToken)},
			})
			requireAPIError[*types.NotAuthorizedException](t, err, tt.refreshMsg)

			_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: other.AccessToken})
			require.NoError(t, err, "other users stay signed in")

			if tt.name != "AdminDisableUser" {
				fresh := tokensFor(t, s, alice)
				_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: fresh.AccessToken})
				require.NoError(t, err, "a sign-in after the sign-out works")
			}
		})
	}
}

func TestAccessTokenErrors(t *testing.T) {
	clk := newClock()
	s := newServer(t, cognitotest.Config{Now: clk.Now})
	c := s.Client()
	ctx := context.Background()
	createUser(t, s, alice, nil)
	tokens := tokensFor(t, s, alice)

	_, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens.IdToken})
	requireAPIError[*types.NotAuthorizedException](t, err, "Invalid Access Token")
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String("not.a.token")})
	requireAPIError[*types.NotAuthorizedException](t, err, "Invalid Access Token")

	other := newServer(t, cognitotest.Config{})
	createUser(t, other, alice, nil)
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: tokensFor(t, other, alice).AccessToken})
	// Another pool's token: same signing key here, but another issuer.
	requireAPIError[*types.NotAuthorizedException](t, err, "Invalid Access Token")

	clk.Advance(time.Hour)
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens.AccessToken})
	requireAPIError[*types.NotAuthorizedException](t, err, "Access Token has expired")

	fresh := tokensFor(t, s, alice)
	_, err = c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice)})
	require.NoError(t, err)
	createUser(t, s, alice, nil) // same name, new user
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: fresh.AccessToken})
	requireAPIError[*types.UserNotFoundException](t, err, "User does not exist.")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(s.ClientID()), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(fresh.RefreshToken)},
	})
	requireAPIError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
}
