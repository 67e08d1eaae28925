package passkey

import (
	"errors"
	"net/http"
)

// The sentinels callers act on. Every error a RelyingParty method returns
// wraps exactly one of the first group (errors.Is), and keeps its cause in
// the chain: a go-webauthn *protocol.Error, a cognitobridge.*Error, a jwks
// error, a CredentialStore error, context.Canceled. Error texts start with
// "passkey: " and hold no password, token, grant, ceremony ID or challenge.
var (
	// ErrInvalidRequest means the request is malformed: a missing or
	// implausible username, JSON that does not decode, a credential that
	// does not parse. HTTP 400.
	ErrInvalidRequest = errors.New("passkey: invalid request")

	// ErrCeremony means the ceremony ID is unknown, expired, already used
	// or belongs to another kind of ceremony. The browser must start over.
	// HTTP 400.
	ErrCeremony = errors.New("passkey: ceremony unknown, expired or already used")

	// ErrVerification means the authenticator's response did not verify:
	// wrong origin, RP ID or challenge, a bad signature, user presence or
	// verification missing, backup flags that contradict the credential
	// record. HTTP 401.
	ErrVerification = errors.New("passkey: credential verification failed")

	// ErrUnknownCredential means the assertion names a credential this
	// relying party does not have (or not for this user). HTTP 401.
	ErrUnknownCredential = errors.New("passkey: unknown credential")

	// ErrSignCount means the authenticator's signature counter did not
	// increase: two copies of the private key may exist. The sign-in is
	// refused and the credential record left as it was. HTTP 401.
	ErrSignCount = errors.New("passkey: signature counter did not increase")

	// ErrSignInRequired means a passkey was to be registered for an
	// account that exists but has no passkey here: the user must first
	// prove who they are with their password (a Grant from VerifyPassword)
	// or a session. HTTP 401.
	ErrSignInRequired = errors.New("passkey: account exists: sign in first")

	// ErrSessionRequired means a passkey was to be added to an account that
	// already has passkeys, without a valid session (ID token) for it; a
	// password grant is not enough there. HTTP 401.
	ErrSessionRequired = errors.New("passkey: account has passkeys: a session is required")

	// ErrNotAuthorized means a grant or ID token was presented and is not
	// valid for this user: expired, used, forged or someone else's. HTTP 401.
	ErrNotAuthorized = errors.New("passkey: not authorized")

	// ErrWrongPassword means VerifyPassword's password was wrong (or the
	// user does not exist). HTTP 401.
	ErrWrongPassword = errors.New("passkey: wrong username or password")

	// ErrNoPasskeys means a username login was begun for a user with no
	// passkey here. HTTP 404.
	ErrNoPasskeys = errors.New("passkey: no passkey registered for this user")

	// ErrUserExists means a passkey-first registration lost to another
	// registration of the same username. HTTP 409.
	ErrUserExists = errors.New("passkey: user already exists")

	// ErrUserDisabled means Cognito has the user disabled. HTTP 403.
	ErrUserDisabled = errors.New("passkey: user disabled")

	// ErrBusy means too many ceremonies or grants are pending; retry
	// shortly. HTTP 503.
	ErrBusy = errors.New("passkey: too many pending ceremonies")

	// ErrUnavailable means Cognito or the credential store could not
	// answer; retrying later may succeed. HTTP 503.
	ErrUnavailable = errors.New("passkey: backend unavailable")
)

// Errors of a CredentialStore. The RelyingParty translates them; an
// implementation returns them (wrapped or not) so that it can.
var (
	// ErrNotFound means the store has no such user.
	ErrNotFound = errors.New("passkey: not found")

	// ErrCredentialExists means a credential with this ID is stored
	// already, for this user or another one. It is never overwritten.
	ErrCredentialExists = errors.New("passkey: credential ID already stored")

	// ErrHandleConflict means the username is stored with another user
	// handle than the one given: someone else registered it first.
	ErrHandleConflict = errors.New("passkey: username registered with another user handle")
)

// publicError is what a handler writes for a sentinel: a fixed status and
// body, whatever the cause.
type publicError struct {
	sentinel error
	status   int
	code     string
	message  string
}

// publicErrors is searched in order; the first sentinel in an error's chain
// decides. Anything else is a 500 "internal".
var publicErrors = []publicError{
	{ErrInvalidRequest, http.StatusBadRequest, "invalid_request", "The request is malformed."},
	{ErrCeremony, http.StatusBadRequest, "ceremony_invalid", "The ceremony expired or was already used. Please try again."},
	{ErrVerification, http.StatusUnauthorized, "verification_failed", "The passkey could not be verified."},
	{ErrUnknownCredential, http.StatusUnauthorized, "unknown_credential", "This passkey is not registered here."},
	{ErrSignCount, http.StatusUnauthorized, "sign_count", "This passkey could not be verified."},
	{ErrSignInRequired, http.StatusUnauthorized, "sign_in_required", "This account exists. Sign in with your password first, then add a passkey."},
	{ErrSessionRequired, http.StatusUnauthorized, "session_required", "This account has a passkey. Sign in with it first to add another."},
	{ErrNotAuthorized, http.StatusUnauthorized, "not_authorized", "Not authorized. Please sign in again."},
	{ErrWrongPassword, http.StatusUnauthorized, "wrong_password", "Wrong email address or password."},
	{ErrNoPasskeys, http.StatusNotFound, "no_passkeys", "No passkey is registered for this account."},
	{ErrUserExists, http.StatusConflict, "user_exists", "This account exists already."},
	{ErrCredentialExists, http.StatusConflict, "credential_exists", "This passkey is registered already."},
	{ErrUserDisabled, http.StatusForbidden, "user_disabled", "This account is disabled."},
	{ErrBusy, http.StatusServiceUnavailable, "busy", "Too many requests. Please try again shortly."},
	{ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "The service is unavailable. Please try again later."},
}

var internalError = publicError{nil, http.StatusInternalServerError, "internal", "Something went wrong."}

// publicErrorFor returns the fixed answer for err.
func publicErrorFor(err error) publicError {
	for _, pe := range publicErrors {
		if errors.Is(err, pe.sentinel) {
			return pe
		}
	}
	return internalError
}
