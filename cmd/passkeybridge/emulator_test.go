package main

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cmd/passkeybridge/internal/wire"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// startEmulator starts the emulator with the legacy pool and its app
// client, and fakeLambda for the function's resource policy (the emulator
// has no Lambda API).
func startEmulator(t *testing.T, options ...func(*cognitotest.Config)) (*backend, wiredPool) {
	t.Helper()
	cfg := cognitotest.Config{
		ClientSecret:               true,
		PreventUserExistenceErrors: true,
		CaseSensitive:              aws.Bool(false),
		CustomAttributes:           []string{}, // the legacy pool predates the library
		ExplicitAuthFlows:          []string{cognitotest.AllowUserSRPAuth, cognitotest.AllowRefreshTokenAuth},
	}
	for _, o := range options {
		o(&cfg)
	}
	s, err := cognitotest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	b := newBackend("emulator", s.URL(), "")
	fake := newFakeLambda(b.calls)
	b.lam = fake
	b.newFunction = func(*testing.T) string { return fake.create(fmt.Sprintf("passkeybridge-%d", functions.Add(1))) }

	// The emulator's pool starts as a new one; years of settings arrive
	// the way they would on AWS, through the API.
	in := legacyPool(s.UserPoolID())
	_, err = b.cog.UpdateUserPool(t.Context(), &cip.UpdateUserPoolInput{
		UserPoolId:                  aws.String(s.UserPoolID()),
		PoolName:                    in.PoolName,
		Policies:                    in.Policies,
		AutoVerifiedAttributes:      in.AutoVerifiedAttributes,
		EmailVerificationMessage:    in.EmailVerificationMessage,
		EmailVerificationSubject:    in.EmailVerificationSubject,
		SmsVerificationMessage:      in.SmsVerificationMessage,
		SmsAuthenticationMessage:    in.SmsAuthenticationMessage,
		VerificationMessageTemplate: in.VerificationMessageTemplate,
		LambdaConfig:                in.LambdaConfig,
		UserPoolTags:                in.UserPoolTags,
		MfaConfiguration:            in.MfaConfiguration,
		SmsConfiguration:            in.SmsConfiguration,
		AccountRecoverySetting:      in.AccountRecoverySetting,
		DeletionProtection:          in.DeletionProtection,
		AdminCreateUserConfig:       in.AdminCreateUserConfig,
		DeviceConfiguration:         in.DeviceConfiguration,
		EmailConfiguration:          in.EmailConfiguration,
		UserAttributeUpdateSettings: in.UserAttributeUpdateSettings,
	})
	require.NoError(t, err)
	_, err = b.cog.AddCustomAttributes(t.Context(), &cip.AddCustomAttributesInput{
		UserPoolId: aws.String(s.UserPoolID()), CustomAttributes: in.Schema,
	})
	require.NoError(t, err)
	c := legacyClient(s.UserPoolID())
	_, err = b.cog.UpdateUserPoolClient(t.Context(), &cip.UpdateUserPoolClientInput{
		UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
		ClientName: c.ClientName, ExplicitAuthFlows: c.ExplicitAuthFlows, PreventUserExistenceErrors: c.PreventUserExistenceErrors,
		AccessTokenValidity: c.AccessTokenValidity, IdTokenValidity: c.IdTokenValidity, RefreshTokenValidity: c.RefreshTokenValidity,
		TokenValidityUnits: c.TokenValidityUnits, ReadAttributes: c.ReadAttributes, CallbackURLs: c.CallbackURLs,
		LogoutURLs: c.LogoutURLs, DefaultRedirectURI: c.DefaultRedirectURI, AllowedOAuthFlows: c.AllowedOAuthFlows,
		AllowedOAuthScopes: c.AllowedOAuthScopes, AllowedOAuthFlowsUserPoolClient: c.AllowedOAuthFlowsUserPoolClient,
		SupportedIdentityProviders: c.SupportedIdentityProviders, EnableTokenRevocation: c.EnableTokenRevocation,
		AuthSessionValidity: c.AuthSessionValidity,
	})
	require.NoError(t, err)
	p := wiredPool{poolID: s.UserPoolID(), clientID: s.ClientID(), lambdaARN: b.newFunction(t)}
	b.calls.reset()
	return b, p
}

func TestSetupKeepsEveryLegacySettingEmulator(t *testing.T) {
	b, p := startEmulator(t)
	keepsEveryLegacySetting(t, b, p)

	// With AWS's behaviour (UsernameConfiguration kept), the pool is wired.
	code, r := checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN)
	assert.Equal(t, exitOK, code, r.Problems)
	assert.True(t, r.OK)
	assert.Equal(t, []wire.Finding{}, r.Problems)
	assert.Equal(t, []wire.Finding{}, r.Warnings)
}

// A pool that signs users in with their email address as a username
// attribute keeps it: AWS documents UsernameAttributes as immutable (moto
// 5.2.1 drops it on UpdateUserPool; see TestSetupKeepsUsernameAttributesMoto).
func TestSetupKeepsUsernameAttributesEmulator(t *testing.T) {
	b, p := startEmulator(t, func(c *cognitotest.Config) { c.UsernameAttributes = []string{"email"} })
	keepsEveryLegacySetting(t, b, p)
	st := describe(t, b, p)
	assert.Equal(t, "[email]", st.pool["UsernameAttributes"])
	assert.Equal(t, "false", st.pool["UsernameConfiguration.CaseSensitive"])
}

func TestCheckEmulator(t *testing.T) {
	b, p := startEmulator(t)
	code, r := checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN)
	assert.Equal(t, exitProblems, code)
	assert.Equal(t, []string{
		wire.CodeMissingAttribute,
		wire.CodeMissingTrigger, wire.CodeMissingTrigger, wire.CodeMissingTrigger,
		wire.CodeMissingPermission,
		wire.CodeWritableAttribute, wire.CodeMissingFlow, wire.CodeMissingFlow,
	}, codes(r.Problems))
	assert.Empty(t, b.calls.mutations())

	// A client without a secret and with LEGACY existence errors, on a
	// case-sensitive pool: what setup cannot fix.
	s, err := cognitotest.NewServer(cognitotest.Config{})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	b2 := newBackend("emulator", s.URL(), "")
	b2.lam = newFakeLambda(b2.calls)
	code, r = checkJSON(t, b2, "--user-pool-id", s.UserPoolID(), "--client-id", s.ClientID())
	assert.Equal(t, exitProblems, code)
	assert.Contains(t, codes(r.Problems), wire.CodeCaseSensitive)
	assert.Contains(t, codes(r.Problems), wire.CodeNoClientSecret)
	assert.Equal(t, []string{wire.CodeUserExistenceErrors}, codes(r.Warnings))
}

func TestAttributeOptionEmulator(t *testing.T) {
	b, p := startEmulator(t)
	code, out, errOut := b.run(t, "setup", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN, "--attribute", "custom:marker")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "SchemaAttributes: (unset) → custom:marker (String, mutable)")
	st := describe(t, b, p)
	assert.Contains(t, schemaNames(st.pool), "custom:marker")
	assert.NotContains(t, schemaNames(st.pool), "custom:createdByCorbado")

	code, r := checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID, "--attribute", "marker")
	assert.Equal(t, exitOK, code, r.Problems)
	// The default attribute is what this pool lacks.
	code, r = checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID)
	assert.Equal(t, exitProblems, code)
	assert.Equal(t, []string{wire.CodeMissingAttribute}, codes(r.Problems))

	// An attribute of that name but another type is refused: a pool's
	// attributes cannot be changed.
	_, err := b.cog.AddCustomAttributes(t.Context(), &cip.AddCustomAttributesInput{UserPoolId: aws.String(p.poolID),
		CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("level"), AttributeDataType: types.AttributeDataTypeNumber, Mutable: aws.Bool(true)}}})
	require.NoError(t, err)
	b.calls.reset()
	code, _, errOut = b.run(t, "setup", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN, "--attribute", "level")
	assert.Equal(t, exitProblems, code)
	assert.Contains(t, errOut, "declares custom:level as Number; the library needs a String attribute")
	assert.Empty(t, b.calls.mutations())
}
