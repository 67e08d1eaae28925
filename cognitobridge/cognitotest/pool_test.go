package cognitotest_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func describePool(t *testing.T, s *cognitotest.Server) *types.UserPoolType {
	t.Helper()
	out, err := s.Client().DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: aws.String(s.UserPoolID())})
	require.NoError(t, err)
	return out.UserPool
}

func describeClient(t *testing.T, s *cognitotest.Server) *types.UserPoolClientType {
	t.Helper()
	out, err := s.Client().DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
	})
	require.NoError(t, err)
	return out.UserPoolClient
}

// fieldsOf lists the exported fields of a struct value by name.
func fieldsOf(v any) map[string]reflect.Value {
	rv := reflect.ValueOf(v).Elem()
	out := map[string]reflect.Value{}
	for i := range rv.NumField() {
		if f := rv.Type().Field(i); f.IsExported() {
			out[f.Name] = rv.Field(i)
		}
	}
	return out
}

// outputName maps an Update*Input member to the Describe member holding it.
var outputName = map[string]string{"PoolName": "Name", "UserPoolId": "Id"}

// TestUpdateUserPoolCarriesEveryMember sends LegacyPool, which sets every
// member of UpdateUserPoolInput, and reads each back through the SDK with
// DescribeUserPool: the wire mapping and the storage of every member.
func TestUpdateUserPoolCarriesEveryMember(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	in := cognitotest.LegacyPool(s.UserPoolID(), s.Region(), "arn:aws:lambda:us-east-1:123456789012:function:passkeybridge")
	_, err := s.Client().UpdateUserPool(context.Background(), in)
	require.NoError(t, err)
	pool := describePool(t, s)

	got := fieldsOf(pool)
	for name, want := range fieldsOf(in) {
		if name == "IssuerConfiguration" || name == "KeyConfiguration" {
			continue // multi-Region settings; LegacyPool leaves them out
		}
		if out, ok := outputName[name]; ok {
			name = out
		}
		require.False(t, want.IsZero(), "LegacyPool leaves %s at its zero value", name)
		have, ok := got[name]
		require.True(t, ok, "UserPoolType has no %s", name)
		assert.Equal(t, want.Interface(), have.Interface(), name)
	}
	assert.NotNil(t, pool.LastModifiedDate)
	assert.True(t, pool.LastModifiedDate.After(*pool.CreationDate) || pool.LastModifiedDate.Equal(*pool.CreationDate))
}

// TestUpdateUserPoolResetsWhatItIsNotGiven is the naive setup script: an
// update that gives only the new triggers drops every other setting back
// to its default, as in Cognito, while the immutable ones stay.
func TestUpdateUserPoolResetsWhatItIsNotGiven(t *testing.T) {
	s := newServer(t, cognitotest.Config{UsernameAttributes: []string{"email"}, CaseSensitive: aws.Bool(false)})
	fresh := describePool(t, s)
	ctx := context.Background()
	_, err := s.Client().UpdateUserPool(ctx, cognitotest.LegacyPool(s.UserPoolID(), s.Region(), ""))
	require.NoError(t, err)

	arn := aws.String("arn:aws:lambda:us-east-1:123456789012:function:passkeybridge")
	_, err = s.Client().UpdateUserPool(ctx, &cip.UpdateUserPoolInput{
		UserPoolId:   aws.String(s.UserPoolID()),
		LambdaConfig: &types.LambdaConfigType{DefineAuthChallenge: arn, CreateAuthChallenge: arn, VerifyAuthChallengeResponse: arn},
	})
	require.NoError(t, err)
	after := describePool(t, s)

	assert.Equal(t, &types.LambdaConfigType{DefineAuthChallenge: arn, CreateAuthChallenge: arn, VerifyAuthChallengeResponse: arn}, after.LambdaConfig)
	// Everything else is as on a fresh pool, but the name and the tier,
	// which an update without them keeps.
	assert.Equal(t, "legacy-pool", aws.ToString(after.Name))
	assert.Equal(t, types.UserPoolTierTypePlus, after.UserPoolTier)
	after.LambdaConfig, fresh.LambdaConfig = nil, nil
	after.Name, fresh.Name = nil, nil
	after.UserPoolTier, fresh.UserPoolTier = "", ""
	after.LastModifiedDate, fresh.LastModifiedDate = nil, nil
	assert.Equal(t, fresh, after)
	assert.Equal(t, []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}, after.UsernameAttributes)
	assert.False(t, aws.ToBool(after.UsernameConfiguration.CaseSensitive))
}

// TestTriggersDroppedByUpdate: a pool whose update dropped the custom-auth
// triggers fails CUSTOM_AUTH, as Cognito does, although the Server still
// has a Lambda.
func TestTriggersDroppedByUpdate(t *testing.T) {
	h, _ := newHandler(t, nil, 3)
	s := newServer(t, cognitotest.Config{Triggers: h})
	createUser(t, s, alice, nil)
	ctx := context.Background()
	start := func() error {
		_, err := s.Client().AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
			AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": alice},
		})
		return err
	}
	require.NoError(t, start())
	assert.Equal(t, cognitotest.DefaultTriggerARN(s.Region()), aws.ToString(describePool(t, s).LambdaConfig.DefineAuthChallenge))

	_, err := s.Client().UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(s.UserPoolID()), DeletionProtection: types.DeletionProtectionTypeActive})
	require.NoError(t, err)
	requireAPIError[*types.InvalidParameterException](t, start(), "Custom auth lambda trigger is not configured for the user pool.")

	// Pointing the triggers at any function brings CUSTOM_AUTH back.
	arn := aws.String("arn:aws:lambda:us-east-1:123456789012:function:passkeybridge")
	_, err = s.Client().UpdateUserPool(ctx, &cip.UpdateUserPoolInput{
		UserPoolId:   aws.String(s.UserPoolID()),
		LambdaConfig: &types.LambdaConfigType{DefineAuthChallenge: arn, CreateAuthChallenge: arn, VerifyAuthChallengeResponse: arn},
	})
	require.NoError(t, err)
	require.NoError(t, start())
}

// TestUpdateUserPoolPolicyApplies: the password policy an update sets is
// the one AdminSetUserPassword enforces, and a refused update changes
// nothing.
func TestUpdateUserPoolPolicyApplies(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	createUser(t, s, alice, nil)
	ctx := context.Background()
	c := s.Client()
	setPassword := func(pw string) error {
		_, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), Password: aws.String(pw), Permanent: true,
		})
		return err
	}
	require.NoError(t, setPassword("Short-1a"))

	for _, bad := range []*types.PasswordPolicyType{
		{MinimumLength: aws.Int32(5)},
		{MinimumLength: aws.Int32(100)},
		{MinimumLength: aws.Int32(8), PasswordHistorySize: aws.Int32(25)},
	} {
		_, err := c.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(s.UserPoolID()), Policies: &types.UserPoolPolicyType{PasswordPolicy: bad}, DeletionProtection: types.DeletionProtectionTypeActive})
		requireAPIError[*types.InvalidParameterException](t, err, "")
	}
	assert.Equal(t, types.DeletionProtectionTypeInactive, describePool(t, s).DeletionProtection, "a refused update changed the pool")

	_, err := c.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{
		UserPoolId: aws.String(s.UserPoolID()),
		Policies:   &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(99)}},
	})
	require.NoError(t, err)
	requireAPIError[*types.InvalidPasswordException](t, setPassword("Short-1a-but-not-ninety-nine"), "Password did not conform with policy: Password not long enough")
	long := make([]byte, 99)
	for i := range long {
		long[i] = 'a'
	}
	require.NoError(t, setPassword(string(long)))
}

func TestAddCustomAttributes(t *testing.T) {
	s := newServer(t, cognitotest.Config{CustomAttributes: []string{}})
	createUser(t, s, alice, nil)
	ctx := context.Background()
	c := s.Client()
	update := func() error {
		_, err := c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
			UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice),
			UserAttributes: []types.AttributeType{{Name: aws.String("custom:createdByCorbado"), Value: aws.String("true")}},
		})
		return err
	}
	requireAPIError[*types.InvalidParameterException](t, update(), "")

	add := func() error {
		_, err := c.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{
			UserPoolId: aws.String(s.UserPoolID()),
			CustomAttributes: []types.SchemaAttributeType{{
				Name: aws.String("createdByCorbado"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true),
			}},
		})
		return err
	}
	require.NoError(t, add())
	require.NoError(t, update())
	requireAPIError[*types.InvalidParameterException](t, add(), "custom:createdByCorbado: Existing attribute already has name custom:createdByCorbado.")

	var names []string
	for _, a := range describePool(t, s).SchemaAttributes {
		names = append(names, aws.ToString(a.Name))
	}
	assert.Contains(t, names, "custom:createdByCorbado")
	assert.Contains(t, names, "email")

	// An update cannot take the attribute away: the schema is immutable.
	_, err := c.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(s.UserPoolID())})
	require.NoError(t, err)
	require.NoError(t, update())
}

// TestUpdateUserPoolClientCarriesEveryMember is the client's counterpart
// of TestUpdateUserPoolCarriesEveryMember.
func TestUpdateUserPoolClientCarriesEveryMember(t *testing.T) {
	s := newServer(t, cognitotest.Config{ClientSecret: true})
	in := cognitotest.LegacyClient(s.UserPoolID(), s.ClientID())
	out, err := s.Client().UpdateUserPoolClient(context.Background(), in)
	require.NoError(t, err)
	for _, c := range []*types.UserPoolClientType{out.UserPoolClient, describeClient(t, s)} {
		got := fieldsOf(c)
		for name, want := range fieldsOf(in) {
			require.False(t, want.IsZero(), "LegacyClient leaves %s at its zero value", name)
			have, ok := got[name]
			require.True(t, ok, "UserPoolClientType has no %s", name)
			if have.Kind() == reflect.Pointer && want.Kind() != reflect.Pointer {
				have = have.Elem()
			}
			assert.Equal(t, want.Interface(), have.Interface(), name)
		}
		assert.Equal(t, s.ClientSecret(), aws.ToString(c.ClientSecret))
	}
}

// TestUpdateUserPoolClientResets: an update giving only the flows resets
// every other client setting, and the new settings take effect.
func TestUpdateUserPoolClientResets(t *testing.T) {
	s := newServer(t, cognitotest.Config{ClientSecret: true, PreventUserExistenceErrors: true})
	createUser(t, s, alice, map[string]string{"email": alice, "name": "Alice"})
	ctx := context.Background()
	c := s.Client()
	_, err := c.UpdateUserPoolClient(ctx, cognitotest.LegacyClient(s.UserPoolID(), s.ClientID()))
	require.NoError(t, err)

	_, err = c.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth},
	})
	require.NoError(t, err)
	got := describeClient(t, s)
	assert.Equal(t, []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth}, got.ExplicitAuthFlows)
	assert.Equal(t, "legacy-web", aws.ToString(got.ClientName), "the name stays")
	assert.Equal(t, types.PreventUserExistenceErrorTypesLegacy, got.PreventUserExistenceErrors)
	assert.Nil(t, got.ReadAttributes)
	assert.Nil(t, got.WriteAttributes)
	assert.Nil(t, got.CallbackURLs)
	assert.Equal(t, int32(3), aws.ToInt32(got.AuthSessionValidity))
	assert.True(t, aws.ToBool(got.EnableTokenRevocation))
	assert.Equal(t, int32(30), got.RefreshTokenValidity)
	assert.Equal(t, int32(60), aws.ToInt32(got.AccessTokenValidity))

	// The flows took effect: the public password flow is gone, and unknown
	// users are reported again.
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(s.ClientID()), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: withSecret(s, alice, map[string]string{"USERNAME": alice, "PASSWORD": goodPassword}),
	})
	requireAPIError[*types.InvalidParameterException](t, err, "USER_PASSWORD_AUTH flow not enabled for this client")
	_, err = passwordLogin(ctx, s, c, "nobody", goodPassword)
	requireAPIError[*types.UserNotFoundException](t, err, "")
	res := tokensFor(t, s, alice)
	assert.Equal(t, int32(3600), res.ExpiresIn)
}

func TestUpdateUserPoolClientRefusesBadInput(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	before := describeClient(t, s)
	ctx := context.Background()
	for name, in := range map[string]*cip.UpdateUserPoolClientInput{
		"unknown read attribute":  {ReadAttributes: []string{"custom:nope"}},
		"sub is not writable":     {WriteAttributes: []string{"sub"}},
		"session validity":        {AuthSessionValidity: aws.Int32(16)},
		"access token too short":  {AccessTokenValidity: aws.Int32(4), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes}},
		"refresh token too long":  {RefreshTokenValidity: 3651},
		"grace period":            {RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(61)}},
		"legacy flow name":        {ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAdminNoSrpAuth}},
		"redirect not a callback": {DefaultRedirectURI: aws.String("https://a.example/"), CallbackURLs: []string{"https://b.example/"}},
	} {
		t.Run(name, func(t *testing.T) {
			in.UserPoolId, in.ClientId = aws.String(s.UserPoolID()), aws.String(s.ClientID())
			in.ClientName = aws.String("changed")
			_, err := s.Client().UpdateUserPoolClient(ctx, in)
			requireAPIError[*types.InvalidParameterException](t, err, "")
			assert.Equal(t, before, describeClient(t, s))
		})
	}
	_, err := s.Client().DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String("nope")})
	requireAPIError[*types.ResourceNotFoundException](t, err, "")
}

// TestDefaultDescription pins the defaults a new pool and client show.
func TestDefaultDescription(t *testing.T) {
	s := newServer(t, cognitotest.Config{ClientSecret: true})
	p := describePool(t, s)
	assert.Equal(t, s.UserPoolID(), aws.ToString(p.Id))
	assert.Equal(t, "arn:aws:cognito-idp:us-east-1:123456789012:userpool/"+s.UserPoolID(), aws.ToString(p.Arn))
	assert.Equal(t, int32(8), aws.ToInt32(p.Policies.PasswordPolicy.MinimumLength))
	assert.Equal(t, types.UserPoolMfaTypeOff, p.MfaConfiguration)
	assert.True(t, aws.ToBool(p.UsernameConfiguration.CaseSensitive), "the API's default")
	assert.Empty(t, p.LambdaConfig.DefineAuthChallenge, "no triggers configured")
	c := describeClient(t, s)
	assert.Equal(t, []types.ExplicitAuthFlowsType{"ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, c.ExplicitAuthFlows)
	assert.Equal(t, types.PreventUserExistenceErrorTypesLegacy, c.PreventUserExistenceErrors)
	assert.Equal(t, int32(60), aws.ToInt32(c.IdTokenValidity))
	assert.Equal(t, types.TimeUnitsTypeMinutes, c.TokenValidityUnits.IdToken)
	assert.Equal(t, int32(30), c.RefreshTokenValidity)
}
