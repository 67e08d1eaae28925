package cognitotest_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/secrethash"
	"github.com/passkeybridge/bridge/internal/testtools"
)

// testKey is shared by every emulator of the test binary.
var testKey = testtools.RSAKey

// proofKey is the HMAC key the tests' challenge handlers share with the
// "backend" (the test).
var proofKey = []byte("0123456789abcdef0123456789abcdef")

const (
	goodPassword = "Corr3ct-Horse!"
	alice        = "alice@example.com"
)

// readAll is a client's ReadAttributes listing the attributes the tests
// put into ID tokens, the custom one included (Cognito's default reads
// standard attributes only).
var readAll = []string{"email", "email_verified", "name", "custom:createdByCorbado"}

// newServer starts a server for cfg and closes it with the test.
func newServer(t testing.TB, cfg cognitotest.Config) *cognitotest.Server {
	t.Helper()
	if cfg.SigningKey == nil {
		cfg.SigningKey = testKey()
	}
	s, err := cognitotest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// newHandler returns a challenge handler verifying with v, or with an
// HMACProof over proofKey when v is nil.
func newHandler(t testing.TB, v challenge.Verifier, maxAttempts int) (*challenge.Handler, *challenge.HMACProof) {
	t.Helper()
	proof, err := challenge.NewHMACProof(proofKey)
	require.NoError(t, err)
	if v == nil {
		v = proof
	}
	h, err := challenge.New(challenge.Config{Verifier: v, MaxAttempts: maxAttempts})
	require.NoError(t, err)
	return h, proof
}

// newClock is a settable clock for Config.Now.
func newClock() *testtools.Clock {
	return testtools.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
}

// withSecret adds SECRET_HASH for username to params when the client has a
// secret.
func withSecret(s *cognitotest.Server, username string, params map[string]string) map[string]string {
	out := maps.Clone(params)
	if s.ClientSecret() != "" {
		out["SECRET_HASH"] = secrethash.Compute(s.ClientSecret(), username, s.ClientID())
	}
	return out
}

// createUser makes a CONFIRMED user with goodPassword, as the bridge does.
func createUser(t testing.TB, s *cognitotest.Server, username string, attrs map[string]string) {
	t.Helper()
	ctx := context.Background()
	c := s.Client()
	in := &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(s.UserPoolID()),
		Username:      aws.String(username),
		MessageAction: types.MessageActionTypeSuppress,
	}
	for name, v := range attrs {
		in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(name), Value: aws.String(v)})
	}
	_, err := c.AdminCreateUser(ctx, in)
	require.NoError(t, err)
	_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(s.UserPoolID()),
		Username:   aws.String(username),
		Password:   aws.String(goodPassword),
		Permanent:  true,
	})
	require.NoError(t, err)
}

// passwordLogin signs username in with ADMIN_USER_PASSWORD_AUTH.
func passwordLogin(ctx context.Context, s *cognitotest.Server, c *cip.Client, username, pw string) (*cip.AdminInitiateAuthOutput, error) {
	return c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId:     aws.String(s.UserPoolID()),
		ClientId:       aws.String(s.ClientID()),
		AuthFlow:       types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: withSecret(s, username, map[string]string{"USERNAME": username, "PASSWORD": pw}),
	})
}

// tokensFor signs username in with a password and returns the result.
func tokensFor(t testing.TB, s *cognitotest.Server, username string) *types.AuthenticationResultType {
	t.Helper()
	out, err := passwordLogin(context.Background(), s, s.Client(), username, goodPassword)
	require.NoError(t, err)
	require.NotNil(t, out.AuthenticationResult)
	return out.AuthenticationResult
}

// requireAPIError asserts that err is the SDK's typed error E and, unless
// message is "", that it carries message.
func requireAPIError[E interface {
	*T
	smithy.APIError
}, T any](t testing.TB, err error, message string) E {
	t.Helper()
	var target E
	require.ErrorAs(t, err, &target)
	if message != "" {
		assert.Equal(t, message, target.ErrorMessage())
	}
	return target
}
