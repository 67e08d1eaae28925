package passkey_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/passkey"
)

const (
	testRPID   = "example.com"
	testOrigin = "https://login.example.com"
)

// signingKey is shared by every emulator of the test binary.
var signingKey = testtools.RSAKey

// fakeClock is the relying party's clock in tests. Cognito and jwks keep
// real time: only ceremonies and grants are moved.
type fakeClock = testtools.Clock

// syncBuffer collects log output from concurrent writers.
type syncBuffer = testtools.LogBuffer

// harness is a relying party on an emulated Cognito pool, a FileStore in a
// temporary directory and an httptest server, with the handler mounted
// under /passkey/.
type harness struct {
	t        testing.TB
	rp       *passkey.RelyingParty
	srv      *httptest.Server
	cognito  *cognitotest.Server
	store    *cognitobridge.Store
	creds    passkey.CredentialStore
	idTokens *jwks.Validator
	clock    *fakeClock
	logs     *syncBuffer
}

func newHarness(t testing.TB, opts ...func(*passkey.Config)) *harness {
	t.Helper()
	key := make([]byte, challenge.MinKeySize)
	_, _ = rand.Read(key)
	proof, err := challenge.NewHMACProof(key)
	require.NoError(t, err)
	triggers, err := challenge.New(challenge.Config{Verifier: proof})
	require.NoError(t, err)
	cog, err := cognitotest.NewServer(cognitotest.Config{Triggers: triggers, ClientSecret: true, SigningKey: signingKey()})
	require.NoError(t, err)
	t.Cleanup(cog.Close)

	idCfg, err := jwks.CognitoConfig(cog.UserPoolID(), "id", cog.ClientID())
	require.NoError(t, err)
	idCfg.JWKSURL = cog.JWKSURL()
	idTokens, err := jwks.New(idCfg)
	require.NoError(t, err)

	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store, err := cognitobridge.New(cognitobridge.Config{
		Client:       cog.Client(cognitotest.NoRetryDelay),
		UserPoolID:   cog.UserPoolID(),
		ClientID:     cog.ClientID(),
		ClientSecret: cog.ClientSecret(),
		Proof:        proof,
		IDTokens:     idTokens,
		Logger:       logger,
	})
	require.NoError(t, err)

	creds, err := passkey.OpenFileStore(filepath.Join(t.TempDir(), "passkeys.json"))
	require.NoError(t, err)

	clock := testtools.NewClock(time.Now())
	cfg := passkey.Config{
		RPID:          testRPID,
		RPDisplayName: "Example",
		RPOrigins:     []string{testOrigin},
		Store:         store,
		Credentials:   creds,
		IDTokens:      idTokens,
		Now:           clock.Now,
		Logger:        logger,
	}
	for _, o := range opts {
		o(&cfg)
	}
	rp, err := passkey.New(cfg)
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.Handle("/passkey/", http.StripPrefix("/passkey", rp.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	return &harness{t: t, rp: rp, srv: srv, cognito: cog, store: store, creds: cfg.Credentials, idTokens: idTokens, clock: clock, logs: logs}
}

// authenticator returns a software authenticator for the harness's origin.
func (h *harness) authenticator() *softAuthenticator {
	return &softAuthenticator{origin: testOrigin}
}

// reply is a handler's answer.
type reply struct {
	status int
	body   []byte
}

func (r reply) errorCode() string {
	var e struct{ Error string }
	_ = json.Unmarshal(r.body, &e)
	return e.Error
}

// post sends body (JSON-encoded unless it is a string) to the route under
// /passkey/, with headers given as name, value pairs.
func (h *harness) post(route string, body any, headers ...string) reply {
	h.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		b, err = json.Marshal(body)
		require.NoError(h.t, err)
	}
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/passkey/"+route, bytes.NewReader(b))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return reply{status: resp.StatusCode, body: out}
}

// begun is a begin route's answer.
type begun struct {
	Ceremony  string          `json:"ceremony"`
	PublicKey json.RawMessage `json:"publicKey"`
}

func (h *harness) begin(route string, body any, headers ...string) begun {
	h.t.Helper()
	r := h.post(route, body, headers...)
	require.Equal(h.t, http.StatusOK, r.status, "%s: %s", route, r.body)
	var b begun
	require.NoError(h.t, json.Unmarshal(r.body, &b))
	require.NotEmpty(h.t, b.Ceremony)
	return b
}

func (h *harness) session(r reply) *cognitobridge.Session {
	h.t.Helper()
	require.Equal(h.t, http.StatusOK, r.status, "%s", r.body)
	var s cognitobridge.Session
	require.NoError(h.t, json.Unmarshal(r.body, &s))
	require.NotEmpty(h.t, s.IDToken)
	return &s
}

func finishBody(ceremony string, cred json.RawMessage) map[string]any {
	return map[string]any{"ceremony": ceremony, "credential": cred}
}

// register runs a whole registration for username with a, authorized by
// the given headers and grant, and returns the session.
func (h *harness) register(a *softAuthenticator, username, grant string, headers ...string) *cognitobridge.Session {
	h.t.Helper()
	b := h.begin("registration/begin", map[string]string{"username": username, "grant": grant}, headers...)
	cred, _ := a.create(h.t, b.PublicKey)
	return h.session(h.post("registration/finish", finishBody(b.Ceremony, cred)))
}

// loginWithName runs a username login with a.
func (h *harness) loginWithName(a *softAuthenticator, username string) *cognitobridge.Session {
	h.t.Helper()
	b := h.begin("login/begin", map[string]string{"username": username})
	return h.session(h.post("login/finish", finishBody(b.Ceremony, a.get(h.t, b.PublicKey, nil))))
}

// loginDiscoverable runs a discoverable login with cred of a.
func (h *harness) loginDiscoverable(a *softAuthenticator, cred *softCred) *cognitobridge.Session {
	h.t.Helper()
	b := h.begin("discoverable/begin", map[string]any{})
	return h.session(h.post("discoverable/finish", finishBody(b.Ceremony, a.get(h.t, b.PublicKey, cred))))
}

// passwordUser creates a confirmed Cognito user with a password, as the
// seed's users are.
func (h *harness) passwordUser(username, password string) {
	h.t.Helper()
	_, err := h.cognito.AddUser(username, password, map[string]string{"email": username, "email_verified": "true"})
	require.NoError(h.t, err)
}

// passwordSignIn signs in with a password and returns the grant.
func (h *harness) passwordSignIn(username, password string) (grant string, sess *cognitobridge.Session) {
	h.t.Helper()
	r := h.post("password", map[string]string{"username": username, "password": password})
	require.Equal(h.t, http.StatusOK, r.status, "%s", r.body)
	var out struct {
		Grant        string                 `json:"grant"`
		GrantExpires int64                  `json:"grantExpires"`
		Session      *cognitobridge.Session `json:"session"`
	}
	require.NoError(h.t, json.Unmarshal(r.body, &out))
	require.NotEmpty(h.t, out.Grant)
	require.NotNil(h.t, out.Session)
	return out.Grant, out.Session
}

// disable disables a Cognito user, as an administrator does.
func (h *harness) disable(username string) {
	h.t.Helper()
	_, err := h.cognito.Client().AdminDisableUser(context.Background(), &cip.AdminDisableUserInput{
		UserPoolId: aws.String(h.cognito.UserPoolID()),
		Username:   aws.String(username),
	})
	require.NoError(h.t, err)
}

// validClaims checks the session's ID token with jwks and returns its claims.
func (h *harness) validClaims(s *cognitobridge.Session) *jwks.Claims {
	h.t.Helper()
	c, err := h.idTokens.Validate(context.Background(), s.IDToken)
	require.NoError(h.t, err)
	return c
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// storedCredentials returns the credentials stored for username.
func (h *harness) storedCredentials(username string) int {
	h.t.Helper()
	u, err := h.creds.UserByName(context.Background(), username)
	if err != nil {
		return 0
	}
	return len(u.Credentials)
}

// noSecrets fails the test if the logs hold any of secrets.
func (h *harness) noSecrets(secrets ...string) {
	h.t.Helper()
	logs := h.logs.String()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(logs, s) {
			h.t.Errorf("logs hold a secret (%.8s…)", s)
		}
	}
}
