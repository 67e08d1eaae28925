package corbado

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/passkeybridge/bridge/challenge"
)

// ConnectResult is Corbado Connect's verificationResult for a
// signedPasskeyData (Backend API v2, POST /v2/passkey/verifySignedData).
type ConnectResult string

// The results Corbado documents.
const (
	ConnectSuccess          ConnectResult = "success"
	ConnectInvalidSignature ConnectResult = "invalid_signature"
	ConnectInvalidChallenge ConnectResult = "invalid_challenge"
	ConnectUserMismatch     ConnectResult = "user_mismatch"
	ConnectGenericError     ConnectResult = "generic_error"
)

// ConnectConfig configures a ConnectVerifier.
type ConnectConfig struct {
	// ProjectID is the Corbado project ("pro-…"). Required.
	ProjectID string
	// APISecret is an API secret with the passkeys:verify permission.
	// Required; sent only as the HTTP Basic password.
	APISecret string
	// BaseURL is the Backend API host; the call goes to
	// BaseURL + "/v2/passkey/verifySignedData". Default
	// DefaultConnectBackendAPI.
	BaseURL string
	// HTTPClient makes the calls. Default http.DefaultClient.
	HTTPClient *http.Client
	// Timeout bounds one call when the caller's context allows longer.
	// Default 10s; keep it below the Lambda's own timeout.
	Timeout time.Duration
	// UserAttribute names where the identifier Corbado knows the user by
	// comes from: "" for the Cognito username (VerifyInput.Username),
	// otherwise a user attribute such as "sub" or "email" (taken from
	// VerifyInput.UserAttributes). It is sent as verifySignedData's
	// username, which Corbado compares with the user who logged in.
	UserAttribute string
}

// ConnectVerifier verifies Corbado Connect's signedPasskeyData: the
// short-lived, single-use JWT the Connect login returns. Corbado's
// documentation says a backend must not trust the JWT by decoding it; it
// must ask the Backend API, which is what Verify does. As a
// challenge.Verifier, the signedPasskeyData is the answer to Cognito's
// custom challenge, so the Lambda trusts Corbado, not the backend. It is
// safe for concurrent use.
type ConnectVerifier struct {
	api  *backend
	attr string
}

var _ challenge.Verifier = (*ConnectVerifier)(nil)

// NewConnectVerifier checks cfg and returns a verifier built on a copy.
func NewConnectVerifier(cfg ConnectConfig) (*ConnectVerifier, error) {
	api, err := newBackend("connect", cfg.BaseURL, DefaultConnectBackendAPI, cfg.ProjectID, cfg.APISecret, cfg.HTTPClient, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	return &ConnectVerifier{api: api, attr: cfg.UserAttribute}, nil
}

type verifySignedDataRequest struct {
	SignedPasskeyData string `json:"signedPasskeyData"`
	Username          string `json:"username"`
}

type verifySignedDataResponse struct {
	VerificationResult ConnectResult `json:"verificationResult"`
}

const opVerifySignedData = "verify signed passkey data"

// maxSignedDataSize bounds what is sent to Corbado: the documented token
// is under 1 KiB.
const maxSignedDataSize = 16 << 10

// Verify asks Corbado whether signedPasskeyData proves a passkey login of
// username, and returns Corbado's verdict. Input that cannot be a
// signedPasskeyData (empty, over 16 KiB, not three base64url parts) is
// ConnectInvalidSignature without a call. Errors are *APIError values:
// ErrInvalidToken when Corbado refused the request itself (HTTP 4xx other
// than 401/403), ErrMisconfigured for 401/403, ErrUnavailable for network
// failures, 429, 5xx and answers that are not the documented shape.
func (c *ConnectVerifier) Verify(ctx context.Context, signedPasskeyData, username string) (ConnectResult, error) {
	if !looksLikeJWT(signedPasskeyData) {
		return ConnectInvalidSignature, nil
	}
	var resp verifySignedDataResponse
	err := c.api.post(ctx, opVerifySignedData, "/v2/passkey/verifySignedData",
		verifySignedDataRequest{SignedPasskeyData: signedPasskeyData, Username: username}, &resp)
	if err != nil {
		return "", err
	}
	switch resp.VerificationResult {
	case ConnectSuccess, ConnectInvalidSignature, ConnectInvalidChallenge, ConnectUserMismatch, ConnectGenericError:
		return resp.VerificationResult, nil
	default:
		return "", &APIError{Op: opVerifySignedData, StatusCode: http.StatusOK, Kind: ErrUnavailable,
			Err: fmt.Errorf("%w: verificationResult %q", errMalformedResponse, safeIdent(string(resp.VerificationResult)))}
	}
}

// VerifyAnswer treats in.Answer as a signedPasskeyData of the user being
// signed in (see ConnectConfig.UserAttribute). It returns true only for
// ConnectSuccess; false for the other documented failures and for requests
// Corbado refuses as malformed; an error, never true, when Corbado cannot
// decide: generic_error, an outage, refused credentials.
func (c *ConnectVerifier) VerifyAnswer(ctx context.Context, in challenge.VerifyInput) (bool, error) {
	if in.UserNotFound || in.Answer == "" {
		return false, nil
	}
	username := in.Username
	if c.attr != "" {
		username = in.UserAttributes[c.attr]
	}
	if username == "" {
		return false, nil
	}
	result, err := c.Verify(ctx, in.Answer, username)
	switch {
	case errors.Is(err, ErrInvalidToken):
		return false, nil
	case err != nil:
		return false, err
	}
	switch result {
	case ConnectSuccess:
		return true, nil
	case ConnectGenericError:
		return false, &APIError{Op: opVerifySignedData, StatusCode: http.StatusOK, Kind: ErrUnavailable,
			Err: errors.New("corbado: verificationResult generic_error")}
	default:
		return false, nil
	}
}

// looksLikeJWT reports whether s has the shape of a compact JWS: three
// non-empty base64url parts, within the size bound.
func looksLikeJWT(s string) bool {
	if s == "" || len(s) > maxSignedDataSize {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			b := p[i]
			if (b < 'A' || b > 'Z') && (b < 'a' || b > 'z') && (b < '0' || b > '9') && b != '-' && b != '_' {
				return false
			}
		}
	}
	return true
}
