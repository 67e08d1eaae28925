package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cmd/passkeybridge/internal/wire"
	"github.com/passkeybridge/bridge/internal/testtools"
)

// mutating are the calls that change a pool, a client or a function.
var mutating = map[string]bool{
	"UpdateUserPool": true, "AddCustomAttributes": true, "UpdateUserPoolClient": true, "AddPermission": true,
}

// calls records the operation name of every SDK call made through the
// clients it is attached to.
type calls struct {
	mu    sync.Mutex
	names []string
}

func (c *calls) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = nil
}

// mutations returns the mutating calls recorded since the last reset.
func (c *calls) mutations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.names {
		if mutating[n] {
			out = append(out, n)
		}
	}
	return out
}

func (c *calls) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...)
}

// record is an SDK API option that records each call's operation name.
func (c *calls) record(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("recordCall",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.names = append(c.names, middleware.GetOperationName(ctx))
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

// testCreds are dummy credentials: moto and the emulator check that a
// request is signed, not by whom.
var testCreds = credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")

// backend is one place setup and check run against: a Cognito endpoint
// and a Lambda endpoint, with SDK clients that record every call.
type backend struct {
	name                  string
	cognitoURL, lambdaURL string
	cog                   *cip.Client
	lam                   wire.LambdaAPI
	calls                 *calls
	// newFunction creates a function without a resource policy and
	// returns its ARN.
	newFunction func(t *testing.T) string
	// printed is everything run printed, for the secrets test.
	printed strings.Builder
}

func newBackend(name, cognitoURL, lambdaURL string) *backend {
	b := &backend{name: name, cognitoURL: cognitoURL, lambdaURL: lambdaURL, calls: &calls{}}
	b.cog = cip.New(cip.Options{
		Region: "us-east-1", Credentials: testCreds, BaseEndpoint: aws.String(cognitoURL),
		APIOptions: []func(*middleware.Stack) error{b.calls.record},
	})
	lam := lambda.New(lambda.Options{
		Region: "us-east-1", Credentials: testCreds, BaseEndpoint: aws.String(lambdaURL),
		APIOptions: []func(*middleware.Stack) error{b.calls.record},
	})
	b.lam = lam
	b.newFunction = func(t *testing.T) string {
		return createFunction(t, lambdaURL, lam, fmt.Sprintf("passkeybridge-%d", functions.Add(1)))
	}
	return b
}

// clients is the clientsFunc run uses in-process.
func (b *backend) clients(context.Context, string) (wire.CognitoAPI, wire.LambdaAPI, error) {
	return b.cog, b.lam, nil
}

// run runs the CLI in-process and returns its exit status and output.
func (b *backend) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(t.Context(), args, &stdout, &stderr, b.clients)
	b.printed.WriteString(stdout.String() + stderr.String())
	return code, stdout.String(), stderr.String()
}

// createFunction creates a Lambda function on moto, with the IAM role
// moto insists on (it refuses a role it does not know). IAM is a query
// API; one form POST is all it takes, without the IAM SDK module.
func createFunction(t *testing.T, motoURL string, lam *lambda.Client, name string) string {
	t.Helper()
	form := url.Values{
		"Action":                   {"CreateRole"},
		"Version":                  {"2010-05-08"},
		"RoleName":                 {name + "-role"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, motoURL+"/", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "IAM CreateRole on moto")

	out, err := lam.CreateFunction(t.Context(), &lambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Runtime:       ltypes.RuntimeProvidedal2023,
		Architectures: []ltypes.Architecture{ltypes.ArchitectureArm64},
		Handler:       aws.String("bootstrap"),
		Role:          aws.String("arn:aws:iam::123456789012:role/" + name + "-role"),
		Code:          &ltypes.FunctionCode{ZipFile: zipOf(t, "bootstrap", "not run: moto only stores it")},
	})
	require.NoError(t, err)
	return aws.ToString(out.FunctionArn)
}

// startMoto starts moto_server for Cognito and Lambda both.
func startMoto(t *testing.T) *backend {
	t.Helper()
	u := testtools.StartMoto(t)
	if u == "" {
		return nil
	}
	return newBackend("moto", u, u)
}

// Other triggers a legacy pool has, which setup must keep.
const (
	preSignUpARN   = "arn:aws:lambda:us-east-1:123456789012:function:legacy-presignup"
	postConfirmARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-postconfirm"
	customMsgARN   = "arn:aws:lambda:us-east-1:123456789012:function:legacy-custommessage"
	otherAuthARN   = "arn:aws:lambda:us-east-1:123456789012:function:someone-elses-auth"
)

// legacyPool is a pool as years of console clicks leave it: a custom
// password policy, auto-verified email, verification and invitation
// messages, three other triggers, tags, MFA, account recovery, deletion
// protection, device tracking, a custom attribute of its own.
func legacyPool(name string) *cip.CreateUserPoolInput {
	return &cip.CreateUserPoolInput{
		PoolName: aws.String(name),
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
			MinimumLength: aws.Int32(14), RequireUppercase: true, RequireLowercase: true,
			RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3,
		}},
		AutoVerifiedAttributes:   []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		EmailVerificationMessage: aws.String("Your legacy code is {####}"),
		EmailVerificationSubject: aws.String("Legacy verification"),
		SmsVerificationMessage:   aws.String("Legacy SMS code {####}"),
		SmsAuthenticationMessage: aws.String("Legacy sign-in code {####}"),
		VerificationMessageTemplate: &types.VerificationMessageTemplateType{
			DefaultEmailOption: types.DefaultEmailOptionTypeConfirmWithCode,
			EmailMessage:       aws.String("Your legacy code is {####}"),
			EmailSubject:       aws.String("Legacy verification"),
			SmsMessage:         aws.String("Legacy SMS code {####}"),
		},
		LambdaConfig: &types.LambdaConfigType{
			PreSignUp:        aws.String(preSignUpARN),
			PostConfirmation: aws.String(postConfirmARN),
			CustomMessage:    aws.String(customMsgARN),
		},
		UserPoolTags:     map[string]string{"team": "identity", "env": "prod", "cost-centre": "4711"},
		MfaConfiguration: types.UserPoolMfaTypeOptional,
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/legacy-sms"), ExternalId: aws.String("legacy-external-id")},
		AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
			{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)},
			{Name: types.RecoveryOptionNameTypeVerifiedPhoneNumber, Priority: aws.Int32(2)},
		}},
		DeletionProtection: types.DeletionProtectionTypeActive,
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{
			AllowAdminCreateUserOnly: true,
			InviteMessageTemplate: &types.MessageTemplateType{
				EmailMessage: aws.String("Welcome {username}, your password is {####}"),
				EmailSubject: aws.String("Legacy invitation"),
				SMSMessage:   aws.String("Welcome {username} {####}"),
			},
		},
		DeviceConfiguration: &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true},
		EmailConfiguration: &types.EmailConfigurationType{
			EmailSendingAccount: types.EmailSendingAccountTypeCognitoDefault,
			ReplyToEmailAddress: aws.String("support@legacy.example"),
		},
		UserAttributeUpdateSettings: &types.UserAttributeUpdateSettingsType{
			AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		},
		UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
		Schema: []types.SchemaAttributeType{{
			Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true),
		}},
	}
}

// legacyClient is the app client the library will use, before setup: a
// secret, SRP and refresh only, and settings of its own to keep.
func legacyClient(poolID string) *cip.CreateUserPoolClientInput {
	return &cip.CreateUserPoolClientInput{
		UserPoolId:                 aws.String(poolID),
		ClientName:                 aws.String("backend"),
		GenerateSecret:             true,
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		AccessTokenValidity:        aws.Int32(2),
		IdTokenValidity:            aws.Int32(3),
		RefreshTokenValidity:       10,
		TokenValidityUnits: &types.TokenValidityUnitsType{
			AccessToken: types.TimeUnitsTypeHours, IdToken: types.TimeUnitsTypeHours, RefreshToken: types.TimeUnitsTypeDays,
		},
		ReadAttributes:                  []string{"email", "email_verified", "name", "custom:tier"},
		CallbackURLs:                    []string{"https://legacy.example/callback"},
		LogoutURLs:                      []string{"https://legacy.example/bye"},
		DefaultRedirectURI:              aws.String("https://legacy.example/callback"),
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes:              []string{"openid", "email"},
		AllowedOAuthFlowsUserPoolClient: true,
		SupportedIdentityProviders:      []string{"COGNITO"},
		EnableTokenRevocation:           aws.Bool(true),
		AuthSessionValidity:             aws.Int32(5),
	}
}

// webClient is a second app client, a public one for the web front end,
// which writes every attribute by default.
func webClient(poolID string) *cip.CreateUserPoolClientInput {
	return &cip.CreateUserPoolClientInput{
		UserPoolId:        aws.String(poolID),
		ClientName:        aws.String("web"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		ReadAttributes:    []string{"email", "name"},
	}
}

// wiredPool is a legacy pool set up on b: its ID, the library's client,
// the web client and the function setup is to wire.
type wiredPool struct {
	poolID, clientID, webClientID, lambdaARN string
}

// functions numbers the functions tests create, so names never clash.
var functions atomic.Int64

// seedLegacy creates the legacy pool, its two clients and the function on
// b (Cognito and Lambda both on moto).
func seedLegacy(t *testing.T, b *backend) wiredPool {
	t.Helper()
	return seedPool(t, b, legacyPool("legacy"))
}

// seedPool creates the pool in, the two legacy clients and the function.
func seedPool(t *testing.T, b *backend, in *cip.CreateUserPoolInput) wiredPool {
	t.Helper()
	ctx := t.Context()
	pool, err := b.cog.CreateUserPool(ctx, in)
	require.NoError(t, err)
	id := aws.ToString(pool.UserPool.Id)
	c, err := b.cog.CreateUserPoolClient(ctx, legacyClient(id))
	require.NoError(t, err)
	w, err := b.cog.CreateUserPoolClient(ctx, webClient(id))
	require.NoError(t, err)
	fn := b.newFunction(t)
	b.calls.reset()
	return wiredPool{poolID: id, clientID: aws.ToString(c.UserPoolClient.ClientId), webClientID: aws.ToString(w.UserPoolClient.ClientId), lambdaARN: fn}
}
