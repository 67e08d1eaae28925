package corbado_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/corbado"
)

func newAuthTokenClient(t *testing.T, baseURL string, secret string) *corbado.AuthTokenClient {
	t.Helper()
	c, err := corbado.NewAuthTokenClient(corbado.AuthTokenConfig{
		ProjectID: projectID, APISecret: secret, BaseURL: baseURL, Timeout: 2 * time.Second,
	})
	require.NoError(t, err)
	return c
}

func TestAuthTokenValidateRequest(t *testing.T) {
	fake := newFakeCorbado(t)
	fake.addAuthToken("tok-valid-1", "usr-42", "alice@example.com")
	c := newAuthTokenClient(t, fake.URL(), apiSecret)

	user, err := c.Validate(context.Background(), "tok-valid-1", "203.0.113.7", "Mozilla/5.0 test")
	require.NoError(t, err)
	assert.Equal(t, &corbado.AuthTokenUser{UserID: "usr-42", Username: "alice@example.com", FullName: "Test User"}, user)

	// Exactly the documented request body, Basic projectID:apiSecret.
	assert.JSONEq(t, `{"token":"tok-valid-1","clientInfo":{"remoteAddress":"203.0.113.7","userAgent":"Mozilla/5.0 test"}}`,
		string(fake.lastBody.Load().([]byte)))
	hdr := fake.lastHdr.Load().(http.Header)
	assert.Equal(t, "application/json", hdr.Get("Content-Type"))
	assert.Equal(t, projectID, hdr.Get("X-Corbado-ProjectID"))
	assert.True(t, strings.HasPrefix(hdr.Get("Authorization"), "Basic "))

	// Corbado accepts a token once.
	_, err = c.Validate(context.Background(), "tok-valid-1", "203.0.113.7", "ua")
	require.ErrorIs(t, err, corbado.ErrInvalidToken)
}

func TestAuthTokenValidateErrors(t *testing.T) {
	const token = "tok-secret-value-777"
	respond := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	okEnvelope := func(userData string) string {
		b, _ := json.Marshal(map[string]any{"data": map[string]any{"userID": "usr-1", "userData": userData}})
		return string(b)
	}
	tests := []struct {
		name       string
		handler    http.HandlerFunc // nil: the fake's own behaviour
		secret     string
		token      string
		wantKind   error
		wantStatus int
		wantType   string
	}{
		{name: "unknown token", token: token, wantKind: corbado.ErrInvalidToken, wantStatus: 400, wantType: "validation_error"},
		{name: "empty token", token: "", wantKind: corbado.ErrInvalidToken},
		{name: "oversized token", token: strings.Repeat("t", corbado.MaxAuthTokenSize+1), wantKind: corbado.ErrInvalidToken},
		{name: "wrong API secret", token: token, secret: "corbado1_wrong", wantKind: corbado.ErrMisconfigured, wantStatus: 401, wantType: "authentication_error"},
		{name: "forbidden", token: token, handler: respond(403, `{"error":{"type":"permission_denied"}}`), wantKind: corbado.ErrMisconfigured, wantStatus: 403},
		{name: "rate limited", token: token, handler: respond(429, `{}`), wantKind: corbado.ErrUnavailable, wantStatus: 429},
		{name: "server error", token: token, handler: respond(502, `<html>bad gateway</html>`), wantKind: corbado.ErrUnavailable, wantStatus: 502},
		{name: "not JSON", token: token, handler: respond(200, `<html>`), wantKind: corbado.ErrUnavailable, wantStatus: 200},
		{name: "userData not JSON", token: token, handler: respond(200, okEnvelope("not json")), wantKind: corbado.ErrUnavailable, wantStatus: 200},
		{name: "no userID", token: token, handler: respond(200, `{"data":{"userData":"{\"username\":\"a@b.c\"}"}}`), wantKind: corbado.ErrUnavailable, wantStatus: 200},
		{name: "no username", token: token, handler: respond(200, okEnvelope(`{"phone":"+49"}`)), wantKind: corbado.ErrMisconfigured, wantStatus: 200},
		{name: "huge body", token: token, handler: respond(200, `{"data":"`+strings.Repeat("x", 100<<10)+`"}`), wantKind: corbado.ErrUnavailable, wantStatus: 200},
		{name: "hostile error type", token: token, handler: respond(400, `{"error":{"type":"bad\ntype\u001b[31m `+strings.Repeat("y", 100)+`"},"requestData":{"requestID":"<script>"}}`),
			wantKind: corbado.ErrInvalidToken, wantStatus: 400, wantType: "badtype31m" + strings.Repeat("y", 54)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeCorbado(t)
			if tt.handler != nil {
				fake.setOverride(tt.handler)
			}
			secret := apiSecret
			if tt.secret != "" {
				secret = tt.secret
			}
			c := newAuthTokenClient(t, fake.URL(), secret)
			user, err := c.Validate(context.Background(), tt.token, "198.51.100.1", "ua")
			require.Error(t, err)
			assert.Nil(t, user)
			assert.ErrorIs(t, err, tt.wantKind)
			var apiErr *corbado.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.wantStatus, apiErr.StatusCode)
			if tt.wantType != "" {
				assert.Equal(t, tt.wantType, apiErr.Type)
			}
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "corbado: validate auth token: "), msg)
			assertNoSecrets(t, msg, token, apiSecret, "leaky", "details may quote", "\n", "<script>")
		})
	}
}

func TestAuthTokenValidateTransport(t *testing.T) {
	fake := newFakeCorbado(t)
	url := fake.URL()
	fake.srv.Close() // nothing listens there any more
	c := newAuthTokenClient(t, url, apiSecret)
	_, err := c.Validate(context.Background(), "tok", "ip", "ua")
	require.ErrorIs(t, err, corbado.ErrUnavailable)
	assertNoSecrets(t, err.Error(), apiSecret, "tok\"")

	t.Run("caller gives up", func(t *testing.T) {
		fake := newFakeCorbado(t)
		block := make(chan struct{})
		defer close(block)
		arrived := make(chan struct{}, 1)
		fake.setOverride(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			select {
			case <-block:
			case <-r.Context().Done():
			}
		})
		c := newAuthTokenClient(t, fake.URL(), apiSecret)
		ctx, cancel := context.WithCancel(context.Background())
		// The caller gives up while Corbado is thinking.
		go func() { <-arrived; cancel() }()
		_, err := c.Validate(ctx, "tok", "ip", "ua")
		require.ErrorIs(t, err, context.Canceled)
		assert.False(t, errors.Is(err, corbado.ErrUnavailable), "the caller gave up: no statement about Corbado")
	})

	t.Run("timeout", func(t *testing.T) {
		fake := newFakeCorbado(t)
		block := make(chan struct{})
		defer close(block)
		fake.setOverride(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		})
		c, err := corbado.NewAuthTokenClient(corbado.AuthTokenConfig{
			ProjectID: projectID, APISecret: apiSecret, BaseURL: fake.URL(), Timeout: 30 * time.Millisecond,
		})
		require.NoError(t, err)
		_, err = c.Validate(context.Background(), "tok", "ip", "ua")
		require.ErrorIs(t, err, corbado.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestAuthTokenConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     corbado.AuthTokenConfig
		wantErr string
	}{
		{"defaults", corbado.AuthTokenConfig{ProjectID: projectID, APISecret: apiSecret}, ""},
		{"no project", corbado.AuthTokenConfig{APISecret: apiSecret}, "ProjectID is empty"},
		{"bad project", corbado.AuthTokenConfig{ProjectID: "pro-1.evil.com", APISecret: apiSecret}, "ProjectID does not look like"},
		{"no secret", corbado.AuthTokenConfig{ProjectID: projectID}, "APISecret is empty"},
		{"relative URL", corbado.AuthTokenConfig{ProjectID: projectID, APISecret: apiSecret, BaseURL: "backendapi.corbado.io"}, "BaseURL must be"},
		{"credentials in URL", corbado.AuthTokenConfig{ProjectID: projectID, APISecret: apiSecret, BaseURL: "https://u:p@example.com"}, "must not carry credentials"},
		{"negative timeout", corbado.AuthTokenConfig{ProjectID: projectID, APISecret: apiSecret, Timeout: -1}, "Timeout must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := corbado.NewAuthTokenClient(tt.cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			assertNoSecrets(t, err.Error(), apiSecret)
		})
	}
}
