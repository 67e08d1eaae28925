package cognitotest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
)

// TestSettingsAgainstMoto sends LegacyPool and then the naive setup
// script's update (the new triggers alone) to moto and to the emulator,
// and compares what DescribeUserPool shows: moto resets a pool's settings
// on UpdateUserPool as AWS documents, so the two must agree on every
// updatable setting, but where moto is known to differ.
func TestSettingsAgainstMoto(t *testing.T) {
	endpoint := testtools.StartMoto(t)
	if endpoint == "" {
		return
	}
	ctx := context.Background()
	moto := cip.New(cip.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
		}),
	})
	created, err := moto.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:           aws.String("legacy"),
		UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
	})
	require.NoError(t, err)
	motoPool := aws.ToString(created.UserPool.Id)
	s := newServer(t, cognitotest.Config{UsernameAttributes: []string{"email"}})

	arn := aws.String("arn:aws:lambda:us-east-1:123456789012:function:passkeybridge")
	naive := func(pool string) *cip.UpdateUserPoolInput {
		return &cip.UpdateUserPoolInput{
			UserPoolId:   aws.String(pool),
			LambdaConfig: &types.LambdaConfigType{DefineAuthChallenge: arn, CreateAuthChallenge: arn, VerifyAuthChallengeResponse: arn},
		}
	}
	describe := func(c *cip.Client, pool string) *types.UserPoolType {
		out, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)})
		require.NoError(t, err)
		return out.UserPool
	}
	for _, step := range []struct {
		name   string
		update func(pool string) *cip.UpdateUserPoolInput
	}{
		{"legacy", func(pool string) *cip.UpdateUserPoolInput { return cognitotest.LegacyPool(pool, "us-east-1", "") }},
		{"naive update", naive},
	} {
		t.Run(step.name, func(t *testing.T) {
			_, err := moto.UpdateUserPool(ctx, step.update(motoPool))
			require.NoError(t, err)
			_, err = s.Client().UpdateUserPool(ctx, step.update(s.UserPoolID()))
			require.NoError(t, err)
			m, e := describe(moto, motoPool), describe(s.Client(), s.UserPoolID())

			// Settings both keep as given.
			assert.Equal(t, e.LambdaConfig, m.LambdaConfig, "LambdaConfig")
			assert.Equal(t, e.AutoVerifiedAttributes, m.AutoVerifiedAttributes, "AutoVerifiedAttributes")
			assert.Equal(t, e.UserPoolTags, m.UserPoolTags, "UserPoolTags")
			assert.Equal(t, e.SmsConfiguration, m.SmsConfiguration, "SmsConfiguration")
			assert.Equal(t, e.DeviceConfiguration, m.DeviceConfiguration, "DeviceConfiguration")
			if step.name == "legacy" {
				assert.Equal(t, e.Policies.PasswordPolicy, m.Policies.PasswordPolicy, "PasswordPolicy")
				assert.Equal(t, e.EmailConfiguration, m.EmailConfiguration, "EmailConfiguration")
				assert.Equal(t, e.VerificationMessageTemplate, m.VerificationMessageTemplate, "VerificationMessageTemplate")
				assert.Equal(t, e.AdminCreateUserConfig, m.AdminCreateUserConfig, "AdminCreateUserConfig")
				assert.Equal(t, e.AccountRecoverySetting, m.AccountRecoverySetting, "AccountRecoverySetting")
				assert.Equal(t, e.MfaConfiguration, m.MfaConfiguration, "MfaConfiguration")
				assert.Equal(t, e.DeletionProtection, m.DeletionProtection, "DeletionProtection")
				return
			}
			// After the naive update every one of them is back at the
			// default on both.
			assert.Equal(t, int32(8), aws.ToInt32(e.Policies.PasswordPolicy.MinimumLength))
			assert.Equal(t, e.Policies.PasswordPolicy, m.Policies.PasswordPolicy, "PasswordPolicy")
			assert.Equal(t, e.MfaConfiguration, m.MfaConfiguration, "MfaConfiguration")
			assert.Empty(t, e.UserPoolTags)
			assert.Empty(t, e.AutoVerifiedAttributes)
			assert.Equal(t, types.DeletionProtectionTypeInactive, e.DeletionProtection)

			// The emulator keeps the immutable UsernameAttributes; moto drops
			// them on UpdateUserPool (REFERENCE: moto 5.2.1).
			assert.Equal(t, []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}, e.UsernameAttributes)
			assert.Empty(t, m.UsernameAttributes, "moto's known quirk no longer holds: it keeps UsernameAttributes now")
		})
	}
}

// TestClientSettingsAgainstMoto: UpdateUserPoolClient resets what it is
// not given on AWS and on the emulator; moto 5.2.1 merges the update into
// the client instead, so a tool tested only on moto would not notice that
// it drops a setting.
func TestClientSettingsAgainstMoto(t *testing.T) {
	endpoint := testtools.StartMoto(t)
	if endpoint == "" {
		return
	}
	ctx := context.Background()
	moto := cip.New(cip.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
		}),
	})
	pool, err := moto.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("legacy")})
	require.NoError(t, err)
	poolID := aws.ToString(pool.UserPool.Id)
	app, err := moto.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("web")})
	require.NoError(t, err)
	clientID := aws.ToString(app.UserPoolClient.ClientId)
	s := newServer(t, cognitotest.Config{})

	flowsOnly := func(pool, client string) *cip.UpdateUserPoolClientInput {
		return &cip.UpdateUserPoolClientInput{
			UserPoolId: aws.String(pool), ClientId: aws.String(client),
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		}
	}
	for _, c := range []struct {
		client      *cip.Client
		pool, app   string
		keepsLegacy bool
	}{
		{moto, poolID, clientID, true},
		{s.Client(), s.UserPoolID(), s.ClientID(), false},
	} {
		_, err := c.client.UpdateUserPoolClient(ctx, cognitotest.LegacyClient(c.pool, c.app))
		require.NoError(t, err)
		_, err = c.client.UpdateUserPoolClient(ctx, flowsOnly(c.pool, c.app))
		require.NoError(t, err)
		out, err := c.client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(c.pool), ClientId: aws.String(c.app)})
		require.NoError(t, err)
		got := out.UserPoolClient
		assert.Equal(t, flowsOnly(c.pool, c.app).ExplicitAuthFlows, got.ExplicitAuthFlows)
		if c.keepsLegacy {
			assert.Equal(t, []string{"https://legacy.example.com/callback", "https://legacy.example.com/app"}, got.CallbackURLs,
				"moto's known quirk no longer holds: it resets the client now")
			continue
		}
		assert.Nil(t, got.CallbackURLs)
		assert.Nil(t, got.ReadAttributes)
		assert.Equal(t, types.PreventUserExistenceErrorTypesLegacy, got.PreventUserExistenceErrors)
	}
}
