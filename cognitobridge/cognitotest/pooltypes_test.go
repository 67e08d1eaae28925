package cognitotest_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func adminCreate(ctx context.Context, s *cognitotest.Server, username string, attrs map[string]string, force bool) (*types.UserType, error) {
	in := &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(username),
		MessageAction: types.MessageActionTypeSuppress, ForceAliasCreation: force,
	}
	for name, v := range attrs {
		in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(name), Value: aws.String(v)})
	}
	out, err := s.Client().AdminCreateUser(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.User, nil
}

func setPermanent(t *testing.T, s *cognitotest.Server, username, pw string) {
	t.Helper()
	_, err := s.Client().AdminSetUserPassword(context.Background(), &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(username), Password: aws.String(pw), Permanent: true,
	})
	require.NoError(t, err)
}

func attribute(u *types.UserType, name string) string {
	for _, a := range u.Attributes {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// TestEmailUsernamePool follows REFERENCE's "email as a username
// attribute": the username is a UUID equal to sub, admin calls and sign-in
// take the address, triggers and ChallengeParameters.USERNAME carry the
// UUID, and the respond call and refresh must use the UUID for USERNAME
// and SECRET_HASH.
func TestEmailUsernamePool(t *testing.T) {
	h, proof := newHandler(t, nil, 3)
	s := newServer(t, cognitotest.Config{Triggers: h, ClientSecret: true, UsernameAttributes: []string{"email"}, ReadAttributes: readAll})
	var (
		mu     sync.Mutex
		events []string
	)
	cognitotest.ObserveTriggers(s, func(_ string, event []byte) {
		var e struct {
			UserName string `json:"userName"`
			Request  struct {
				UserAttributes map[string]string `json:"userAttributes"`
			} `json:"request"`
		}
		require.NoError(t, json.Unmarshal(event, &e))
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e.UserName, e.Request.UserAttributes["email"])
	})
	ctx := context.Background()
	c := s.Client()

	_, err := adminCreate(ctx, s, "alice", nil, false)
	requireAPIError[*types.InvalidParameterException](t, err, "Username should be an email.")

	created, err := adminCreate(ctx, s, alice, map[string]string{"email_verified": "true"}, false)
	require.NoError(t, err)
	uuid := aws.ToString(created.Username)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, uuid)
	assert.Equal(t, uuid, attribute(created, "sub"))
	assert.Equal(t, alice, attribute(created, "email"))

	_, err = adminCreate(ctx, s, alice, nil, false)
	requireAPIError[*types.UsernameExistsException](t, err, "An account with the given email already exists.")

	for _, name := range []string{alice, uuid} {
		got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(name)})
		require.NoError(t, err, name)
		assert.Equal(t, uuid, aws.ToString(got.Username))
	}
	setPermanent(t, s, alice, goodPassword)

	// Password sign-in by address; SECRET_HASH over what was sent.
	res := tokensFor(t, s, alice)
	assert.Equal(t, uuid, claimsOf(t, aws.ToString(res.IdToken))["cognito:username"])
	assert.Equal(t, alice, claimsOf(t, aws.ToString(res.IdToken))["email"])
	assert.Equal(t, uuid, claimsOf(t, aws.ToString(res.AccessToken))["username"])

	// Refresh: SECRET_HASH over the internal username only.
	refresh := func(hashOver string) error {
		_, err := c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: withSecret(s, hashOver, map[string]string{"REFRESH_TOKEN": aws.ToString(res.RefreshToken)}),
		})
		return err
	}
	requireAPIError[*types.NotAuthorizedException](t, refresh(alice), "Unable to verify secret hash for client "+s.ClientID())
	require.NoError(t, refresh(uuid))

	// CUSTOM_AUTH by address: the triggers and the challenge name the UUID.
	a := authClient{s: s, c: c, admin: true}
	st, err := a.start(ctx, alice, nil)
	require.NoError(t, err)
	assert.Equal(t, uuid, st.params["USERNAME"])
	answer := proof.Sign(uuid, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter])

	// Answering with the address is refused: "You must use the username
	// and not an alias in the ChallengeResponses".
	_, err = a.answer(ctx, alice, st.session, answer, nil)
	requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	done, err := a.answer(ctx, uuid, st.session, answer, nil)
	require.NoError(t, err)
	require.NotNil(t, done.tokens)
	mu.Lock()
	for i := 0; i < len(events); i += 2 {
		assert.Equal(t, uuid, events[i], "trigger userName")
		assert.Equal(t, alice, events[i+1], "trigger email attribute")
	}
	assert.NotEmpty(t, events)
	mu.Unlock()

	// Changing the address moves the sign-in name with it.
	_, err = c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(uuid),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@new.example")}},
	})
	require.NoError(t, err)
	_, err = passwordLogin(ctx, s, c, alice, goodPassword)
	requireAPIError[*types.UserNotFoundException](t, err, "")
	_, err = passwordLogin(ctx, s, c, "alice@new.example", goodPassword)
	require.NoError(t, err)

	// Another user's address is taken.
	_, err = adminCreate(ctx, s, "bob@example.com", nil, false)
	require.NoError(t, err)
	_, err = c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String("bob@example.com"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@new.example")}},
	})
	requireAPIError[*types.AliasExistsException](t, err, "An account with the given email already exists.")
	bob, _ := s.User("bob@example.com")
	assert.Equal(t, "bob@example.com", bob.Attributes["email"], "the refused update changed nothing")
}

func TestPhoneUsernamePool(t *testing.T) {
	s := newServer(t, cognitotest.Config{UsernameAttributes: []string{"phone_number"}})
	ctx := context.Background()
	_, err := adminCreate(ctx, s, alice, nil, false)
	requireAPIError[*types.InvalidParameterException](t, err, "Username should be a phone number.")
	u, err := adminCreate(ctx, s, "+15555550100", nil, false)
	require.NoError(t, err)
	assert.Equal(t, attribute(u, "sub"), aws.ToString(u.Username))
	assert.Equal(t, "+15555550100", attribute(u, "phone_number"))

	both := newServer(t, cognitotest.Config{UsernameAttributes: []string{"email", "phone_number"}})
	_, err = adminCreate(ctx, both, "alice", nil, false)
	requireAPIError[*types.InvalidParameterException](t, err, "Username should be either an email or a phone number.")
	_, err = adminCreate(ctx, both, alice, nil, false)
	require.NoError(t, err)
}

// TestEmailAliasPool follows REFERENCE's "email as an alias": an address
// is refused as a username, a verified address signs in, an unverified one
// does not, and a verified address belongs to one user at a time.
func TestEmailAliasPool(t *testing.T) {
	s := newServer(t, cognitotest.Config{AliasAttributes: []string{"email"}})
	ctx := context.Background()
	c := s.Client()

	_, err := adminCreate(ctx, s, alice, map[string]string{"email": alice}, false)
	requireAPIError[*types.InvalidParameterException](t, err, "Username cannot be of email format, since user pool is configured for email alias.")
	assert.Empty(t, s.Users(), "the refused create left a user")

	u, err := adminCreate(ctx, s, "alice", map[string]string{"email": alice, "email_verified": "true"}, false)
	require.NoError(t, err)
	assert.Equal(t, "alice", aws.ToString(u.Username))
	setPermanent(t, s, "alice", goodPassword)
	res, err := passwordLogin(ctx, s, c, alice, goodPassword)
	require.NoError(t, err)
	assert.Equal(t, "alice", claimsOf(t, aws.ToString(res.AuthenticationResult.IdToken))["cognito:username"])

	// An unverified address is no alias.
	_, err = adminCreate(ctx, s, "bob", map[string]string{"email": "bob@example.com"}, false)
	require.NoError(t, err)
	setPermanent(t, s, "bob", goodPassword)
	_, err = passwordLogin(ctx, s, c, "bob@example.com", goodPassword)
	requireAPIError[*types.UserNotFoundException](t, err, "")

	// A verified address of another user: refused, or moved with
	// ForceAliasCreation.
	_, err = adminCreate(ctx, s, "alice2", map[string]string{"email": alice, "email_verified": "true"}, false)
	requireAPIError[*types.UsernameExistsException](t, err, "An account with the email already exists.")
	_, err = adminCreate(ctx, s, "alice2", map[string]string{"email": alice, "email_verified": "true"}, true)
	require.NoError(t, err)
	old, _ := s.User("alice")
	assert.Equal(t, "false", old.Attributes["email_verified"], "the alias moved away from alice")
	got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice)})
	require.NoError(t, err)
	assert.Equal(t, "alice2", aws.ToString(got.Username))
}

func TestCaseSensitivity(t *testing.T) {
	ctx := context.Background()
	t.Run("default is case-sensitive", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{})
		createUser(t, s, "Bob@Example.com", nil)
		_, err := passwordLogin(ctx, s, s.Client(), "bob@example.com", goodPassword)
		requireAPIError[*types.UserNotFoundException](t, err, "")
		_, err = adminCreate(ctx, s, "bob@example.com", nil, false)
		require.NoError(t, err, "another user")
		assert.Len(t, s.Users(), 2)
	})
	t.Run("insensitive", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{CaseSensitive: aws.Bool(false)})
		createUser(t, s, "Bob@Example.com", nil)
		res, err := passwordLogin(ctx, s, s.Client(), "bob@example.com", goodPassword)
		require.NoError(t, err)
		assert.Equal(t, "Bob@Example.com", claimsOf(t, aws.ToString(res.AuthenticationResult.IdToken))["cognito:username"], "the name keeps its case")
		_, err = adminCreate(ctx, s, "BOB@example.com", nil, false)
		requireAPIError[*types.UsernameExistsException](t, err, "")
	})
	t.Run("insensitive email username", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{CaseSensitive: aws.Bool(false), UsernameAttributes: []string{"email"}})
		_, err := adminCreate(ctx, s, "Bob@Example.com", nil, false)
		require.NoError(t, err)
		_, err = adminCreate(ctx, s, "bob@example.COM", nil, false)
		requireAPIError[*types.UsernameExistsException](t, err, "An account with the given email already exists.")
		_, ok := s.User("BOB@EXAMPLE.COM")
		assert.True(t, ok)
	})
}

func TestPoolTypeConfigErrors(t *testing.T) {
	for name, cfg := range map[string]cognitotest.Config{
		"both":           {UsernameAttributes: []string{"email"}, AliasAttributes: []string{"email"}},
		"username attr":  {UsernameAttributes: []string{"preferred_username"}},
		"alias attr":     {AliasAttributes: []string{"name"}},
		"read attribute": {ReadAttributes: []string{"custom:missing"}},
		"write sub":      {WriteAttributes: []string{"sub"}},
		"grace period":   {RefreshTokenRotation: true, RefreshTokenGracePeriod: 61e9},
		"history":        {PasswordPolicy: &cognitotest.PasswordPolicy{HistorySize: 25}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.SigningKey = testKey()
			_, err := cognitotest.NewServer(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "cognitotest: ")
		})
	}
}
