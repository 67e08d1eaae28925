package cognitotest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func attr(name, v string) types.AttributeType {
	return types.AttributeType{Name: aws.String(name), Value: aws.String(v)}
}

func attrMap(attrs []types.AttributeType) map[string]string {
	out := map[string]string{}
	for _, a := range attrs {
		out[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return out
}

func TestAdminCreateUserAndGetUser(t *testing.T) {
	clk := newClock()
	s := newServer(t, cognitotest.Config{Now: clk.Now})
	c := s.Client()
	ctx := context.Background()

	out, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(s.UserPoolID()),
		Username:      aws.String(alice),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			attr("email", alice),
			attr("email_verified", "true"),
			attr("custom:createdByCorbado", "true"),
		},
	})
	require.NoError(t, err)
	created := out.User
	assert.Equal(t, alice, aws.ToString(created.Username))
	assert.Equal(t, types.UserStatusTypeForceChangePassword, created.UserStatus)
	assert.True(t, created.Enabled)
	assert.Equal(t, clk.Now(), created.UserCreateDate.UTC())
	assert.Equal(t, "sub", aws.ToString(created.Attributes[0].Name), "sub comes first")
	attrs := attrMap(created.Attributes)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, attrs["sub"])
	assert.Equal(t, map[string]string{
		"sub":                     attrs["sub"],
		"email":                   alice,
		"email_verified":          "true",
		"custom:createdByCorbado": "true",
	}, attrs)

	got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice)})
	require.NoError(t, err)
	assert.Equal(t, alice, aws.ToString(got.Username))
	assert.Equal(t, types.UserStatusTypeForceChangePassword, got.UserStatus)
	assert.True(t, got.Enabled)
	assert.Equal(t, attrs, attrMap(got.UserAttributes))
	assert.Equal(t, clk.Now(), got.UserCreateDate.UTC())
	assert.Equal(t, clk.Now(), got.UserLastModifiedDate.UTC())

	u, ok := s.User(alice)
	require.True(t, ok)
	assert.Equal(t, attrs["sub"], u.Sub)
	assert.Equal(t, attrs, u.Attributes)
	assert.Equal(t, types.UserStatusTypeForceChangePassword, u.Status)
	assert.Len(t, s.Users(), 1)

	// The copy is a copy.
	u.Attributes["email"] = "mallory@example.com"
	again, _ := s.User(alice)
	assert.Equal(t, alice, again.Attributes["email"])

	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), MessageAction: types.MessageActionTypeSuppress,
	})
	requireAPIError[*types.UsernameExistsException](t, err, "User account already exists")
}

func TestAdminCreateUserErrors(t *testing.T) {
	s := newServer(t, cognitotest.Config{CustomAttributes: []string{"createdByCorbado", "tier"}})
	c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()

	tests := []struct {
		name    string
		in      cip.AdminCreateUserInput
		check   func(t *testing.T, err error)
		created bool
	}{
		{
			name:    "declared custom attribute",
			in:      cip.AdminCreateUserInput{Username: aws.String("u1"), UserAttributes: []types.AttributeType{attr("custom:tier", "gold")}},
			created: true,
		},
		{
			name: "undeclared custom attribute",
			in:   cip.AdminCreateUserInput{Username: aws.String("u2"), UserAttributes: []types.AttributeType{attr("custom:nope", "x")}},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "user.custom:nope: Attribute does not exist in the schema.\n")
			},
		},
		{
			name: "custom attribute without its prefix",
			in:   cip.AdminCreateUserInput{Username: aws.String("u3"), UserAttributes: []types.AttributeType{attr("tier", "gold")}},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "user.tier: Attribute does not exist in the schema.\n")
			},
		},
		{
			name: "sub is not settable",
			in:   cip.AdminCreateUserInput{Username: aws.String("u4"), UserAttributes: []types.AttributeType{attr("sub", "x")}},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "")
			},
		},
		{
			name: "boolean attribute",
			in:   cip.AdminCreateUserInput{Username: aws.String("u5"), UserAttributes: []types.AttributeType{attr("email_verified", "yes")}},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "")
			},
		},
		{
			name: "weak temporary password",
			in:   cip.AdminCreateUserInput{Username: aws.String("u6"), TemporaryPassword: aws.String("short")},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidPasswordException](t, err, "Password did not conform with policy: Password not long enough")
			},
		},
		{
			name:    "good temporary password",
			in:      cip.AdminCreateUserInput{Username: aws.String("u7"), TemporaryPassword: aws.String(goodPassword)},
			created: true,
		},
		{
			name: "username with a space",
			in:   cip.AdminCreateUserInput{Username: aws.String("bad name")},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, `1 validation error detected: Value 'bad name' at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+`)
			},
		},
		{
			name: "username too long",
			in:   cip.AdminCreateUserInput{Username: aws.String(strings.Repeat("x", 129))},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "")
			},
		},
		{
			name: "RESEND for a missing user",
			in:   cip.AdminCreateUserInput{Username: aws.String("u8"), MessageAction: types.MessageActionTypeResend},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.UserNotFoundException](t, err, "User does not exist.")
			},
		},
		{
			name: "unknown message action",
			in:   cip.AdminCreateUserInput{Username: aws.String("u9"), MessageAction: "SHOUT"},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "1 validation error detected: Value 'SHOUT' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]")
			},
		},
		{
			name: "other user pool",
			in:   cip.AdminCreateUserInput{UserPoolId: aws.String("us-east-1_nothere00"), Username: aws.String("u10")},
			check: func(t *testing.T, err error) {
				requireAPIError[*types.ResourceNotFoundException](t, err, "User pool us-east-1_nothere00 does not exist.")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.UserPoolId == nil {
				in.UserPoolId = aws.String(s.UserPoolID())
			}
			if in.MessageAction == "" {
				in.MessageAction = types.MessageActionTypeSuppress
			}
			_, err := c.AdminCreateUser(ctx, &in)
			if tt.check == nil {
				require.NoError(t, err)
			} else {
				tt.check(t, err)
			}
			_, exists := s.User(aws.ToString(in.Username))
			assert.Equal(t, tt.created, exists)
		})
	}
}

func TestAdminCreateUserResend(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	c := s.Client()
	ctx := context.Background()
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), MessageAction: types.MessageActionTypeSuppress,
	})
	require.NoError(t, err)
	out, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice),
		MessageAction: types.MessageActionTypeResend, TemporaryPassword: aws.String(goodPassword),
	})
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeForceChangePassword, out.User.UserStatus)

	createUser(t, s, "bob", nil)
	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String("bob"), MessageAction: types.MessageActionTypeResend,
	})
	requireAPIError[*types.UnsupportedUserStateException](t, err, "")
}

func TestAdminSetUserPassword(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), MessageAction: types.MessageActionTypeSuppress,
	})
	require.NoError(t, err)

	tests := []struct {
		name       string
		username   string
		password   string
		permanent  bool
		wantStatus types.UserStatusType
		check      func(t *testing.T, err error)
	}{
		{name: "permanent", username: alice, password: goodPassword, permanent: true, wantStatus: types.UserStatusTypeConfirmed},
		{name: "temporary", username: alice, password: goodPassword, wantStatus: types.UserStatusTypeForceChangePassword},
		{name: "permanent again", username: alice, password: "An0ther-pass", permanent: true, wantStatus: types.UserStatusTypeConfirmed},
		{name: "too short", username: alice, password: "Sh0rt!", check: policyError("Password not long enough")},
		{name: "no upper case", username: alice, password: "lower-case-1", check: policyError("Password must have uppercase characters")},
		{name: "no lower case", username: alice, password: "UPPER-CASE-1", check: policyError("Password must have lowercase characters")},
		{name: "no digit", username: alice, password: "No-Digits-Here", check: policyError("Password must have numeric characters")},
		{name: "no symbol", username: alice, password: "NoSymbols123", check: policyError("Password must have symbol characters")},
		{name: "inner space counts as a symbol", username: alice, password: "With Space1a", permanent: true, wantStatus: types.UserStatusTypeConfirmed},
		{name: "leading space", username: alice, password: " Leading-1a", check: func(t *testing.T, err error) {
			e := requireAPIError[*types.InvalidParameterException](t, err, "")
			assert.NotContains(t, e.ErrorMessage(), "Leading-1a", "passwords are never echoed")
		}},
		{name: "missing user", username: "nobody", password: goodPassword, check: func(t *testing.T, err error) {
			requireAPIError[*types.UserNotFoundException](t, err, "User does not exist.")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
				UserPoolId: aws.String(s.UserPoolID()),
				Username:   aws.String(tt.username),
				Password:   aws.String(tt.password),
				Permanent:  tt.permanent,
			})
			if tt.check != nil {
				tt.check(t, err)
				return
			}
			require.NoError(t, err)
			u, _ := s.User(alice)
			assert.Equal(t, tt.wantStatus, u.Status)
			_, err = passwordLogin(ctx, s, c, alice, tt.password)
			require.NoError(t, err, "the new password signs in")
		})
	}
}

func policyError(reason string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		requireAPIError[*types.InvalidPasswordException](t, err, "Password did not conform with policy: "+reason)
	}
}

func TestPasswordPolicyConfig(t *testing.T) {
	s := newServer(t, cognitotest.Config{PasswordPolicy: &cognitotest.PasswordPolicy{MinimumLength: 6}})
	createUser(t, s, "bob", nil)
	_, err := s.Client().AdminSetUserPassword(context.Background(), &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String("bob"), Password: aws.String("simple"), Permanent: true,
	})
	require.NoError(t, err, "a policy with no character classes")
}

func TestAdminDisableEnableDeleteUser(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	c := s.Client()
	ctx := context.Background()
	createUser(t, s, alice, nil)
	pool := aws.String(s.UserPoolID())

	_, err := c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: pool, Username: aws.String(alice)})
	require.NoError(t, err)
	got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String(alice)})
	require.NoError(t, err)
	assert.False(t, got.Enabled)
	_, err = passwordLogin(ctx, s, c, alice, goodPassword)
	requireAPIError[*types.NotAuthorizedException](t, err, "User is disabled.")

	_, err = c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: pool, Username: aws.String(alice)})
	require.NoError(t, err)
	_, err = passwordLogin(ctx, s, c, alice, goodPassword)
	require.NoError(t, err)

	_, err = c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String(alice)})
	require.NoError(t, err)
	_, ok := s.User(alice)
	assert.False(t, ok)

	for name, call := range map[string]func() error{
		"AdminGetUser": func() error {
			_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String(alice)})
			return err
		},
		"AdminDisableUser": func() error {
			_, err := c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: pool, Username: aws.String(alice)})
			return err
		},
		"AdminEnableUser": func() error {
			_, err := c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: pool, Username: aws.String(alice)})
			return err
		},
		"AdminDeleteUser": func() error {
			_, err := c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String(alice)})
			return err
		},
		"AdminUpdateUserAttributes": func() error {
			_, err := c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
				UserPoolId: pool, Username: aws.String(alice), UserAttributes: []types.AttributeType{attr("name", "A")},
			})
			return err
		},
		"AdminUserGlobalSignOut": func() error {
			_, err := c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: pool, Username: aws.String(alice)})
			return err
		},
	} {
		t.Run(name+" of a missing user", func(t *testing.T) {
			requireAPIError[*types.UserNotFoundException](t, call(), "User does not exist.")
		})
	}
}

func TestAdminUpdateUserAttributes(t *testing.T) {
	clk := newClock()
	s := newServer(t, cognitotest.Config{Now: clk.Now})
	c := s.Client()
	ctx := context.Background()
	createUser(t, s, alice, map[string]string{"email": alice, "email_verified": "true", "name": "Alice"})
	before, _ := s.User(alice)
	clk.Advance(time.Minute)

	update := func(attrs ...types.AttributeType) error {
		_, err := c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
			UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), UserAttributes: attrs,
		})
		return err
	}

	require.NoError(t, update(attr("custom:createdByCorbado", "true"), attr("name", "")))
	u, _ := s.User(alice)
	assert.Equal(t, "true", u.Attributes["custom:createdByCorbado"])
	assert.NotContains(t, u.Attributes, "name", "an empty value removes the attribute")
	assert.Equal(t, before.Sub, u.Sub)
	assert.Equal(t, clk.Now(), u.LastModified)

	require.NoError(t, update(attr("email", "new@example.com")))
	u, _ = s.User(alice)
	assert.Equal(t, "false", u.Attributes["email_verified"], "a changed email is unverified")

	require.NoError(t, update(attr("email", "newer@example.com"), attr("email_verified", "true")))
	u, _ = s.User(alice)
	assert.Equal(t, "true", u.Attributes["email_verified"])

	requireAPIError[*types.InvalidParameterException](t, update(attr("custom:unknown", "x")), "user.custom:unknown: Attribute does not exist in the schema.\n")
	requireAPIError[*types.InvalidParameterException](t, update(attr("sub", "x")), "")
	requireAPIError[*types.InvalidParameterException](t, update(attr("name", strings.Repeat("n", 2049))), "")
}

func TestCaseInsensitiveUsernames(t *testing.T) {
	s := newServer(t, cognitotest.Config{CaseSensitive: aws.Bool(false)})
	createUser(t, s, "Alice@Example.com", nil)
	u, ok := s.User("alice@example.COM")
	require.True(t, ok)
	assert.Equal(t, "Alice@Example.com", u.Username, "the username keeps its case")
	_, err := passwordLogin(context.Background(), s, s.Client(), "ALICE@example.com", goodPassword)
	require.NoError(t, err)

	sensitive := newServer(t, cognitotest.Config{})
	createUser(t, sensitive, "Alice@Example.com", nil)
	_, ok = sensitive.User("alice@example.com")
	assert.False(t, ok, "usernames are case-sensitive by default")
}

func TestAddUser(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	attrs := map[string]string{"email": alice, "email_verified": "true"}

	u, err := s.AddUser(alice, goodPassword, attrs)
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeConfirmed, u.Status)
	assert.Equal(t, alice, u.Attributes["email"])
	assert.NotEmpty(t, u.Sub)
	assert.Equal(t, 0, s.Calls(""), "seeding is not an API call")

	// The seeded user signs in with the password through the real API.
	_, err = s.Client().InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(s.ClientID()),
		AuthParameters: map[string]string{"USERNAME": alice, "PASSWORD": goodPassword},
	})
	require.NoError(t, err)

	invited, err := s.AddUser("bob@example.com", "", nil)
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeForceChangePassword, invited.Status, "no password: waiting for one, as after AdminCreateUser")

	_, err = s.AddUser(alice, goodPassword, nil)
	assert.ErrorContains(t, err, "UsernameExistsException")
	_, err = s.AddUser("carol@example.com", "short", nil)
	assert.ErrorContains(t, err, "InvalidPasswordException")
	_, err = s.AddUser("dave@example.com", goodPassword, map[string]string{"custom:undeclared": "x"})
	assert.Error(t, err, "custom attributes must be declared in the schema")
	_, ok := s.User("dave@example.com")
	assert.False(t, ok, "a refused seed changes nothing")
}
