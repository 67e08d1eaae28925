package jwks_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

func TestMiddleware(t *testing.T) {
	key, other := keys(t)
	var logs bytes.Buffer
	v := newCognito(t, "id", func(c *jwks.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	protected := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := jwks.ClaimsFromContext(r.Context())
		require.True(t, ok)
		io.WriteString(w, "hello "+claims.Email)
	}))
	good := sign(t, key, idClaims())
	forged := signHeader(t, other, map[string]any{"alg": "RS256", "kid": key.ID}, idClaims())

	tests := []struct {
		name       string
		auth       string
		wantStatus int
		wantBody   string
		wantChall  string
	}{
		{"valid", "Bearer " + good, 200, "hello alice@example.com", ""},
		{"scheme case-insensitive", "bearer " + good, 200, "hello alice@example.com", ""},
		{"no header", "", 401, "unauthorized\n", "Bearer"},
		{"basic auth", "Basic dXNlcjpwYXNz", 401, "unauthorized\n", "Bearer"},
		{"empty bearer", "Bearer ", 401, "unauthorized\n", "Bearer"},
		{"forged", "Bearer " + forged, 401, "unauthorized\n", `Bearer error="invalid_token"`},
		{"garbage", "Bearer x.y.z", 401, "unauthorized\n", `Bearer error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/me", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			protected.ServeHTTP(rec, req)
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantBody, rec.Body.String())
			assert.Equal(t, tt.wantChall, rec.Header().Get("WWW-Authenticate"))
		})
	}
	assert.NotContains(t, logs.String(), forged[:40], "logs never hold the token")
	assert.Contains(t, logs.String(), "signature")
}

func TestMiddlewareUnavailable(t *testing.T) {
	key, _ := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 502) }))
	v := newRemote(t, srv, newClock(fixedNow))
	called := false
	h := v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+sign(t, key, idClaims()))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "service unavailable\n", rec.Body.String())
	assert.False(t, called)
}

func TestClaimsFromContextEmpty(t *testing.T) {
	_, ok := jwks.ClaimsFromContext(context.Background())
	assert.False(t, ok)
}
