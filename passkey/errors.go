package passkey

import (
	"context"
	"errors"
	"fmt"
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

	// ErrStepUpRequired means a passkey was to be registered without a
	// grant that allows it: registration/begin takes only a grant (from
	// an email proof, a fresh passkey login, or a password sign-in of an
	// account that has no passkey). An account with passkeys needs a fresh
	// sign-in with one of them or a fresh proof of its address. HTTP 401.
	ErrStepUpRequired = errors.New("passkey: sign in with a passkey or prove the address first")

	// ErrNotAuthorized means a grant or token was presented and is not
	// valid: expired, used, forged, ended by a sign-out, or someone
	// else's. HTTP 401.
	ErrNotAuthorized = errors.New("passkey: not authorized")

	// ErrWrongPassword means VerifyPassword's password was wrong (or the
	// user does not exist). HTTP 401.
	ErrWrongPassword = errors.New("passkey: wrong username or password")

	// ErrNoPasskeys means a username login was begun for a user with no
	// passkey here. HTTP 404.
	ErrNoPasskeys = errors.New("passkey: no passkey registered for this user")

	// ErrUserExists means a registration lost to another registration of
	// the same username with another user handle. HTTP 409.
	ErrUserExists = errors.New("passkey: user already exists")

	// ErrUserDisabled means Cognito has the user disabled. HTTP 403.
	ErrUserDisabled = errors.New("passkey: user disabled")

	// ErrBusy means this client (Config.ClientKey) holds too many pending
	// ceremonies, grants or proofs, or asked for too many mails: it may
	// retry later. Other clients are not affected. HTTP 429.
	ErrBusy = errors.New("passkey: too many requests")

	// ErrProof means an email code or link is wrong, expired, already
	// used, or its code was tried too often (Config.MaxCodeTries). The
	// user asks for a new mail. HTTP 401.
	ErrProof = errors.New("passkey: email code or link wrong, expired or used")

	// ErrOtherBrowser means a magic link was opened in another browser
	// than the one that asked for it. The link still works there, and the
	// code works anywhere. HTTP 401.
	ErrOtherBrowser = errors.New("passkey: magic link opened in another browser")

	// ErrRevoked means a passkey signed in to an account it no longer
	// belongs to: its Cognito user is gone, disabled or was re-created
	// (another sub), or an administrator revoked it. Nothing is created;
	// the user proves the address to get back in. HTTP 401.
	ErrRevoked = errors.New("passkey: passkey revoked")

	// ErrUnavailable means Cognito, the credential store, the state store
	// or the mailer could not answer, or the request was canceled;
	// retrying later may succeed. HTTP 503.
	ErrUnavailable = errors.New("passkey: backend unavailable")

	// ErrInternal means something an operator must look at: Cognito or
	// its triggers do not fit the configuration, or a part failed in a
	// way no retry fixes. HTTP 500.
	ErrInternal = errors.New("passkey: internal error")
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

// publicErrors lists every sentinel of the first group with its answer.
// The RelyingParty makes each error it returns wrap exactly one of them
// (asPublic); anything else would be a 500 "internal".
var publicErrors = []publicError{
	{ErrInvalidRequest, http.StatusBadRequest, "invalid_request", "The request is malformed."},
	{ErrCeremony, http.StatusBadRequest, "ceremony_invalid", "The ceremony expired or was already used. Please try again."},
	{ErrVerification, http.StatusUnauthorized, "verification_failed", "The passkey could not be verified."},
	{ErrUnknownCredential, http.StatusUnauthorized, "unknown_credential", "This passkey is not registered here."},
	{ErrSignCount, http.StatusUnauthorized, "sign_count", "This passkey could not be verified."},
	{ErrStepUpRequired, http.StatusUnauthorized, "step_up_required", "Sign in with a passkey or confirm your email address first, then add a passkey."},
	{ErrNotAuthorized, http.StatusUnauthorized, "not_authorized", "Not authorized. Please sign in again."},
	{ErrWrongPassword, http.StatusUnauthorized, "wrong_password", "Wrong email address or password."},
	{ErrNoPasskeys, http.StatusNotFound, "no_passkeys", "No passkey is registered for this account."},
	{ErrUserExists, http.StatusConflict, "user_exists", "This account exists already."},
	{ErrCredentialExists, http.StatusConflict, "credential_exists", "This passkey is registered already."},
	{ErrUserDisabled, http.StatusForbidden, "user_disabled", "This account is disabled."},
	{ErrBusy, http.StatusTooManyRequests, "busy", "Too many requests. Please try again later."},
	{ErrProof, http.StatusUnauthorized, "proof_invalid", "This code or link is wrong, expired or used. Please ask for a new one."},
	{ErrOtherBrowser, http.StatusUnauthorized, "link_other_browser", "This link works only in the browser you asked for it in. Open it there, or type the code from the mail."},
	{ErrRevoked, http.StatusUnauthorized, "passkey_revoked", "This passkey no longer works for this account. Sign in with your email address."},
	{ErrLastPasskey, http.StatusConflict, "last_passkey", "This is your last passkey, and your email address is not confirmed: deleting it would lock you out."},
	{ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "The service is unavailable. Please try again later."},
	{ErrInternal, http.StatusInternalServerError, "internal", "Something went wrong."},
}

var internalError = publicError{ErrInternal, http.StatusInternalServerError, "internal", "Something went wrong."}

// publicErrorFor returns the fixed answer for err.
func publicErrorFor(err error) publicError {
	for _, pe := range publicErrors {
		if errors.Is(err, pe.sentinel) {
			return pe
		}
	}
	return internalError
}

// wrapsPublic reports whether err wraps a sentinel of publicErrors.
func wrapsPublic(err error) bool {
	for _, pe := range publicErrors {
		if errors.Is(err, pe.sentinel) {
			return true
		}
	}
	return false
}

// asPublic makes sure err wraps one of the sentinels of publicErrors: an
// error that wraps none is ErrInternal, keeping its cause. A nil err stays
// nil.
func asPublic(err error) error {
	if err == nil {
		return nil
	}
	if wrapsPublic(err) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", ErrInternal, err)
}
