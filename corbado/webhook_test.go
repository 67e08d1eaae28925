package corbado_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/corbado"
)

const (
	hookUser = "corbado-webhook"
	hookPass = "#73KojdPn,f4XksW_]^N"
)

// fakeDirectory is an in-memory UserDirectory.
type fakeDirectory struct {
	mu        sync.Mutex
	statuses  map[string]corbado.UserStatus
	passwords map[string]string
	fail      error // returned by every call when set
}

func newFakeDirectory() *fakeDirectory {
	return &fakeDirectory{
		statuses: map[string]corbado.UserStatus{
			"alice@example.com":   corbado.StatusExists,
			"blocked@example.com": corbado.StatusBlocked,
			"weird@example.com":   "maybe",
		},
		passwords: map[string]string{"alice@example.com": "correct horse"},
	}
}

func (d *fakeDirectory) UserStatus(_ context.Context, username string) (corbado.UserStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		return "", d.fail
	}
	if s, ok := d.statuses[username]; ok {
		return s, nil
	}
	return corbado.StatusNotExists, nil
}

func (d *fakeDirectory) VerifyPassword(_ context.Context, username, password string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		// A careless directory that quotes its input.
		return false, errors.New("directory down while checking " + password)
	}
	return d.passwords[username] == password, nil
}

func newWebhook(t testing.TB, dir corbado.UserDirectory, maxBody int64) (http.Handler, *syncBuffer) {
	t.Helper()
	log, buf := newLogger()
	h, err := corbado.NewWebhookHandler(corbado.WebhookConfig{
		Username: hookUser, Password: hookPass, Users: dir, Logger: log, MaxBodyBytes: maxBody,
	})
	require.NoError(t, err)
	return h, buf
}

type webhookCall struct {
	method string
	action string // X-Corbado-Action; "-" sends none
	body   string
	user   string // Basic auth; "-" sends none
	pass   string
}

func (c webhookCall) do(h http.Handler) *httptest.ResponseRecorder {
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req := httptest.NewRequest(method, "/api/corbado/webhook", strings.NewReader(c.body))
	req.Header.Set("Content-Type", "application/json")
	if c.action != "-" {
		req.Header.Set("X-Corbado-Action", c.action)
	}
	if c.user != "-" {
		user, pass := c.user, c.pass
		if user == "" && pass == "" {
			user, pass = hookUser, hookPass
		}
		req.SetBasicAuth(user, pass)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const (
	authMethodsBody    = `{"id":"who-1234567890","projectID":"pro-1234567890","action":"authMethods","data":{"username":"%s"}}`
	passwordVerifyBody = `{"id":"who-1234567890","projectID":"pro-1234567890","action":"passwordVerify","data":{"username":"%s","password":"%s"}}`
)

func authMethods(user string) string { return strings.Replace(authMethodsBody, "%s", user, 1) }
func passwordVerify(user, pw string) string {
	return strings.Replace(strings.Replace(passwordVerifyBody, "%s", user, 1), "%s", pw, 1)
}

func TestWebhook(t *testing.T) {
	tests := []struct {
		name       string
		call       webhookCall
		wantStatus int
		wantBody   string // exact
		wantHeader map[string]string
	}{
		{
			name:       "authMethods exists",
			call:       webhookCall{action: "authMethods", body: authMethods("alice@example.com")},
			wantStatus: 200, wantBody: `{"responseID":"","data":{"status":"exists"}}`,
			wantHeader: map[string]string{"Content-Type": "application/json; charset=utf-8"},
		},
		{
			name:       "authMethods not_exists",
			call:       webhookCall{action: "authMethods", body: authMethods("nobody@example.com")},
			wantStatus: 200, wantBody: `{"responseID":"","data":{"status":"not_exists"}}`,
		},
		{
			name:       "authMethods blocked",
			call:       webhookCall{action: "authMethods", body: authMethods("blocked@example.com")},
			wantStatus: 200, wantBody: `{"responseID":"","data":{"status":"blocked"}}`,
		},
		{
			name:       "passwordVerify right",
			call:       webhookCall{action: "passwordVerify", body: passwordVerify("alice@example.com", "correct horse")},
			wantStatus: 200, wantBody: `{"responseID":"","data":{"success":true}}`,
			wantHeader: map[string]string{"Content-Type": "application/json; charset=utf-8"},
		},
		{
			name:       "passwordVerify wrong",
			call:       webhookCall{action: "passwordVerify", body: passwordVerify("alice@example.com", "battery staple")},
			wantStatus: 200, wantBody: `{"responseID":"","data":{"success":false}}`,
		},
		{
			name:       "passwordVerify unknown user",
			call:       webhookCall{action: "passwordVerify", body: passwordVerify("nobody@example.com", "x")},
			wantStatus: 200, wantBody: `{"responseID":"","data":{"success":false}}`,
		},
		{
			name: "unknown fields tolerated (old senders add requestID)",
			call: webhookCall{action: "authMethods",
				body: `{"id":"who-1","projectID":"pro-1","requestID":"req-9","action":"authMethods","data":{"username":"alice@example.com","extra":1},"more":[1,2]}`},
			wantStatus: 200, wantBody: `{"responseID":"","data":{"status":"exists"}}`,
		},
		{
			name:       "id and projectID optional",
			call:       webhookCall{action: "authMethods", body: `{"action":"authMethods","data":{"username":"alice@example.com"}}`},
			wantStatus: 200, wantBody: `{"responseID":"","data":{"status":"exists"}}`,
		},
		{
			name:       "GET",
			call:       webhookCall{method: http.MethodGet, action: "authMethods"},
			wantStatus: 405, wantBody: "method not allowed\n",
			wantHeader: map[string]string{"Allow": "POST"},
		},
		{
			name:       "PUT without credentials is still 405",
			call:       webhookCall{method: http.MethodPut, action: "authMethods", user: "-"},
			wantStatus: 405, wantBody: "method not allowed\n",
			wantHeader: map[string]string{"Allow": "POST"},
		},
		{
			name:       "no credentials",
			call:       webhookCall{action: "authMethods", body: authMethods("alice@example.com"), user: "-"},
			wantStatus: 401, wantBody: "unauthorized\n",
			wantHeader: map[string]string{"WWW-Authenticate": `Basic realm="restricted", charset="UTF-8"`},
		},
		{
			name:       "wrong password",
			call:       webhookCall{action: "authMethods", body: authMethods("alice@example.com"), user: hookUser, pass: hookPass + "x"},
			wantStatus: 401, wantBody: "unauthorized\n",
			wantHeader: map[string]string{"WWW-Authenticate": `Basic realm="restricted", charset="UTF-8"`},
		},
		{
			name:       "wrong username",
			call:       webhookCall{action: "authMethods", body: authMethods("alice@example.com"), user: "corbado", pass: hookPass},
			wantStatus: 401, wantBody: "unauthorized\n",
		},
		{
			name:       "swapped fields",
			call:       webhookCall{action: "authMethods", body: authMethods("alice@example.com"), user: hookPass, pass: hookUser},
			wantStatus: 401, wantBody: "unauthorized\n",
		},
		{
			name:       "missing action header",
			call:       webhookCall{action: "-", body: authMethods("alice@example.com")},
			wantStatus: 400, wantBody: "bad request: missing X-Corbado-Action header\n",
		},
		{
			name:       "unknown action",
			call:       webhookCall{action: "userDelete", body: `{"action":"userDelete","data":{"username":"a"}}`},
			wantStatus: 400, wantBody: "bad request: unknown action in X-Corbado-Action header\n",
		},
		{
			name:       "action header and body disagree",
			call:       webhookCall{action: "passwordVerify", body: authMethods("alice@example.com")},
			wantStatus: 400, wantBody: "bad request: body action differs from X-Corbado-Action header\n",
		},
		{
			name:       "body without action",
			call:       webhookCall{action: "authMethods", body: `{"data":{"username":"alice@example.com"}}`},
			wantStatus: 400, wantBody: "bad request: body action differs from X-Corbado-Action header\n",
		},
		{
			name:       "malformed JSON",
			call:       webhookCall{action: "authMethods", body: `{"action":"authMethods",`},
			wantStatus: 400, wantBody: "bad request: body is not a valid webhook JSON object\n",
		},
		{
			name:       "trailing data",
			call:       webhookCall{action: "authMethods", body: authMethods("alice@example.com") + `{}`},
			wantStatus: 400, wantBody: "bad request: body is not a valid webhook JSON object\n",
		},
		{
			name:       "array body",
			call:       webhookCall{action: "authMethods", body: `[]`},
			wantStatus: 400, wantBody: "bad request: body is not a valid webhook JSON object\n",
		},
		{
			name:       "username of the wrong type",
			call:       webhookCall{action: "authMethods", body: `{"action":"authMethods","data":{"username":42}}`},
			wantStatus: 400, wantBody: "bad request: body is not a valid webhook JSON object\n",
		},
		{
			name:       "empty body",
			call:       webhookCall{action: "authMethods", body: ""},
			wantStatus: 400, wantBody: "bad request: empty body\n",
		},
		{
			name:       "missing username",
			call:       webhookCall{action: "authMethods", body: `{"action":"authMethods","data":{}}`},
			wantStatus: 400, wantBody: "bad request: missing data.username\n",
		},
		{
			name:       "missing data",
			call:       webhookCall{action: "authMethods", body: `{"action":"authMethods"}`},
			wantStatus: 400, wantBody: "bad request: missing data.username\n",
		},
		{
			name:       "passwordVerify without password",
			call:       webhookCall{action: "passwordVerify", body: `{"action":"passwordVerify","data":{"username":"alice@example.com"}}`},
			wantStatus: 400, wantBody: "bad request: missing data.password\n",
		},
		{
			name:       "passwordVerify with empty password",
			call:       webhookCall{action: "passwordVerify", body: passwordVerify("alice@example.com", "")},
			wantStatus: 400, wantBody: "bad request: missing data.password\n",
		},
		{
			name:       "body over the cap",
			call:       webhookCall{action: "authMethods", body: authMethods(strings.Repeat("a", 2000) + "@example.com")},
			wantStatus: 413, wantBody: "request body too large\n",
		},
		{
			name:       "directory answers an unknown status",
			call:       webhookCall{action: "authMethods", body: authMethods("weird@example.com")},
			wantStatus: 500, wantBody: "internal server error\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, logs := newWebhook(t, newFakeDirectory(), 1024)
			rec := tt.call.do(h)
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantBody, rec.Body.String())
			for k, v := range tt.wantHeader {
				assert.Equal(t, v, rec.Header().Get(k), k)
			}
			if tt.wantStatus != http.StatusUnauthorized {
				assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
			}
			assertNoSecrets(t, logs.String(), hookPass, "correct horse", "battery staple", "alice@example.com")
		})
	}
}

func TestWebhookDirectoryFailure(t *testing.T) {
	dir := newFakeDirectory()
	dir.fail = errors.New("cognito: throttled")
	h, logs := newWebhook(t, dir, 0)

	for _, call := range []webhookCall{
		{action: "authMethods", body: authMethods("alice@example.com")},
		{action: "passwordVerify", body: passwordVerify("alice@example.com", "hunter2-secret")},
	} {
		rec := call.do(h)
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Equal(t, "internal server error\n", rec.Body.String())
	}
	out := logs.String()
	assert.Contains(t, out, "cognito: throttled", "cause logged")
	assert.Contains(t, out, "directory down while checking [redacted]", "password redacted from the cause")
	assert.Contains(t, out, cognitobridge.UserRef("alice@example.com"))
	assertNoSecrets(t, out, "hunter2-secret", "alice@example.com", hookPass)
}

func TestWebhookConfig(t *testing.T) {
	dir := newFakeDirectory()
	tests := []struct {
		name    string
		cfg     corbado.WebhookConfig
		wantErr string
	}{
		{"valid", corbado.WebhookConfig{Username: "u", Password: "p", Users: dir}, ""},
		{"no username", corbado.WebhookConfig{Password: "p", Users: dir}, "Username is empty"},
		{"no password", corbado.WebhookConfig{Username: "u", Users: dir}, "Password is empty"},
		{"no directory", corbado.WebhookConfig{Username: "u", Password: "p"}, "Users is nil"},
		{"negative cap", corbado.WebhookConfig{Username: "u", Password: "p", Users: dir, MaxBodyBytes: -1}, "MaxBodyBytes is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := corbado.NewWebhookHandler(tt.cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.NotNil(t, h)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "corbado: "))
		})
	}
}

// The handler against a real store: Corbado's webhooks answered from the
// emulated pool, every status the issue lists.
func TestWebhookWithCognitoDirectory(t *testing.T) {
	p := newPool(t, nil)
	ctx := context.Background()
	p.addPasswordUser(t, "legacy@example.com", "Legacy-Passw0rd!")
	p.addPasswordUser(t, "disabled@example.com", "Disabled-Passw0rd!")
	p.disable(t, "disabled@example.com")
	_, err := p.store.CreateUser(ctx, "passkey@example.com", cognitobridge.CreateOptions{EmailVerified: true})
	require.NoError(t, err)
	_, err = p.store.CreateUser(ctx, "passkey-disabled@example.com", cognitobridge.CreateOptions{EmailVerified: true})
	require.NoError(t, err)
	p.disable(t, "passkey-disabled@example.com")

	h, logs := newWebhook(t, corbado.CognitoDirectory(p.store), 0)
	tests := []struct {
		name     string
		call     webhookCall
		wantBody string
	}{
		{"legacy user exists", webhookCall{action: "authMethods", body: authMethods("legacy@example.com")},
			`{"responseID":"","data":{"status":"exists"}}`},
		{"unknown user", webhookCall{action: "authMethods", body: authMethods("new@example.com")},
			`{"responseID":"","data":{"status":"not_exists"}}`},
		{"bridge-created user never had a password", webhookCall{action: "authMethods", body: authMethods("passkey@example.com")},
			`{"responseID":"","data":{"status":"not_exists"}}`},
		{"disabled user", webhookCall{action: "authMethods", body: authMethods("disabled@example.com")},
			`{"responseID":"","data":{"status":"blocked"}}`},
		{"disabled bridge-created user", webhookCall{action: "authMethods", body: authMethods("passkey-disabled@example.com")},
			`{"responseID":"","data":{"status":"blocked"}}`},
		{"right password", webhookCall{action: "passwordVerify", body: passwordVerify("legacy@example.com", "Legacy-Passw0rd!")},
			`{"responseID":"","data":{"success":true}}`},
		{"wrong password", webhookCall{action: "passwordVerify", body: passwordVerify("legacy@example.com", "Wrong-Passw0rd!")},
			`{"responseID":"","data":{"success":false}}`},
		{"password of unknown user", webhookCall{action: "passwordVerify", body: passwordVerify("new@example.com", "Any-Passw0rd!")},
			`{"responseID":"","data":{"success":false}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.call.do(h)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tt.wantBody, rec.Body.String())
		})
	}

	t.Run("outage", func(t *testing.T) {
		p.srv.FailNext("", 100, cognitotest.FaultInternal) // every call and retry
		defer p.srv.ClearFaults()
		rec := webhookCall{action: "passwordVerify", body: passwordVerify("legacy@example.com", "Legacy-Passw0rd!")}.do(h)
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Equal(t, "internal server error\n", rec.Body.String())
		rec = webhookCall{action: "authMethods", body: authMethods("legacy@example.com")}.do(h)
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Contains(t, logs.String(), "cognito unavailable")
	})
	assertNoSecrets(t, logs.String(), "Legacy-Passw0rd!", "Wrong-Passw0rd!", "Any-Passw0rd!", hookPass, "legacy@example.com")
}
