package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
)

const (
	testProjectID = "pro-9876543210"
	testAPISecret = "corbado1_exampleSecretValue"
	testHookUser  = "webhook"
	testHookPass  = "w3bh00k-Pa55word"
	frontend      = "http://localhost:4200"
)

func TestLoadConfig(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	full := map[string]string{
		envCognitoRegion: "eu-central-1", envUserPoolID: "eu-central-1_AbC", envClientID: "client",
		envCorbadoProjectID: testProjectID, envCorbadoAPISecret: testAPISecret,
		envWebhookUsername: testHookUser, envWebhookPassword: testHookPass, envProofKey: key,
	}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		getenv  func(string) string
		check   func(t *testing.T, c config)
		wantErr string
	}{
		{name: "defaults", getenv: with(), check: func(t *testing.T, c config) {
			assert.Equal(t, "3000", c.Port)
			assert.Equal(t, "http://localhost:4200", c.FrontendOrigin)
			assert.Len(t, c.ProofKey, 32)
			assert.Nil(t, c.CognitoJWKS)
			assert.Empty(t, c.ClientSecret)
		}},
		{name: "nothing set", getenv: func(string) string { return "" },
			wantErr: "missing environment variables: COGNITO_REGION, COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, CORBADO_PROJECT_ID, CORBADO_API_SECRET, CORBADO_WEBHOOK_USERNAME, CORBADO_WEBHOOK_PASSWORD, PASSKEYBRIDGE_PROOF_KEY"},
		{name: "two missing", getenv: with(envCorbadoAPISecret, "", envProofKey, " "),
			wantErr: "missing environment variables: CORBADO_API_SECRET, PASSKEYBRIDGE_PROOF_KEY"},
		{name: "proof key not base64", getenv: with(envProofKey, "not base64!"), wantErr: "PASSKEYBRIDGE_PROOF_KEY is not standard base64"},
		{name: "proof key short", getenv: with(envProofKey, base64.StdEncoding.EncodeToString([]byte("short"))), wantErr: "PASSKEYBRIDGE_PROOF_KEY must decode to at least 32 bytes"},
		{name: "seed's JWKS array", getenv: with(envCognitoJWKS, `[{"kty":"RSA","kid":"a"}]`), check: func(t *testing.T, c config) {
			assert.JSONEq(t, `{"keys":[{"kty":"RSA","kid":"a"}]}`, string(c.CognitoJWKS))
		}},
		{name: "JWKS document", getenv: with(envCognitoJWKS, `{"keys":[]}`), check: func(t *testing.T, c config) {
			assert.Equal(t, `{"keys":[]}`, string(c.CognitoJWKS))
		}},
		{name: "JWKS garbage", getenv: with(envCognitoJWKS, `{nope`), wantErr: "COGNITO_JWKS: not valid JSON"},
		{name: "frontend URL reduced to its origin", getenv: with(envFrontendURL, "HTTPS://App.Example.com/login?x=1"), check: func(t *testing.T, c config) {
			assert.Equal(t, "https://app.example.com", c.FrontendOrigin)
		}},
		{name: "frontend URL invalid", getenv: with(envFrontendURL, "app.example.com"), wantErr: "FRONTEND_URL must be an http(s) URL"},
		{name: "port", getenv: with(envPort, "8080"), check: func(t *testing.T, c config) { assert.Equal(t, "8080", c.Port) }},
		{name: "bad port", getenv: with(envPort, "http"), wantErr: "PORT must be a port number"},
		{name: "bad endpoint", getenv: with(envCognitoEndpoint, "localhost:9229"), wantErr: "COGNITO_ENDPOINT must be an http(s) URL"},
		{name: "endpoint", getenv: with(envCognitoEndpoint, "http://127.0.0.1:9229/"), check: func(t *testing.T, c config) {
			assert.Equal(t, "http://127.0.0.1:9229", c.CognitoEndpoint)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(tt.getenv)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				for _, secret := range []string{testAPISecret, testHookPass, key, "not base64!"} {
					assert.NotContains(t, err.Error(), secret)
				}
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

// corbadoStandIn answers POST /v1/authTokens/validate like Corbado's
// Backend API: each known token once, Basic projectID:apiSecret required.
type corbadoStandIn struct {
	*httptest.Server
	mu     sync.Mutex
	tokens map[string]string // token → username
}

func newCorbadoStandIn(t *testing.T) *corbadoStandIn {
	s := &corbadoStandIn{tokens: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != testProjectID || pass != testAPISecret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v1/authTokens/validate" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Token string `json:"token"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		s.mu.Lock()
		username, found := s.tokens[req.Token]
		delete(s.tokens, req.Token)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !found {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"httpStatusCode":400,"message":"invalid token","error":{"type":"validation_error"},"requestData":{"requestID":"req-1"}}`)
			return
		}
		ud, _ := json.Marshal(map[string]string{"username": username})
		_ = json.NewEncoder(w).Encode(map[string]any{
			"httpStatusCode": 200, "message": "",
			"data": map[string]any{"userID": "usr-1", "userData": string(ud)},
		})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *corbadoStandIn) issue(token, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = username
}

// syncBuffer collects log output from concurrent writers.
type syncBuffer = testtools.LogBuffer

// backend is the example server running on loopback against the Cognito
// emulator and the Corbado stand-in.
type backend struct {
	url     string
	tp      *testtools.Pool
	pool    *cognitotest.Server
	admin   *cip.Client
	corbado *corbadoStandIn
	logs    *syncBuffer
	stop    func() error
	secrets []string
}

// startBackend runs the example's server on an emulated pool of type pt
// (none: plain usernames with a client secret, as the seed's).
func startBackend(t *testing.T, extraEnv map[string]string, pt ...testtools.PoolType) *backend {
	t.Helper()
	typ := testtools.PoolType{Name: "plain", CaseSensitive: true, ClientSecret: true}
	if len(pt) > 0 {
		typ = pt[0]
	}
	// The pool builder's proof key is what the Lambda holds; the example
	// builds its own store from the environment, as in production.
	tp := testtools.NewPool(t, testtools.PoolConfig{Type: typ})
	pool, key := tp.Server, tp.ProofKey
	stand := newCorbadoStandIn(t)

	env := map[string]string{
		envCognitoRegion: pool.Region(), envUserPoolID: pool.UserPoolID(), envClientID: pool.ClientID(),
		envClientSecret: pool.ClientSecret(), envCognitoEndpoint: pool.URL(),
		envCorbadoProjectID: testProjectID, envCorbadoAPISecret: testAPISecret, envCorbadoBackendAPI: stand.URL,
		envWebhookUsername: testHookUser, envWebhookPassword: testHookPass,
		envProofKey: base64.StdEncoding.EncodeToString(key), envFrontendURL: frontend + "/",
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	require.NoError(t, err)

	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := newServer(cfg, deps{Cognito: pool.Client(cognitotest.NoRetryDelay), Logger: log})
	require.NoError(t, err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, h, log) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { _ = stop() })
	return &backend{
		url: "http://" + ln.Addr().String(), tp: tp, pool: pool, admin: pool.Client(cognitotest.NoRetryDelay),
		corbado: stand, logs: logs, stop: stop,
		secrets: []string{testAPISecret, testHookPass, env[envProofKey], pool.ClientSecret()},
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (b *backend) do(t *testing.T, method, path, body string, hdr map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func (b *backend) webhook(t *testing.T, action, data string) response {
	t.Helper()
	body := `{"id":"who-1","projectID":"` + testProjectID + `","action":"` + action + `","data":` + data + `}`
	auth := base64.StdEncoding.EncodeToString([]byte(testHookUser + ":" + testHookPass))
	return b.do(t, http.MethodPost, "/api/corbado/webhook", body,
		map[string]string{"X-Corbado-Action": action, "Authorization": "Basic " + auth, "Content-Type": "application/json"})
}

func (b *backend) addPasswordUser(t *testing.T, username, password string) {
	t.Helper()
	b.tp.PasswordUser(t, username, password)
}

// The seed's whole flow, over HTTP, on every pool type of the one table:
// webhooks for a legacy password user and a new user, the passkey login
// of the new user through an auth token, the webhook's view of that user
// afterwards, and logout.
func TestEndToEnd(t *testing.T) {
	for _, pt := range testtools.PoolTypes {
		t.Run(pt.Name, func(t *testing.T) { testEndToEnd(t, pt) })
	}
}

func testEndToEnd(t *testing.T, pt testtools.PoolType) {
	b := startBackend(t, nil, pt)
	b.addPasswordUser(t, "legacy@example.com", "Legacy-Passw0rd!")

	r := b.do(t, http.MethodGet, "/ping", "", nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "pong", r.body)

	// Corbado's webhooks.
	for _, tc := range []struct{ action, data, want string }{
		{"authMethods", `{"username":"legacy@example.com"}`, `{"responseID":"","data":{"status":"exists"}}`},
		{"authMethods", `{"username":"new@example.com"}`, `{"responseID":"","data":{"status":"not_exists"}}`},
		{"passwordVerify", `{"username":"legacy@example.com","password":"Legacy-Passw0rd!"}`, `{"responseID":"","data":{"success":true}}`},
		{"passwordVerify", `{"username":"legacy@example.com","password":"Wrong-Passw0rd!"}`, `{"responseID":"","data":{"success":false}}`},
	} {
		r := b.webhook(t, tc.action, tc.data)
		assert.Equal(t, http.StatusOK, r.status, tc.data)
		assert.Equal(t, tc.want, r.body, tc.data)
		assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	}
	r = b.do(t, http.MethodPost, "/api/corbado/webhook", `{}`, map[string]string{"X-Corbado-Action": "authMethods"})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, `Basic realm="restricted", charset="UTF-8"`, r.header.Get("WWW-Authenticate"))

	// The passkey login: the front end brings the auth token.
	b.corbado.issue("auth-token-new-1", "new@example.com")
	r = b.do(t, http.MethodGet, "/api/corbado/authTokenValidate?corbadoAuthToken=auth-token-new-1", "", map[string]string{"Origin": frontend})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, frontend, r.header.Get("Access-Control-Allow-Origin"))
	var sess map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.body), &sess))
	users := b.pool.Users()
	require.Len(t, users, 2, "the legacy user and the new one")
	user := users[0]
	if user.Attributes["email"] != "new@example.com" {
		user = users[1]
	}
	assert.Equal(t, "new@example.com", user.Attributes["email"])
	assert.Equal(t, "true", user.Attributes["custom:createdByCorbado"])
	assert.Equal(t, "true", user.Attributes["email_verified"], "Corbado proved the address")
	assert.Equal(t,
		`{"email":"new@example.com","cognitoUUID":"`+user.Sub+`","name":"","expires":`+jsonNumber(sess["expires"])+
			`,"idToken":"`+sess["idToken"].(string)+`","refreshToken":"`+sess["refreshToken"].(string)+
			`","accessToken":"`+sess["accessToken"].(string)+`"}`,
		r.body)

	// Replayed token.
	r = b.do(t, http.MethodGet, "/api/corbado/authTokenValidate?corbadoAuthToken=auth-token-new-1", "", nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, `{"message":"invalid token"}`, r.body)

	// A user the bridge created never had a password: not_exists.
	r = b.webhook(t, "authMethods", `{"username":"new@example.com"}`)
	assert.Equal(t, `{"responseID":"","data":{"status":"not_exists"}}`, r.body)

	// The returning legacy user logs in with a passkey: no new user.
	b.corbado.issue("auth-token-legacy", "legacy@example.com")
	r = b.do(t, http.MethodGet, "/api/corbado/authTokenValidate?corbadoAuthToken=auth-token-legacy", "", nil)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, `{"responseID":"","data":{"status":"exists"}}`, b.webhook(t, "authMethods", `{"username":"legacy@example.com"}`).body)

	// Logout, as the seed: {"token": accessToken}.
	logout, _ := json.Marshal(map[string]string{"token": sess["accessToken"].(string)})
	r = b.do(t, http.MethodPost, "/api/auth/logout", string(logout), map[string]string{"Content-Type": "application/json"})
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, `{"message":"User logged out successfully"}`, r.body)
	r = b.do(t, http.MethodPost, "/api/auth/logout", string(logout), nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, `{"message":"invalid token"}`, r.body)
	r = b.do(t, http.MethodPost, "/api/auth/logout", `{}`, nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, `{"message":"missing token"}`, r.body)
	r = b.do(t, http.MethodGet, "/api/auth/logout", "", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)

	r = b.do(t, http.MethodGet, "/api/nothing", "", nil)
	assert.Equal(t, http.StatusNotFound, r.status)

	require.NoError(t, b.stop(), "graceful shutdown")
	logs := b.logs.String()
	for _, s := range append(b.secrets, "Legacy-Passw0rd!", "Wrong-Passw0rd!", "auth-token-new-1", "auth-token-legacy",
		sess["accessToken"].(string), sess["idToken"].(string), sess["refreshToken"].(string), "new@example.com", "legacy@example.com") {
		if s != "" { // a client without a secret has none to leak
			assert.NotContains(t, logs, s)
		}
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCORS(t *testing.T) {
	b := startBackend(t, nil)
	preflight := func(origin string) response {
		return b.do(t, http.MethodOptions, "/api/auth/logout", "", map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
		})
	}
	r := preflight(frontend)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Equal(t, frontend, r.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "GET, POST", r.header.Get("Access-Control-Allow-Methods"))
	assert.Equal(t, "Content-Type, Authorization", r.header.Get("Access-Control-Allow-Headers"))
	assert.Contains(t, r.header.Values("Vary"), "Origin")

	r = preflight("https://evil.example")
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))

	r = b.do(t, http.MethodGet, "/ping", "", map[string]string{"Origin": "https://evil.example"})
	assert.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
}

// COGNITO_JWKS as the seed had it: the pool's keys as an array of JWKs,
// used instead of fetching them. A whole login works with them.
func TestStaticCognitoJWKS(t *testing.T) {
	tp := testtools.NewPool(t, testtools.PoolConfig{Type: testtools.PoolType{Name: "plain", CaseSensitive: true}})
	pool, key := tp.Server, tp.ProofKey
	resp, err := http.Get(pool.JWKSURL())
	require.NoError(t, err)
	var doc struct {
		Keys json.RawMessage `json:"keys"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	resp.Body.Close()

	stand := newCorbadoStandIn(t)
	env := map[string]string{
		envCognitoRegion: pool.Region(), envUserPoolID: pool.UserPoolID(), envClientID: pool.ClientID(),
		envCognitoEndpoint: pool.URL(), envCognitoJWKS: string(doc.Keys),
		envCorbadoProjectID: testProjectID, envCorbadoAPISecret: testAPISecret, envCorbadoBackendAPI: stand.URL,
		envWebhookUsername: testHookUser, envWebhookPassword: testHookPass,
		envProofKey: base64.StdEncoding.EncodeToString(key),
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	require.NoError(t, err)
	jc, err := idTokenConfig(cfg, nil)
	require.NoError(t, err)
	assert.Empty(t, jc.JWKSURL, "no fetch")
	assert.JSONEq(t, `{"keys":`+string(doc.Keys)+`}`, string(jc.Keys))

	h, err := newServer(cfg, deps{Cognito: pool.Client(cognitotest.NoRetryDelay)})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	stand.issue("tok-static", "static@example.com")
	r, err := http.Get(srv.URL + "/api/corbado/authTokenValidate?corbadoAuthToken=tok-static")
	require.NoError(t, err)
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	require.Equal(t, http.StatusOK, r.StatusCode, string(body))
	assert.Contains(t, string(body), `"email":"static@example.com"`)
}
