package cognitobridge

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"
)

// The sentinels callers act on. Every error a Store method returns is an
// *Error, and errors.Is reports which of these (if any) it is; errors.As
// still reaches the SDK's error (a smithy.APIError such as
// *types.NotAuthorizedException) and errors.Is still finds
// context.Canceled or context.DeadlineExceeded.
var (
	// ErrUnavailable means Cognito could not answer: throttling
	// (TooManyRequestsException, after the SDK's own retries), a server
	// fault, a network failure, a deadline, or a failing Lambda trigger.
	// Retrying later may succeed; an HTTP handler answers 503.
	ErrUnavailable = errors.New("cognitobridge: cognito unavailable")

	// ErrMisconfigured means the pool, app client, triggers or IAM
	// credentials do not fit the Config: the provider attribute missing
	// from the schema, an auth flow not enabled for the client, a wrong
	// client secret, an unknown pool or client, Lambda triggers that are
	// not passkeybridge's, an ID token the configured validator rejects.
	// Retrying does not help; an operator must.
	ErrMisconfigured = errors.New("cognitobridge: cognito misconfigured")

	// ErrUserDisabled means the user exists but an administrator disabled
	// it. Login never creates a user in its place.
	ErrUserDisabled = errors.New("cognitobridge: user disabled")

	// ErrUserNotFound means Cognito has no such user (StartSession on a
	// pool whose app client has PreventUserExistenceErrors LEGACY; with
	// ENABLED a missing user fails as ErrNotAuthorized).
	ErrUserNotFound = errors.New("cognitobridge: user not found")

	// ErrNotAuthorized means Cognito refused: a custom challenge it did
	// not accept, an unexpected challenge (MFA, NEW_PASSWORD_REQUIRED),
	// an invalid or revoked refresh or access token, a user who must reset
	// the password (RESET_REQUIRED) or is not confirmed (UNCONFIRMED).
	ErrNotAuthorized = errors.New("cognitobridge: not authorized")

	// ErrWrongPassword means SignInWithPassword's password is not the
	// user's, or there is no such user, or the user cannot sign in with a
	// password (reset required, unconfirmed, locked out after too many
	// attempts): one answer for all, so that it tells an attacker nothing.
	ErrWrongPassword = errors.New("cognitobridge: wrong username or password")

	// ErrInvalidUsername means a username that cannot be one (Normalize):
	// the caller's input, answered 400.
	ErrInvalidUsername = errors.New("cognitobridge: invalid username")
)

// Error is the error of every failed Store call. Its text names the
// operation and the cause but never a password, token, proof, secret hash
// or session string: the SDK puts none of the request in its errors, and
// neither does this package.
type Error struct {
	// Op is the Store operation: "normalize", "status", "create user",
	// "verify password", "sign in with password", "start session",
	// "login", "start session with answer", "login with answer",
	// "refresh", "sign out", "admin sign out".
	Op string
	// Call is the Cognito operation that failed ("AdminInitiateAuth"), or
	// "" when the failure is not a call's (an ID token rejected).
	Call string
	// Kind is one of the sentinels above, or nil when none fits (an API
	// error with no meaning to callers, or context.Canceled).
	Kind error
	// Err is the cause: the SDK's error, a context error, a jwks error, or
	// one of this package's own.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cognitobridge: ")
	b.WriteString(e.Op)
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "cognitobridge: "))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(redactTokens(strings.TrimPrefix(e.Err.Error(), "cognitobridge: ")))
	}
	return b.String()
}

// tokenLike matches what could be a token, a secret hash or a session
// string: a run of 40 or more base64, base64url or JWT characters.
// Request IDs (36-character UUIDs) and Cognito's messages stay readable.
var tokenLike = regexp.MustCompile(`[A-Za-z0-9_\-+/=.]{40,}`)

// redactTokens blanks token-like runs in an error text. The SDK puts none
// of the request in its errors, but the error message is the service's
// own text, and an emulator (moto 5.2.1 answers a revoked GlobalSignOut
// with the access token as the message) or a future Cognito message may
// quote what it was given: the text is not trusted to be safe.
func redactTokens(s string) string {
	return tokenLike.ReplaceAllString(s, "[redacted]")
}

// Unwrap returns both the sentinel and the cause, so that errors.Is and
// errors.As see each.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Errors of this package's own making, as causes inside an *Error.
var (
	errNoNonce             = errors.New("cognitobridge: custom challenge without a nonce: are the Lambda triggers passkeybridge's?")
	errAnswerRejected      = errors.New("cognitobridge: challenge answer rejected")
	errNoResult            = errors.New("cognitobridge: cognito returned neither tokens nor a challenge")
	errMalformedIDToken    = errors.New("cognitobridge: malformed id token")
	errUnexpectedChallenge = errors.New("cognitobridge: unexpected challenge")
)

// challengeError reports a challenge the store cannot answer. Only the
// challenge's name is kept: its parameters may hold codes or destinations.
type challengeError struct{ name string }

func (e *challengeError) Error() string {
	return "cognitobridge: unexpected challenge " + e.name
}

func (e *challengeError) Unwrap() error { return errUnexpectedChallenge }

// Cognito's exception names the store reacts to.
const (
	codeNotAuthorized         = "NotAuthorizedException"
	codeUserNotFound          = "UserNotFoundException"
	codeUsernameExists        = "UsernameExistsException"
	codeAliasExists           = "AliasExistsException"
	codeInvalidPassword       = "InvalidPasswordException"
	codePasswordResetRequired = "PasswordResetRequiredException"
	codeUserNotConfirmed      = "UserNotConfirmedException"
	codeInvalidParameter      = "InvalidParameterException"
)

// apiCode returns the Cognito exception name in err's chain, or "".
func apiCode(err error) (code, message string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

var unavailableCodes = map[string]bool{
	"TooManyRequestsException":               true,
	"LimitExceededException":                 true,
	"ThrottlingException":                    true,
	"InternalErrorException":                 true,
	"ServiceUnavailable":                     true,
	"RequestTimeout":                         true,
	"RequestTimeoutException":                true,
	"RequestLimitExceeded":                   true,
	"ProvisionedThroughputExceededException": true,
	// A trigger that failed, timed out or answered nonsense: the Lambda
	// side is down or broken, and Cognito could not decide.
	"UnexpectedLambdaException":      true,
	"UserLambdaValidationException":  true,
	"InvalidLambdaResponseException": true,
}

var misconfiguredCodes = map[string]bool{
	"ResourceNotFoundException":             true, // pool or client gone
	"InvalidUserPoolConfigurationException": true,
	"InvalidParameterException":             true, // flow not enabled, attribute not in schema, …
	"AccessDeniedException":                 true, // IAM policy lacks an Admin* action
	"UnrecognizedClientException":           true, // bad AWS credentials
	"InvalidSignatureException":             true,
	"IncompleteSignature":                   true,
	"MissingAuthenticationToken":            true,
	"ExpiredTokenException":                 true, // expired AWS credentials, not a user token
	"InvalidClientTokenId":                  true,
}

// classify returns the sentinel for err, which an SDK call returned.
func classify(err error) error {
	switch {
	case isCanceled(err):
		return nil // the caller gave up; nothing to say about Cognito
	case errors.Is(err, context.DeadlineExceeded):
		return ErrUnavailable
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		// No answer from Cognito at all: connection refused or reset, a
		// body that does not parse, the SDK's retry quota spent.
		return ErrUnavailable
	}
	code, msg := ae.ErrorCode(), ae.ErrorMessage()
	switch {
	case invalidUsername(code, msg):
		return nil // the caller's input, not the pool's setup
	case unavailableCodes[code]:
		return ErrUnavailable
	case misconfiguredCodes[code]:
		return ErrMisconfigured
	case code == codeNotAuthorized && secretHashProblem(msg):
		return ErrMisconfigured
	case code == codeNotAuthorized && userDisabled(msg):
		return ErrUserDisabled
	case code == codeNotAuthorized:
		return ErrNotAuthorized
	case code == codeUserNotFound:
		return ErrUserNotFound
	case code == codePasswordResetRequired, code == codeUserNotConfirmed:
		// RESET_REQUIRED and UNCONFIRMED users: Cognito signs them in
		// by no flow until they reset or confirm, and the store does not
		// do either on their behalf.
		return ErrNotAuthorized
	case ae.ErrorFault() == smithy.FaultServer:
		return ErrUnavailable
	}
	return nil
}

// secretHashProblem recognises the NotAuthorizedException texts Cognito uses
// when SECRET_HASH is wrong or missing ("Unable to verify secret hash for
// client …", "Client … is configured with secret but SECRET_HASH was not
// received", "… is configured for secret …", "SecretHash does not match
// for the client …"): the client secret in the Config does not match the
// app client, which no user can fix, or (refreshes only) the hash was
// computed over another name than the user's internal username.
func secretHashProblem(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "secret hash") ||
		strings.Contains(m, "secret_hash") ||
		strings.Contains(m, "secrethash") || // "SecretHash does not match for the client" (refresh)
		strings.Contains(m, "configured with secret") ||
		strings.Contains(m, "configured for secret")
}

// invalidUsername recognises the request validation error for a username
// Cognito cannot hold ("1 validation error detected: Value '…' at
// 'username' failed to satisfy constraint: …"). Its text repeats the
// username.
func invalidUsername(code, msg string) bool {
	return code == codeInvalidParameter && strings.Contains(msg, "at 'username'")
}

// userDisabled recognises Cognito's "User is disabled." NotAuthorizedException.
func userDisabled(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "user is disabled")
}

// isCanceled reports whether err is only the caller giving up.
func isCanceled(err error) bool { return errors.Is(err, context.Canceled) }

// callError wraps the error of one SDK call for the Store operation op.
func callError(op, call string, err error) *Error {
	return &Error{Op: op, Call: call, Kind: classify(err), Err: err}
}
