package corbado_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// cannedTransport answers every request with one status and body, so the
// fuzzers reach the response parsers without a network.
type cannedTransport struct {
	status int
	body   []byte
}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: c.status, Header: http.Header{}, Request: r,
		Body: io.NopCloser(bytes.NewReader(c.body))}, nil
}

func cannedClient(status uint16, body []byte) *http.Client {
	return &http.Client{Transport: cannedTransport{status: 100 + int(status)%500, body: body}}
}

// checkAPIError fails unless err is an *APIError of a documented kind whose
// text repeats none of secrets.
func checkAPIError(t *testing.T, err error, secrets ...string) {
	t.Helper()
	var apiErr *corbado.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%T %v is not an *APIError", err, err)
	}
	if !errors.Is(err, corbado.ErrInvalidToken) && !errors.Is(err, corbado.ErrUnavailable) && !errors.Is(err, corbado.ErrMisconfigured) {
		t.Fatalf("error of no kind: %v", err)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error text repeats a secret: %v", err)
		}
	}
}

// FuzzAuthTokenResponse feeds arbitrary answers of Corbado's
// /v1/authTokens/validate to AuthTokenClient.Validate: it never panics,
// returns a user only for a 2xx answer naming a user ID and a username,
// and otherwise an *APIError that quotes neither the token nor the API
// secret.
func FuzzAuthTokenResponse(f *testing.F) {
	const token = "auth-token-0123456789abcdefghij"
	for _, seed := range []struct {
		status int
		body   string
	}{
		{200, `{"data":{"userID":"usr-1","userData":"{\"username\":\"alice@example.com\",\"userFullName\":\"Alice\"}","user":{"fullName":"A"}}}`},
		{200, `{"data":{"userID":"usr-1","userData":"{}"}}`},
		{200, `{"data":{"userID":"","userData":"{\"username\":\"a\"}"}}`},
		{200, `{"data":{"userID":"usr-1","userData":{"username":"a"}}}`},
		{200, `not json`}, {204, ``},
		{400, `{"error":{"type":"validation_error","details":"` + token + `"},"requestData":{"requestID":"req-1"},"message":"` + token + `"}`},
		{401, `{}`}, {403, ``}, {404, `{"error":{"type":"not_found"}}`}, {429, ``}, {500, `<html>`}, {302, ``},
	} {
		f.Add(uint16(seed.status-100), []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		c, err := corbado.NewAuthTokenClient(corbado.AuthTokenConfig{ProjectID: projectID, APISecret: apiSecret,
			BaseURL: "https://backendapi.invalid", HTTPClient: cannedClient(status, body), Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		u, err := c.Validate(context.Background(), token, "192.0.2.1", "fuzz")
		if err != nil {
			if u != nil {
				t.Fatal("user with error")
			}
			checkAPIError(t, err, token, apiSecret)
			return
		}
		code := 100 + int(status)%500
		if code < 200 || code > 299 || u.UserID == "" || u.Username == "" {
			t.Fatalf("accepted HTTP %d %q as %+v", code, body, u)
		}
	})
}

// FuzzConnectResponse feeds arbitrary answers of Corbado Connect's
// /v2/passkey/verifySignedData to ConnectVerifier: VerifyAnswer never
// panics, answers true only for a 2xx answer whose verificationResult is
// "success", never true with an error, and its errors quote neither the
// signed passkey data nor the API secret.
func FuzzConnectResponse(f *testing.F) {
	const signed = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c3ItMSJ9.c2lnbmF0dXJlMDEyMzQ1Njc4OQ"
	for _, seed := range []struct {
		status int
		body   string
	}{
		{200, `{"verificationResult":"success"}`}, {200, `{"verificationResult":"user_mismatch"}`},
		{200, `{"verificationResult":"generic_error"}`}, {200, `{"verificationResult":"SUCCESS"}`},
		{200, `{"verificationResult":"success","VerificationResult":"invalid_signature"}`},
		{200, `{"verificationResult":null}`}, {200, `[]`}, {201, `{"verificationResult":"success"}`},
		{400, `{"verificationResult":"success"}`}, {401, ``}, {500, `{"verificationResult":"success"}`},
	} {
		f.Add(uint16(seed.status-100), []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		v, err := corbado.NewConnectVerifier(corbado.ConnectConfig{ProjectID: projectID, APISecret: apiSecret,
			BaseURL: "https://backendapi.invalid", HTTPClient: cannedClient(status, body), Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ok, err := v.VerifyAnswer(context.Background(), challenge.VerifyInput{Username: "alice@example.com", Answer: signed})
		if err != nil {
			if ok {
				t.Fatal("true with an error")
			}
			checkAPIError(t, err, signed, apiSecret)
			return
		}
		if !ok {
			return
		}
		var resp struct {
			VerificationResult string `json:"verificationResult"`
		}
		code := 100 + int(status)%500
		if code < 200 || code > 299 || json.Unmarshal(body, &resp) != nil || resp.VerificationResult != "success" {
			t.Fatalf("HTTP %d %q verified the answer", code, body)
		}
	})
}

// FuzzSessionRequest feeds arbitrary Authorization and Cookie headers to
// SessionValidator.FromRequest with static keys: it never panics, accepts
// only the one valid session token, and otherwise answers ErrNoToken or
// ErrInvalidToken (static keys are never unavailable).
func FuzzSessionRequest(f *testing.F) {
	key := corbadoKey()
	issuer := "https://" + projectID + ".frontendapi.cloud.corbado.io"
	valid, err := key.Sign(map[string]any{"iss": issuer, "sub": "usr-1", "email": "alice@example.com", "orig": "alice@example.com",
		"name": "Alice", "exp": time.Now().Add(24 * time.Hour).Unix(), "iat": time.Now().Unix()})
	if err != nil {
		f.Fatal(err)
	}
	v, err := corbado.NewSessionValidator(corbado.SessionConfig{ProjectID: projectID, Keys: jwkstest.JWKS(key)})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][2]string{
		{"Bearer " + valid, ""}, {"", corbado.SessionCookie + "=" + valid}, {"", corbado.LegacySessionCookie + "=" + valid},
		{"bearer   " + valid + "  ", ""}, {"Basic " + valid, corbado.SessionCookie + "=x"}, {"Bearer", ""},
		{"", corbado.SessionCookie + "=; " + corbado.LegacySessionCookie + "=" + valid}, {"", "a=b; c"},
		{"Bearer " + valid + "x", ""}, {"", corbado.SessionCookie + "=\"" + valid + "\""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, authorization, cookie string) {
		r, _ := http.NewRequest(http.MethodGet, "http://app.example/", nil)
		r.Header.Set("Authorization", authorization)
		r.Header.Set("Cookie", cookie)
		u, err := v.FromRequest(r)
		if err != nil {
			if u != nil {
				t.Fatal("user with error")
			}
			if !errors.Is(err, corbado.ErrNoToken) && !errors.Is(err, corbado.ErrInvalidToken) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if tok, _ := corbado.SessionToken(r); tok != valid {
			t.Fatalf("accepted %q", tok)
		}
		if u.UserID != "usr-1" || u.Email != "alice@example.com" {
			t.Fatalf("user %+v", u)
		}
	})
}
