package corbado_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

const (
	projectID = "pro-1234567890"
	apiSecret = "corbado1_s3cr3tAPIsecretValue0123456789"
)

// signingKey is shared by every emulator of the test binary.
var signingKey = testtools.RSAKey

// corbadoKey signs the session tokens of the tests' Corbado project.
var corbadoKey = sync.OnceValue(func() *jwkstest.Key {
	k, err := jwkstest.NewKey()
	if err != nil {
		panic(err)
	}
	return k
})

// syncBuffer collects log output from concurrent writers.
type syncBuffer = testtools.LogBuffer

// newLogger logs everything, at every level, as JSON into the buffer.
func newLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// assertNoSecrets fails when any secret occurs in text.
func assertNoSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(t, text, s, "secret leaked")
		}
	}
}

func newProof(t testing.TB) *challenge.HMACProof {
	t.Helper()
	key := make([]byte, challenge.MinKeySize)
	_, _ = rand.Read(key)
	p, err := challenge.NewHMACProof(key)
	require.NoError(t, err)
	return p
}

// pool is an emulated Cognito user pool with a Store in front of it.
type pool struct {
	*testtools.Pool
	srv   *cognitotest.Server
	store *cognitobridge.Store
	admin *cip.Client
}

// plainPool is the pool type most tests use: plain usernames,
// case-sensitive, with a client secret.
var plainPool = testtools.PoolType{Name: "plain", CaseSensitive: true, ClientSecret: true}

// newPool starts an emulated pool (testtools.NewPool) of type pt (none:
// plainPool) whose triggers use verifier (nil: the store's own HMAC
// proof). In provider-token mode the store checks a token itself, with
// the same verifier, before it creates a user for it.
func newPool(t *testing.T, verifier challenge.Verifier, pt ...testtools.PoolType) *pool {
	t.Helper()
	typ := plainPool
	if len(pt) > 0 {
		typ = pt[0]
	}
	p := testtools.NewPool(t, testtools.PoolConfig{
		Type:     typ,
		Verifier: verifier,
		Store:    cognitobridge.Config{AnswerVerifier: verifier},
	})
	return &pool{Pool: p, srv: p.Server, store: p.Store, admin: p.Admin}
}

// addPasswordUser creates a confirmed user with a password, as an
// administrator (or the pre-passkey sign-up) would.
func (p *pool) addPasswordUser(t *testing.T, username, password string) {
	t.Helper()
	p.PasswordUser(t, username, password)
}

func (p *pool) disable(t *testing.T, username string) {
	t.Helper()
	_, err := p.admin.AdminDisableUser(context.Background(), &cip.AdminDisableUserInput{
		UserPoolId: aws.String(p.srv.UserPoolID()),
		Username:   aws.String(username),
	})
	require.NoError(t, err)
}

// fakeCorbado stands in for Corbado's Backend API on loopback: the v1
// auth-token validation and Connect's verifySignedData, both behind Basic
// projectID:apiSecret.
type fakeCorbado struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// authTokens maps a valid auth token to the userData string returned.
	authTokens map[string]string
	// signed maps signedPasskeyData to the username it belongs to.
	signed map[string]string
	// override, when set, answers every request.
	override http.HandlerFunc
	used     map[string]bool

	requests atomic.Int64
	lastBody atomic.Value // []byte
	lastHdr  atomic.Value // http.Header
}

func newFakeCorbado(t *testing.T) *fakeCorbado {
	f := &fakeCorbado{t: t, authTokens: map[string]string{}, signed: map[string]string{}, used: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCorbado) URL() string { return f.srv.URL }

func (f *fakeCorbado) addAuthToken(token, userID, username string) {
	ud, _ := json.Marshal(map[string]string{"username": username, "userFullName": "Test User"})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.authTokens[token] = userID + "\x00" + string(ud)
}

func (f *fakeCorbado) addSignedData(data, username string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signed[data] = username
}

func (f *fakeCorbado) setOverride(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.override = h
}

func (f *fakeCorbado) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	body, _ := io.ReadAll(r.Body)
	f.lastBody.Store(body)
	f.lastHdr.Store(r.Header.Clone())
	f.mu.Lock()
	override := f.override
	f.mu.Unlock()
	if override != nil {
		override(w, r)
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != projectID || pass != apiSecret {
		corbadoError(w, http.StatusUnauthorized, "authentication_error")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/authTokens/validate":
		var req struct {
			Token      string `json:"token"`
			ClientInfo struct {
				RemoteAddress string `json:"remoteAddress"`
				UserAgent     string `json:"userAgent"`
			} `json:"clientInfo"`
		}
		if json.Unmarshal(body, &req) != nil || req.ClientInfo.RemoteAddress == "" {
			corbadoError(w, http.StatusBadRequest, "validation_error")
			return
		}
		f.mu.Lock()
		entry, found := f.authTokens[req.Token]
		spent := f.used[req.Token]
		f.used[req.Token] = true
		f.mu.Unlock()
		if !found || spent {
			corbadoError(w, http.StatusBadRequest, "validation_error")
			return
		}
		userID, ud, _ := strings.Cut(entry, "\x00")
		writeCorbado(w, http.StatusOK, map[string]any{
			"httpStatusCode": 200,
			"message":        "",
			"requestData":    map[string]any{"requestID": "req-1", "link": "https://app.corbado.com/requests/req-1"},
			"runtime":        0.01,
			"data": map[string]any{
				"userID":   userID,
				"userData": ud,
				"user":     map[string]any{"ID": userID, "name": "x", "fullName": "Full Name", "emails": []any{}, "phoneNumbers": []any{}, "status": "active"},
			},
		})
	case r.Method == http.MethodPost && r.URL.Path == "/v2/passkey/verifySignedData":
		var req struct {
			SignedPasskeyData string `json:"signedPasskeyData"`
			Username          string `json:"username"`
		}
		if json.Unmarshal(body, &req) != nil || req.Username == "" {
			corbadoError(w, http.StatusBadRequest, "validation_error")
			return
		}
		f.mu.Lock()
		owner, found := f.signed[req.SignedPasskeyData]
		spent := f.used[req.SignedPasskeyData]
		if found && owner == req.Username {
			f.used[req.SignedPasskeyData] = true
		}
		f.mu.Unlock()
		result := "success"
		switch {
		case !found:
			result = "invalid_signature"
		case spent:
			result = "invalid_challenge"
		case owner != req.Username:
			result = "user_mismatch"
		}
		writeCorbado(w, http.StatusOK, map[string]any{"verificationResult": result})
	default:
		corbadoError(w, http.StatusNotFound, "not_found")
	}
}

func writeCorbado(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// corbadoError answers in Corbado's errorRsp shape, with a message that
// quotes the request, as real APIs sometimes do.
func corbadoError(w http.ResponseWriter, status int, typ string) {
	writeCorbado(w, status, map[string]any{
		"httpStatusCode": status,
		"message":        "request failed: token=" + "leaky",
		"requestData":    map[string]any{"requestID": "req-err-1", "link": ""},
		"runtime":        0.01,
		"error":          map[string]any{"type": typ, "details": "details may quote input", "links": []string{}},
	})
}

// keyServer serves the Corbado project's JWKS at /.well-known/jwks, as the
// Frontend API does.
type keyServer struct {
	srv      *httptest.Server
	requests atomic.Int64
	down     atomic.Bool
	header   atomic.Value // string: X-Corbado-ProjectID seen
}

func newKeyServer(t *testing.T, keys ...*jwkstest.Key) *keyServer {
	k := &keyServer{}
	doc := jwkstest.JWKS(keys...)
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.requests.Add(1)
		k.header.Store(r.Header.Get("X-Corbado-ProjectID"))
		if k.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path != "/.well-known/jwks" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *keyServer) URL() string { return k.srv.URL }

// sessionClaims are the claims of a Corbado v2 session token.
func sessionClaims(email string, now time.Time) map[string]any {
	return map[string]any{
		"iss":     "https://" + projectID + ".frontendapi.cloud.corbado.io",
		"sub":     "usr-1234567890",
		"exp":     now.Add(15 * time.Minute).Unix(),
		"nbf":     now.Add(-time.Minute).Unix(),
		"iat":     now.Unix(),
		"jti":     "sess-1",
		"name":    "Alice Example",
		"email":   email,
		"orig":    email,
		"version": 2,
	}
}

func sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	tok, err := corbadoKey().Sign(claims)
	require.NoError(t, err)
	return tok
}
