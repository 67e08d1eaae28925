package corbado_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/corbado"
)

// wantSessionBody checks that body is exactly the seed's session JSON for
// username, and returns the decoded tokens.
func wantSessionBody(t *testing.T, p *pool, username, body string) map[string]any {
	t.Helper()
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	u, ok := p.srv.User(username)
	require.True(t, ok, "user exists in the pool")
	want := fmt.Sprintf(`{"email":%q,"cognitoUUID":%q,"name":"","expires":%d,"idToken":%q,"refreshToken":%q,"accessToken":%q}`,
		username, u.Sub, int64(got["expires"].(float64)), got["idToken"], got["refreshToken"], got["accessToken"])
	assert.Equal(t, want, body)
	assert.NotEmpty(t, got["idToken"])
	assert.NotEmpty(t, got["refreshToken"])
	assert.InDelta(t, float64(time.Now().Add(time.Hour).Unix()), got["expires"], 120)
	return got
}

func newAuthTokenHandler(t *testing.T, p *pool, fake *fakeCorbado, secret string) (http.Handler, *syncBuffer) {
	t.Helper()
	log, buf := newLogger()
	h, err := corbado.NewAuthTokenHandler(corbado.AuthTokenHandlerConfig{
		Client: newAuthTokenClient(t, fake.URL(), secret),
		Store:  p.store,
		Logger: log,
	})
	require.NoError(t, err)
	return h, buf
}

func get(h http.Handler, method, target string, edit ...func(*http.Request)) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	req.Header.Set("User-Agent", "test-browser/1.0")
	for _, e := range edit {
		e(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestAuthTokenHandler(t *testing.T) {
	p := newPool(t, nil)
	fake := newFakeCorbado(t)
	h, logs := newAuthTokenHandler(t, p, fake, apiSecret)

	t.Run("first login creates the user", func(t *testing.T) {
		fake.addAuthToken("tok-first-login", "usr-1", "alice@example.com")
		rec := get(h, http.MethodGet, "/api/corbado/authTokenValidate?corbadoAuthToken=tok-first-login")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		wantSessionBody(t, p, "alice@example.com", rec.Body.String())
		u, _ := p.srv.User("alice@example.com")
		assert.Equal(t, "true", u.Attributes["custom:createdByCorbado"])
		var sent struct {
			ClientInfo struct{ RemoteAddress, UserAgent string } `json:"clientInfo"`
		}
		require.NoError(t, json.Unmarshal(fake.lastBody.Load().([]byte), &sent))
		assert.Equal(t, "192.0.2.1", sent.ClientInfo.RemoteAddress, "host of RemoteAddr, no port")
		assert.Equal(t, "test-browser/1.0", sent.ClientInfo.UserAgent)
	})

	t.Run("returning legacy user keeps its password", func(t *testing.T) {
		p.addPasswordUser(t, "legacy@example.com", "Legacy-Passw0rd!")
		fake.addAuthToken("tok-legacy", "usr-2", "legacy@example.com")
		rec := get(h, http.MethodGet, "/api/corbado/authTokenValidate?corbadoAuthToken=tok-legacy")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		wantSessionBody(t, p, "legacy@example.com", rec.Body.String())
		ok, err := p.store.VerifyPassword(t.Context(), "legacy@example.com", "Legacy-Passw0rd!")
		require.NoError(t, err)
		assert.True(t, ok)
	})

	p.addPasswordUser(t, "disabled@example.com", "Disabled-Passw0rd!")
	p.disable(t, "disabled@example.com")
	fake.addAuthToken("tok-disabled", "usr-3", "disabled@example.com")
	fake.addAuthToken("tok-replayed", "usr-1", "alice@example.com")
	require.Equal(t, http.StatusOK, get(h, http.MethodGet, "/?corbadoAuthToken=tok-replayed").Code)
	fake.addAuthToken("tok-cognito-down", "usr-1", "alice@example.com")

	tests := []struct {
		name       string
		method     string
		target     string
		setup      func()
		wantStatus int
		wantBody   string
		wantAllow  string
	}{
		{name: "POST", method: http.MethodPost, target: "/?corbadoAuthToken=x", wantStatus: 405, wantBody: `{"message":"method not allowed"}`, wantAllow: "GET"},
		{name: "no token", target: "/", wantStatus: 400, wantBody: `{"message":"missing corbadoAuthToken"}`},
		{name: "unknown token", target: "/?corbadoAuthToken=tok-forged", wantStatus: 401, wantBody: `{"message":"invalid token"}`},
		{name: "replayed token", target: "/?corbadoAuthToken=tok-replayed", wantStatus: 401, wantBody: `{"message":"invalid token"}`},
		{name: "disabled user", target: "/?corbadoAuthToken=tok-disabled", wantStatus: 403, wantBody: `{"message":"user disabled"}`},
		{name: "cognito down", target: "/?corbadoAuthToken=tok-cognito-down", wantStatus: 503, wantBody: `{"message":"service unavailable"}`,
			setup: func() { p.srv.FailNext("", 100, cognitotest.FaultThrottle) }},
		{name: "corbado down", target: "/?corbadoAuthToken=tok-x", wantStatus: 503, wantBody: `{"message":"service unavailable"}`,
			setup: func() {
				fake.setOverride(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusBadGateway) })
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer p.srv.ClearFaults()
			defer fake.setOverride(nil)
			if tt.setup != nil {
				tt.setup()
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			rec := get(h, method, tt.target)
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantBody, rec.Body.String())
			assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Equal(t, tt.wantAllow, rec.Header().Get("Allow"))
			assert.Empty(t, rec.Header().Get("WWW-Authenticate"), "no bearer scheme here")
		})
	}

	t.Run("wrong API secret is the operator's problem", func(t *testing.T) {
		h, logs := newAuthTokenHandler(t, p, fake, "corbado1_wrong")
		rec := get(h, http.MethodGet, "/?corbadoAuthToken=tok-any")
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Equal(t, `{"message":"an error occurred"}`, rec.Body.String())
		assert.Contains(t, logs.String(), "misconfigured")
		assertNoSecrets(t, logs.String(), "corbado1_wrong", "tok-any")
	})

	assertNoSecrets(t, logs.String(), apiSecret, "tok-first-login", "tok-legacy", "tok-forged", "tok-replayed",
		"tok-disabled", "alice@example.com", "legacy@example.com", "Legacy-Passw0rd!")
}

func TestSessionHandler(t *testing.T) {
	p := newPool(t, nil)
	keys := newKeyServer(t, corbadoKey())
	sessions := newSessionValidator(t, keys, func(c *corbado.SessionConfig) { c.Now = nil })
	log, logs := newLogger()
	h, err := corbado.NewSessionHandler(corbado.SessionHandlerConfig{Sessions: sessions, Store: p.store, Logger: log})
	require.NoError(t, err)

	now := time.Now()
	valid := sign(t, sessionClaims("bob@example.com", now))
	noEmail := func() string {
		c := sessionClaims("", now)
		c["orig"] = "+4915112345678"
		return sign(t, c)
	}()
	expired := sign(t, sessionClaims("bob@example.com", now.Add(-time.Hour)))
	cookie := func(name, v string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: v}) }
	}
	bearer := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+v) }
	}

	t.Run("cookie", func(t *testing.T) {
		rec := get(h, http.MethodGet, "/api/corbado/session", cookie(corbado.SessionCookie, valid))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		wantSessionBody(t, p, "bob@example.com", rec.Body.String())
	})
	t.Run("older cookie", func(t *testing.T) {
		rec := get(h, http.MethodPost, "/api/corbado/session", cookie(corbado.LegacySessionCookie, valid))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		wantSessionBody(t, p, "bob@example.com", rec.Body.String())
	})
	t.Run("bearer", func(t *testing.T) {
		rec := get(h, http.MethodGet, "/api/corbado/session", bearer(valid))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		wantSessionBody(t, p, "bob@example.com", rec.Body.String())
	})

	tests := []struct {
		name       string
		method     string
		edit       func(*http.Request)
		setup      func()
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{name: "no token", edit: func(*http.Request) {}, wantStatus: 401, wantBody: `{"message":"invalid token"}`,
			wantHeader: map[string]string{"WWW-Authenticate": "Bearer"}},
		{name: "expired token", edit: cookie(corbado.SessionCookie, expired), wantStatus: 401, wantBody: `{"message":"invalid token"}`,
			wantHeader: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}},
		{name: "garbage bearer", edit: bearer("abc.def.ghi"), wantStatus: 401, wantBody: `{"message":"invalid token"}`},
		{name: "no email address", edit: bearer(noEmail), wantStatus: 403, wantBody: `{"message":"no email address in session"}`},
		{name: "PUT", method: http.MethodPut, edit: bearer(valid), wantStatus: 405, wantBody: `{"message":"method not allowed"}`,
			wantHeader: map[string]string{"Allow": "GET, POST"}},
		{name: "cognito down", edit: bearer(valid), setup: func() { p.srv.FailNext("", 100, cognitotest.FaultInternal) },
			wantStatus: 503, wantBody: `{"message":"service unavailable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer p.srv.ClearFaults()
			if tt.setup != nil {
				tt.setup()
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			rec := get(h, method, "/api/corbado/session", tt.edit)
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantBody, rec.Body.String())
			for k, v := range tt.wantHeader {
				assert.Equal(t, v, rec.Header().Get(k), k)
			}
		})
	}

	t.Run("keys unavailable", func(t *testing.T) {
		down := newKeyServer(t, corbadoKey())
		down.down.Store(true)
		h, err := corbado.NewSessionHandler(corbado.SessionHandlerConfig{Sessions: newSessionValidator(t, down), Store: p.store})
		require.NoError(t, err)
		rec := get(h, http.MethodGet, "/", bearer(valid))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Equal(t, `{"message":"service unavailable"}`, rec.Body.String())
	})
	assertNoSecrets(t, logs.String(), valid, noEmail, expired, "bob@example.com")
}

func TestHandlerConfigs(t *testing.T) {
	_, err := corbado.NewAuthTokenHandler(corbado.AuthTokenHandlerConfig{})
	require.ErrorContains(t, err, "Client is nil")
	require.ErrorContains(t, err, "Store is nil")
	_, err = corbado.NewSessionHandler(corbado.SessionHandlerConfig{})
	require.ErrorContains(t, err, "Sessions is nil")
	require.ErrorContains(t, err, "Store is nil")
}
