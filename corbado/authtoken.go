package corbado

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// AuthTokenConfig configures an AuthTokenClient for Corbado's v1 auth
// tokens (the corbadoAuthToken the v1 web component hands the browser
// after a passkey login).
type AuthTokenConfig struct {
	// ProjectID is the Corbado project ("pro-…"). Required.
	ProjectID string
	// APISecret is the project's API secret ("corbado1_…"). Required. It is
	// sent only as the password of HTTP Basic auth and never appears in an
	// error or log line.
	APISecret string
	// BaseURL is the Backend API. Default DefaultBackendAPI; tests point it
	// at a stand-in.
	BaseURL string
	// HTTPClient makes the calls. Default http.DefaultClient.
	HTTPClient *http.Client
	// Timeout bounds one call when the caller's context allows longer.
	// Default 10s.
	Timeout time.Duration
}

// AuthTokenClient validates Corbado v1 auth tokens with
// POST {BaseURL}/v1/authTokens/validate. It is safe for concurrent use.
type AuthTokenClient struct {
	api *backend
}

// AuthTokenUser is the user an auth token stands for.
type AuthTokenUser struct {
	// UserID is Corbado's user ID ("usr-…").
	UserID string
	// Username is userData.username: the login identifier, in the seed the
	// email address, which is the Cognito username.
	Username string
	// FullName is userData.userFullName, or else user.fullName; may be "".
	FullName string
}

// NewAuthTokenClient checks cfg and returns a client built on a copy of it.
func NewAuthTokenClient(cfg AuthTokenConfig) (*AuthTokenClient, error) {
	api, err := newBackend("auth token", cfg.BaseURL, DefaultBackendAPI, cfg.ProjectID, cfg.APISecret, cfg.HTTPClient, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	return &AuthTokenClient{api: api}, nil
}

// The request and response of /v1/authTokens/validate, as in Corbado's
// OpenAPI (corbado-go pkg/generated/api: AuthTokenValidateReq{token,
// clientInfo{remoteAddress, userAgent}, requestID?} and
// AuthTokenValidateRsp{data{userID, userData, user}, httpStatusCode,
// message, requestData, runtime}).
type authTokenRequest struct {
	Token      string     `json:"token"`
	ClientInfo clientInfo `json:"clientInfo"`
}

type clientInfo struct {
	RemoteAddress string `json:"remoteAddress"`
	UserAgent     string `json:"userAgent"`
}

type authTokenResponse struct {
	Data struct {
		UserID   string `json:"userID"`
		UserData string `json:"userData"`
		User     struct {
			FullName string `json:"fullName"`
		} `json:"user"`
	} `json:"data"`
}

// userData is the JSON document Corbado carries as a string in
// data.userData; the seed read its username.
type userData struct {
	Username     string `json:"username"`
	UserFullName string `json:"userFullName"`
}

// MaxAuthTokenSize bounds the tokens Validate sends to Corbado; real ones
// are a few dozen characters.
const MaxAuthTokenSize = 1 << 10

const opValidateAuthToken = "validate auth token"

// Validate asks Corbado whether token is a valid auth token and returns its
// user. remoteAddr and userAgent describe the browser that presented the
// token (Corbado records them). Corbado accepts each token once, within
// minutes of the login.
//
// A token Corbado refuses (HTTP 4xx other than 401/403) or an empty or
// oversized token fails with ErrInvalidToken; 401/403, and an answer whose
// userData holds no username, with ErrMisconfigured; network failures, 429,
// 5xx and undecodable answers with ErrUnavailable. Errors are *APIError
// values and never contain the token or the API secret.
func (c *AuthTokenClient) Validate(ctx context.Context, token, remoteAddr, userAgent string) (*AuthTokenUser, error) {
	if token == "" || len(token) > MaxAuthTokenSize {
		return nil, &APIError{Op: opValidateAuthToken, Kind: ErrInvalidToken,
			Err: errors.New("corbado: auth token empty or longer than 1 KiB")}
	}
	var resp authTokenResponse
	err := c.api.post(ctx, opValidateAuthToken, "/v1/authTokens/validate", authTokenRequest{
		Token:      token,
		ClientInfo: clientInfo{RemoteAddress: remoteAddr, UserAgent: userAgent},
	}, &resp)
	if err != nil {
		return nil, err
	}
	var ud userData
	if err := json.Unmarshal([]byte(resp.Data.UserData), &ud); err != nil || resp.Data.UserID == "" {
		return nil, &APIError{Op: opValidateAuthToken, StatusCode: http.StatusOK, Kind: ErrUnavailable, Err: errMalformedResponse}
	}
	if ud.Username == "" {
		// The project hands out identities this bridge cannot map to a
		// Cognito username (a phone-number login, say): an operator's job.
		return nil, &APIError{Op: opValidateAuthToken, StatusCode: http.StatusOK, Kind: ErrMisconfigured,
			Err: errors.New("corbado: auth token carries no username")}
	}
	name := ud.UserFullName
	if name == "" {
		name = resp.Data.User.FullName
	}
	return &AuthTokenUser{UserID: resp.Data.UserID, Username: ud.Username, FullName: name}, nil
}
