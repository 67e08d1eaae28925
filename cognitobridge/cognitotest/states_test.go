package cognitotest_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func respondNewPassword(ctx context.Context, s *cognitotest.Server, username string, session *string, pw string) (*cip.AdminRespondToAuthChallengeOutput, error) {
	return s.Client().AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: session,
		ChallengeResponses: withSecret(s, username, map[string]string{"USERNAME": username, "NEW_PASSWORD": pw}),
	})
}

// TestForceChangePasswordAfterCustomAuth: a user created by AdminCreateUser
// and never given a permanent password proves the custom challenge and is
// asked for a new password instead of getting tokens (amplify-flutter#4890);
// answering it signs them in and confirms them. A wrong answer still fails.
func TestForceChangePasswordAfterCustomAuth(t *testing.T) {
	for _, admin := range []bool{true, false} {
		t.Run(map[bool]string{false: "public", true: "admin"}[admin], func(t *testing.T) {
			h, proof := newHandler(t, nil, 1)
			s := newServer(t, cognitotest.Config{Triggers: h, ClientSecret: true})
			ctx := context.Background()
			_, err := adminCreate(ctx, s, alice, map[string]string{"email": alice}, false)
			require.NoError(t, err)
			a := authClient{s: s, c: s.Client(), admin: admin}

			st, err := a.start(ctx, alice, nil)
			require.NoError(t, err)
			_, err = a.answer(ctx, alice, st.session, "wrong", nil)
			requireAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

			st, err = a.start(ctx, alice, nil)
			require.NoError(t, err)
			done, err := a.answer(ctx, alice, st.session, proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter]), nil)
			require.NoError(t, err)
			assert.Nil(t, done.tokens, "no tokens before the new password")
			assert.Equal(t, types.ChallengeNameTypeNewPasswordRequired, done.name)
			assert.Equal(t, alice, done.params["USER_ID_FOR_SRP"])

			out, err := respondNewPassword(ctx, s, alice, done.session, "N3w-password!")
			require.NoError(t, err)
			require.NotNil(t, out.AuthenticationResult)
			u, _ := s.User(alice)
			assert.Equal(t, types.UserStatusTypeConfirmed, u.Status)
		})
	}
}

// TestBlockedStates: a RESET_REQUIRED or UNCONFIRMED user is refused by
// every sign-in flow with its own error once the password is right (a
// wrong password stays the wrong-password error), and CUSTOM_AUTH refuses
// them before any trigger runs.
func TestBlockedStates(t *testing.T) {
	for status, check := range map[types.UserStatusType]func(t *testing.T, err error){
		types.UserStatusTypeResetRequired: func(t *testing.T, err error) {
			requireAPIError[*types.PasswordResetRequiredException](t, err, "Password reset required for the user")
		},
		types.UserStatusTypeUnconfirmed: func(t *testing.T, err error) {
			requireAPIError[*types.UserNotConfirmedException](t, err, "User is not confirmed.")
		},
	} {
		t.Run(string(status), func(t *testing.T) {
			h, _ := newHandler(t, nil, 3)
			s := newServer(t, cognitotest.Config{Triggers: h, ClientSecret: true})
			var triggered atomic.Int32
			cognitotest.ObserveTriggers(s, func(string, []byte) { triggered.Add(1) })
			createUser(t, s, alice, nil)
			require.True(t, s.SetUserStatus(alice, status))
			assert.False(t, s.SetUserStatus("nobody", status))
			ctx := context.Background()
			c := s.Client()
			for _, admin := range []bool{false, true} {
				flow := types.AuthFlowTypeUserPasswordAuth
				if admin {
					flow = types.AuthFlowTypeAdminUserPasswordAuth
				}
				_, _, _, _, err := initiate(ctx, s, c, admin, flow, withSecret(s, alice, map[string]string{"USERNAME": alice, "PASSWORD": goodPassword}))
				check(t, err)
				_, _, _, _, err = initiate(ctx, s, c, admin, flow, withSecret(s, alice, map[string]string{"USERNAME": alice, "PASSWORD": "Wr0ng-password!"}))
				requireAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

				_, err = authClient{s: s, c: c, admin: admin}.start(ctx, alice, nil)
				check(t, err)
			}
			assert.Zero(t, triggered.Load())
		})
	}
}

// TestReadAttributes: ID tokens carry only what the app client may read;
// by default every standard attribute and no custom one.
func TestReadAttributes(t *testing.T) {
	attrs := map[string]string{"email": alice, "email_verified": "true", "name": "Alice", "custom:createdByCorbado": "true"}
	for name, tt := range map[string]struct {
		read      []string
		want, not []string
	}{
		"default":    {nil, []string{"email", "email_verified", "name"}, []string{"custom:createdByCorbado"}},
		"email only": {[]string{"email"}, []string{"email"}, []string{"email_verified", "name", "custom:createdByCorbado"}},
		"custom":     {[]string{"custom:createdByCorbado", "name"}, []string{"name", "custom:createdByCorbado"}, []string{"email"}},
	} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, cognitotest.Config{ReadAttributes: tt.read})
			createUser(t, s, alice, attrs)
			claims := claimsOf(t, aws.ToString(tokensFor(t, s, alice).IdToken))
			for _, a := range tt.want {
				assert.Contains(t, claims, a)
			}
			for _, a := range tt.not {
				assert.NotContains(t, claims, a)
			}
			assert.Contains(t, claims, "sub")
			assert.Contains(t, claims, "cognito:username")
		})
	}
}

// TestWriteAttributes plays the user who tries to mark themselves as a
// provider-created account or as having proven an address: with the
// default permissions, and with a WriteAttributes list like the template's.
func TestWriteAttributes(t *testing.T) {
	update := func(s *cognitotest.Server, token, name, v string) error {
		_, err := s.Client().UpdateUserAttributes(context.Background(), &cip.UpdateUserAttributesInput{
			AccessToken:    aws.String(token),
			UserAttributes: []types.AttributeType{{Name: aws.String(name), Value: aws.String(v)}},
		})
		return err
	}
	t.Run("default", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{})
		createUser(t, s, alice, map[string]string{"email": alice, "email_verified": "false"})
		token := aws.ToString(tokensFor(t, s, alice).AccessToken)
		require.NoError(t, update(s, token, "name", "Alice"))
		for _, a := range []string{"custom:createdByCorbado", "email_verified"} {
			err := update(s, token, a, "true")
			requireAPIError[*types.NotAuthorizedException](t, err, "A client attempted to write unauthorized attribute")
		}
		u, _ := s.User(alice)
		assert.Equal(t, "Alice", u.Attributes["name"])
		assert.Equal(t, "false", u.Attributes["email_verified"])
		assert.NotContains(t, u.Attributes, "custom:createdByCorbado")
	})
	t.Run("listed", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{WriteAttributes: []string{"email"}})
		createUser(t, s, alice, map[string]string{"email": alice, "email_verified": "true"})
		token := aws.ToString(tokensFor(t, s, alice).AccessToken)
		requireAPIError[*types.NotAuthorizedException](t, update(s, token, "name", "Alice"), "")
		require.NoError(t, update(s, token, "email", "alice@new.example"))
		u, _ := s.User(alice)
		assert.Equal(t, "false", u.Attributes["email_verified"], "a changed address is unproven")
		// Admin calls are not bound by the client's permissions.
		_, err := s.Client().AdminUpdateUserAttributes(context.Background(), &cip.AdminUpdateUserAttributesInput{
			UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice),
			UserAttributes: []types.AttributeType{{Name: aws.String("custom:createdByCorbado"), Value: aws.String("true")}},
		})
		require.NoError(t, err)
	})
}

func TestPasswordHistory(t *testing.T) {
	s := newServer(t, cognitotest.Config{PasswordPolicy: &cognitotest.PasswordPolicy{MinimumLength: 8, HistorySize: 2}})
	createUser(t, s, alice, nil) // goodPassword
	ctx := context.Background()
	set := func(pw string) error {
		_, err := s.Client().AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), Password: aws.String(pw), Permanent: true,
		})
		return err
	}
	requireAPIError[*types.PasswordHistoryPolicyViolationException](t, set(goodPassword), "Password has previously been used")
	require.NoError(t, set("second-password"))
	requireAPIError[*types.PasswordHistoryPolicyViolationException](t, set(goodPassword), "")
	require.NoError(t, set("third-password"))
	require.NoError(t, set(goodPassword), "two passwords later the first may come back")
	_, err := passwordLogin(ctx, s, s.Client(), alice, goodPassword)
	require.NoError(t, err)
}

// TestLockout plays a password guesser against the documented lockout:
// five wrong guesses are answered, then every attempt within the lockout,
// the right password included, is refused; each later failure doubles the
// lockout; 15 quiet minutes forgive.
func TestLockout(t *testing.T) {
	clk := newClock()
	s := newServer(t, cognitotest.Config{Now: clk.Now})
	createUser(t, s, alice, nil)
	ctx := context.Background()
	c := s.Client()
	try := func(pw string) error {
		_, err := passwordLogin(ctx, s, c, alice, pw)
		return err
	}
	for range 5 {
		requireAPIError[*types.NotAuthorizedException](t, try("guess"), "Incorrect username or password.")
	}
	requireAPIError[*types.NotAuthorizedException](t, try(goodPassword), "Password attempts exceeded")
	clk.Advance(time.Second)
	requireAPIError[*types.NotAuthorizedException](t, try("guess"), "Incorrect username or password.")
	clk.Advance(time.Second)
	requireAPIError[*types.NotAuthorizedException](t, try(goodPassword), "Password attempts exceeded") // the second lockout lasts 2 s
	clk.Advance(time.Second)
	require.NoError(t, try(goodPassword), "after the lockout the right password works")

	// Success forgets the failures.
	for range 4 {
		requireAPIError[*types.NotAuthorizedException](t, try("guess"), "Incorrect username or password.")
	}
	require.NoError(t, try(goodPassword))

	// Lockouts double up to 15 minutes: 1 s, 2 s … 512 s, then 900 s,
	// not 1,024 s.
	for range 5 {
		_ = try("guess")
	}
	for k := range 10 {
		clk.Advance(time.Second << k)
		requireAPIError[*types.NotAuthorizedException](t, try("guess"), "Incorrect username or password.")
	}
	clk.Advance(15*time.Minute - time.Second)
	requireAPIError[*types.NotAuthorizedException](t, try(goodPassword), "Password attempts exceeded")
	clk.Advance(time.Second)
	require.NoError(t, try(goodPassword))

	// 15 quiet minutes start the count afresh.
	for range 4 {
		_ = try("guess")
	}
	clk.Advance(15 * time.Minute)
	for range 4 {
		requireAPIError[*types.NotAuthorizedException](t, try("guess"), "Incorrect username or password.")
	}
	require.NoError(t, try(goodPassword))
}

func getTokens(ctx context.Context, s *cognitotest.Server, token, secret string) (*types.AuthenticationResultType, error) {
	in := &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(s.ClientID()), RefreshToken: aws.String(token)}
	if secret != "" {
		in.ClientSecret = aws.String(secret)
	}
	out, err := s.Client().GetTokensFromRefreshToken(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

func TestRefreshTokenRotation(t *testing.T) {
	clk := newClock()
	s := newServer(t, cognitotest.Config{Now: clk.Now, ClientSecret: true, RefreshTokenRotation: true, RefreshTokenGracePeriod: 10 * time.Second})
	createUser(t, s, alice, nil)
	ctx := context.Background()
	first := tokensFor(t, s, alice)
	old := aws.ToString(first.RefreshToken)

	_, err := s.Client().AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: withSecret(s, alice, map[string]string{"REFRESH_TOKEN": old}),
	})
	requireAPIError[*types.InvalidParameterException](t, err, "REFRESH_TOKEN_AUTH flow not enabled for this client")

	_, err = getTokens(ctx, s, old, "")
	requireAPIError[*types.NotAuthorizedException](t, err, "")
	_, err = getTokens(ctx, s, old, strings.Repeat("x", 51))
	requireAPIError[*types.NotAuthorizedException](t, err, "")

	next, err := getTokens(ctx, s, old, s.ClientSecret())
	require.NoError(t, err)
	rotated := aws.ToString(next.RefreshToken)
	require.NotEmpty(t, rotated)
	assert.NotEqual(t, old, rotated)
	assert.Equal(t, claimsOf(t, aws.ToString(first.IdToken))["origin_jti"], claimsOf(t, aws.ToString(next.IdToken))["origin_jti"], "the same sign-in")

	clk.Advance(9 * time.Second)
	again, err := getTokens(ctx, s, old, s.ClientSecret())
	require.NoError(t, err, "the old token works within the grace period")
	assert.Equal(t, rotated, aws.ToString(again.RefreshToken))
	clk.Advance(time.Second)
	_, err = getTokens(ctx, s, old, s.ClientSecret())
	requireAPIError[*types.RefreshTokenReuseException](t, err, "")

	_, err = s.Client().AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice)})
	require.NoError(t, err)
	_, err = getTokens(ctx, s, rotated, s.ClientSecret())
	requireAPIError[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
}

func TestGetTokensWithoutRotation(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	createUser(t, s, alice, nil)
	ctx := context.Background()
	first := tokensFor(t, s, alice)
	_, err := getTokens(ctx, s, aws.ToString(first.RefreshToken), "secret")
	requireAPIError[*types.InvalidParameterException](t, err, "")
	res, err := getTokens(ctx, s, aws.ToString(first.RefreshToken), "")
	require.NoError(t, err)
	assert.NotEmpty(t, aws.ToString(res.IdToken))
	assert.Empty(t, aws.ToString(res.RefreshToken), "no rotation, no new refresh token")
	_, err = getTokens(ctx, s, "not-a-token", "")
	requireAPIError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
}
