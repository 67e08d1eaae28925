package cognitobridge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func apiErr(code, msg string, fault smithy.ErrorFault) error {
	// As the SDK delivers it: the API error inside an OperationError.
	return &smithy.OperationError{
		ServiceID:     "Cognito Identity Provider",
		OperationName: "AdminInitiateAuth",
		Err:           &smithy.GenericAPIError{Code: code, Message: msg, Fault: fault},
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"throttled", apiErr("TooManyRequestsException", "Rate exceeded", smithy.FaultClient), ErrUnavailable},
		{"limit", apiErr("LimitExceededException", "", smithy.FaultClient), ErrUnavailable},
		{"internal", apiErr("InternalErrorException", "", smithy.FaultServer), ErrUnavailable},
		{"unknown server fault", apiErr("Unsupported", "", smithy.FaultServer), ErrUnavailable},
		{"lambda crashed", apiErr("UnexpectedLambdaException", "", smithy.FaultClient), ErrUnavailable},
		{"lambda error", apiErr("UserLambdaValidationException", "", smithy.FaultClient), ErrUnavailable},
		{"lambda nonsense", apiErr("InvalidLambdaResponseException", "", smithy.FaultClient), ErrUnavailable},
		{"network", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, ErrUnavailable},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), ErrUnavailable},
		{"canceled", fmt.Errorf("op: %w", context.Canceled), nil},
		{"pool gone", apiErr("ResourceNotFoundException", "User pool x does not exist.", smithy.FaultClient), ErrMisconfigured},
		{"pool config", apiErr("InvalidUserPoolConfigurationException", "", smithy.FaultClient), ErrMisconfigured},
		{"flow", apiErr("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", smithy.FaultClient), ErrMisconfigured},
		{"iam", apiErr("AccessDeniedException", "", smithy.FaultClient), ErrMisconfigured},
		{"credentials", apiErr("UnrecognizedClientException", "", smithy.FaultClient), ErrMisconfigured},
		{"secret hash wrong", apiErr("NotAuthorizedException", "Unable to verify secret hash for client abc", smithy.FaultClient), ErrMisconfigured},
		{"secret hash missing", apiErr("NotAuthorizedException", "Client abc is configured with secret but SECRET_HASH was not received", smithy.FaultClient), ErrMisconfigured},
		{"disabled", apiErr("NotAuthorizedException", "User is disabled.", smithy.FaultClient), ErrUserDisabled},
		{"wrong password", apiErr("NotAuthorizedException", "Incorrect username or password.", smithy.FaultClient), ErrNotAuthorized},
		{"revoked", apiErr("NotAuthorizedException", "Refresh Token has been revoked", smithy.FaultClient), ErrNotAuthorized},
		{"not found", apiErr("UserNotFoundException", "User does not exist.", smithy.FaultClient), ErrUserNotFound},
		{"exists", apiErr("UsernameExistsException", "", smithy.FaultClient), nil},
		{"alias exists", apiErr("AliasExistsException", "", smithy.FaultClient), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, classify(tt.err))
		})
	}
}

func TestError(t *testing.T) {
	cause := apiErr("TooManyRequestsException", "Rate exceeded", smithy.FaultClient)
	err := error(callError("verify password", "InitiateAuth", cause))

	assert.ErrorIs(t, err, ErrUnavailable)
	assert.NotErrorIs(t, err, ErrMisconfigured)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "TooManyRequestsException", ae.ErrorCode())
	var oe *smithy.OperationError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "cognitobridge: verify password: cognito unavailable: operation error Cognito Identity Provider: AdminInitiateAuth, api error TooManyRequestsException: Rate exceeded", err.Error())

	wrapped := fmt.Errorf("handler: %w", err)
	assert.ErrorIs(t, wrapped, ErrUnavailable)
	var e *Error
	require.ErrorAs(t, wrapped, &e)
	assert.Equal(t, "InitiateAuth", e.Call)

	canceled := callError("login", "AdminInitiateAuth", fmt.Errorf("operation error: %w", context.Canceled))
	assert.ErrorIs(t, canceled, context.Canceled)
	assert.Nil(t, canceled.Kind)
	assert.Len(t, canceled.Unwrap(), 1)
	assert.Equal(t, "cognitobridge: login: operation error: context canceled", canceled.Error())

	own := &Error{Op: "start session", Kind: ErrNotAuthorized, Err: &challengeError{name: "SMS_MFA"}}
	assert.Equal(t, "cognitobridge: start session: not authorized: unexpected challenge SMS_MFA", own.Error())
	assert.ErrorIs(t, own, errUnexpectedChallenge)

	bare := &Error{Op: "create user", Kind: ErrUserDisabled}
	assert.Equal(t, "cognitobridge: create user: user disabled", bare.Error())
}

func TestPasswordRefused(t *testing.T) {
	tests := []struct {
		err     error
		refused bool
	}{
		{apiErr("NotAuthorizedException", "Incorrect username or password.", smithy.FaultClient), true},
		{apiErr("NotAuthorizedException", "User is disabled.", smithy.FaultClient), true},
		{apiErr("NotAuthorizedException", "Password attempts exceeded", smithy.FaultClient), true},
		{apiErr("NotAuthorizedException", "Unable to verify secret hash for client x", smithy.FaultClient), false},
		{apiErr("UserNotFoundException", "User does not exist.", smithy.FaultClient), true},
		{apiErr("InvalidPasswordException", "Invalid password", smithy.FaultClient), true},
		{apiErr("PasswordResetRequiredException", "", smithy.FaultClient), true},
		{apiErr("UserNotConfirmedException", "", smithy.FaultClient), true},
		{apiErr("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", smithy.FaultClient), false},
		{apiErr("TooManyRequestsException", "", smithy.FaultClient), false},
		{apiErr("InternalErrorException", "", smithy.FaultServer), false},
		{errors.New("connection reset"), false},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			_, refused := passwordRefused(tt.err)
			assert.Equal(t, tt.refused, refused)
		})
	}
}

func TestWorthEnsuring(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"user not found", callError("login", "AdminInitiateAuth", apiErr("UserNotFoundException", "", smithy.FaultClient)), true},
		{"not authorized", callError("login", "AdminInitiateAuth", apiErr("NotAuthorizedException", "Incorrect username or password.", smithy.FaultClient)), true},
		{"answer rejected", &Error{Op: "login", Kind: ErrNotAuthorized, Err: errAnswerRejected}, true},
		{"new password", &Error{Op: "login", Kind: ErrNotAuthorized, Err: &challengeError{name: string(types.ChallengeNameTypeNewPasswordRequired)}}, true},
		{"MFA", &Error{Op: "login", Kind: ErrNotAuthorized, Err: &challengeError{name: "SMS_MFA"}}, false},
		{"disabled", callError("login", "AdminInitiateAuth", apiErr("NotAuthorizedException", "User is disabled.", smithy.FaultClient)), false},
		{"secret", callError("login", "AdminInitiateAuth", apiErr("NotAuthorizedException", "Unable to verify secret hash for client x", smithy.FaultClient)), false},
		{"throttled", callError("login", "AdminInitiateAuth", apiErr("TooManyRequestsException", "", smithy.FaultClient)), false},
		{"no nonce", &Error{Op: "login", Kind: ErrMisconfigured, Err: errNoNonce}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, worthEnsuring(tt.err))
		})
	}
}

func TestUnverifiedClaims(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		want    *idClaims
		wantErr bool
	}{
		{name: "claims", token: "e30.eyJzdWIiOiJzIiwiZW1haWwiOiJlIiwibmFtZSI6Im4iLCJleHAiOjE3MDAwMDAwMDB9.c2ln",
			want: &idClaims{Sub: "s", Email: "e", Name: "n", Exp: 1700000000}},
		{name: "empty payload", token: "e30.e30.", want: &idClaims{}},
		{name: "no dots", token: "abc", wantErr: true},
		{name: "one dot", token: "abc.def", wantErr: true},
		{name: "empty", token: "", wantErr: true},
		{name: "not base64", token: "e30.!!!.x", wantErr: true},
		{name: "not JSON", token: "e30.bm90IGpzb24.x", wantErr: true},
		{name: "wrong types", token: "e30.eyJzdWIiOjF9.x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unverifiedClaims(tt.token)
			if tt.wantErr {
				require.ErrorIs(t, err, errMalformedIDToken)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzUnverifiedClaims(f *testing.F) {
	f.Add("e30.eyJzdWIiOiJzIiwiZXhwIjoxfQ.c2ln")
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := unverifiedClaims(token)
		if (c == nil) == (err == nil) {
			t.Fatalf("claims %v with error %v", c, err)
		}
	})
}

// A service message that quotes a token (moto 5.2.1 answers a revoked
// GlobalSignOut with the access token as its message) must not carry the
// token into the store's error text; the rest of the text stays readable.
func TestErrorRedactsTokenLikeMessages(t *testing.T) {
	token := "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJhYmMiLCJ0b2tlbl91c2UiOiJhY2Nlc3MifQ.c2lnbmF0dXJlLWJ5dGVzLWJ5dGVzLWJ5dGVz"
	requestID := "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
	err := callError("sign out", "GlobalSignOut", apiErr("NotAuthorizedException", token+" (request "+requestID+")", smithy.FaultClient))
	text := err.Error()
	assert.NotContains(t, text, token)
	assert.NotContains(t, text, "eyJ")
	assert.Contains(t, text, "NotAuthorizedException")
	assert.Contains(t, text, requestID, "request IDs stay readable")
	assert.ErrorIs(t, err, ErrNotAuthorized)
}
