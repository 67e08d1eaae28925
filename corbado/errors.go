package corbado

import (
	"errors"
	"strconv"
	"strings"
)

// The sentinels callers act on. Every error this package returns wraps at
// most one of them; errors.Is also still finds context.Canceled and
// context.DeadlineExceeded, and, for session tokens, the jwks sentinels.
var (
	// ErrInvalidToken means Corbado, or the token's signature and claims,
	// rejected the token: a v1 auth token that is unknown, expired or used
	// already, or a v2 session token that does not verify. Answer 401.
	ErrInvalidToken = errors.New("corbado: invalid token")

	// ErrNoToken means the request carries no session token at all: no
	// cbo_session_token or cbo_short_session cookie and no bearer token.
	// Answer 401.
	ErrNoToken = errors.New("corbado: no session token in request")

	// ErrUnavailable means Corbado could not answer: a network failure, a
	// timeout, HTTP 429 or 5xx, a body that is not what the API documents,
	// or session-token keys that cannot be loaded. Retrying later may help.
	// Answer 503.
	ErrUnavailable = errors.New("corbado: corbado unavailable")

	// ErrMisconfigured means Corbado refused the credentials (HTTP 401 or
	// 403: a wrong project ID or API secret, an API key without the needed
	// permission). Retrying does not help; an operator must.
	ErrMisconfigured = errors.New("corbado: misconfigured")
)

// APIError describes a failed call to Corbado's Backend API. It keeps only
// what is safe to log: the operation, the HTTP status and Corbado's error
// type and request ID (both reduced to a safe alphabet), never the request,
// the API secret, the token or Corbado's free-text message, which may
// quote the input.
type APIError struct {
	// Op is the call: "validate auth token" or "verify signed passkey data".
	Op string
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int
	// Type is Corbado's error.type ("validation_error", "not_found", …),
	// "" when the body had none.
	Type string
	// RequestID is Corbado's requestData.requestID, for Corbado's support.
	RequestID string
	// Kind is ErrInvalidToken, ErrUnavailable or ErrMisconfigured.
	Kind error
	// Err is the underlying failure (a transport error, a context error),
	// or nil.
	Err error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("corbado: ")
	b.WriteString(e.Op)
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "corbado: "))
	}
	if e.StatusCode != 0 {
		b.WriteString(": HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
	}
	if e.Type != "" {
		b.WriteString(" (")
		b.WriteString(e.Type)
		b.WriteString(")")
	}
	if e.RequestID != "" {
		b.WriteString(", request ")
		b.WriteString(e.RequestID)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause, so errors.Is sees both.
func (e *APIError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// tokenError is a rejected session token: it matches ErrInvalidToken (and
// ErrUnavailable when the keys could not be loaded, which is not a
// rejection) and keeps the jwks error for errors.Is / errors.As. The jwks
// error texts never quote the token.
type tokenError struct {
	kind  error
	cause error
}

func (e *tokenError) Error() string {
	if e.cause == nil {
		return e.kind.Error()
	}
	return e.kind.Error() + ": " + e.cause.Error()
}

func (e *tokenError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// safeIdent keeps the characters of Corbado's error types and request IDs
// ([A-Za-z0-9_.:-]) and at most 64 of them, so that a hostile or broken
// response cannot smuggle arbitrary text into logs.
func safeIdent(s string) string {
	const maxLen = 64
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= maxLen {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '_', r == '-', r == '.', r == ':':
			b.WriteRune(r)
		}
	}
	return b.String()
}
