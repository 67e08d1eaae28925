package passkey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/passkey"
	"github.com/passkeybridge/bridge/passkey/mail"
	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
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
// temporary directory, an SMTP server on loopback that the relying party
// mails through, and an httptest server with the handler mounted under
// /passkey/. Requests go from a browser: an HTTP client with its own
// cookie jar (h.browser by default, newBrowser for another).
type harness struct {
	t        testing.TB
	pool     *testtools.Pool
	rp       *passkey.RelyingParty
	srv      *httptest.Server
	cognito  *cognitotest.Server
	store    *cognitobridge.Store
	creds    passkey.CredentialStore
	idTokens *jwks.Validator
	clock    *fakeClock
	logs     *syncBuffer
	smtp     *mailtest.Server
	browser  *http.Client
}

// testLinkURL is the page magic links open in tests.
const testLinkURL = "http://localhost:8080/signin"

// defaultPool is the pool of newHarness: plain usernames, folded to lower
// case, and a client secret.
var defaultPool = testtools.PoolType{Name: "plain-insensitive", ClientSecret: true}

func newHarness(t testing.TB, opts ...func(*passkey.Config)) *harness {
	t.Helper()
	return newHarnessOn(t, defaultPool, opts...)
}

// newHarnessOn is newHarness on a pool of the given type.
func newHarnessOn(t testing.TB, pt testtools.PoolType, opts ...func(*passkey.Config)) *harness {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	pool := testtools.NewPool(t, testtools.PoolConfig{Type: pt, Store: cognitobridge.Config{Logger: logger}})
	cog, store, idTokens := pool.Server, pool.Store, pool.IDTokens
	var err error

	creds, err := passkey.OpenFileStore(filepath.Join(t.TempDir(), "passkeys.json"))
	require.NoError(t, err)

	smtpSrv, err := mailtest.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = smtpSrv.Close() })
	mailer, err := mail.NewSMTP(mail.SMTPConfig{
		Host: smtpSrv.Host(), Port: smtpSrv.Port(), From: "login@example.com",
		InsecurePlaintext: true, // loopback only
	})
	require.NoError(t, err)

	clock := testtools.NewClock(time.Now())
	cfg := passkey.Config{
		RPID:          testRPID,
		RPDisplayName: "Example",
		RPOrigins:     []string{testOrigin},
		Store:         store,
		Credentials:   creds,
		IDTokens:      idTokens,
		Mailer:        mailer,
		LinkURL:       testLinkURL,
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

	h := &harness{t: t, pool: pool, rp: rp, srv: srv, cognito: cog, store: store, creds: cfg.Credentials, idTokens: idTokens, clock: clock, logs: logs, smtp: smtpSrv}
	h.browser = h.newBrowser()
	return h
}

// rpMailer returns a Mailer to the harness's SMTP server.
func (h *harness) rpMailer() mail.Mailer {
	h.t.Helper()
	m, err := mail.NewSMTP(mail.SMTPConfig{
		Host: h.smtp.Host(), Port: h.smtp.Port(), From: "login@example.com",
		InsecurePlaintext: true, // loopback only
	})
	require.NoError(h.t, err)
	return m
}

// newBrowser returns an HTTP client with a cookie jar of its own: another
// browser.
func (h *harness) newBrowser() *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(h.t, err)
	return &http.Client{Jar: jar, Transport: h.srv.Client().Transport}
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
	return h.postFrom(h.browser, route, body, headers...)
}

// postFrom is post from another browser.
func (h *harness) postFrom(browser *http.Client, route string, body any, headers ...string) reply {
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
	resp, err := browser.Do(req)
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

// signedIn is the answer of a route that signs in.
type signedIn struct {
	Session      *cognitobridge.Session `json:"session"`
	Grant        string                 `json:"grant"`
	GrantExpires int64                  `json:"grantExpires"`
	Recovery     bool                   `json:"recovery"`
}

// signedIn decodes a sign-in answer, which must be a success.
func (h *harness) signedIn(r reply) signedIn {
	h.t.Helper()
	require.Equal(h.t, http.StatusOK, r.status, "%s", r.body)
	var s signedIn
	require.NoError(h.t, json.Unmarshal(r.body, &s))
	require.NotNil(h.t, s.Session)
	require.NotEmpty(h.t, s.Session.IDToken)
	return s
}

func (h *harness) session(r reply) *cognitobridge.Session {
	h.t.Helper()
	return h.signedIn(r).Session
}

func finishBody(ceremony string, cred json.RawMessage) map[string]any {
	return map[string]any{"ceremony": ceremony, "credential": cred}
}

// register runs a whole registration with a, authorized by grant, and
// returns the session.
func (h *harness) register(a *softAuthenticator, grant string) *cognitobridge.Session {
	h.t.Helper()
	b := h.begin("registration/begin", map[string]string{"grant": grant})
	cred, _ := a.create(h.t, b.PublicKey)
	return h.session(h.post("registration/finish", finishBody(b.Ceremony, cred)))
}

// proofMail is a proof mail as it arrived.
type proofMail struct {
	code, link    string // link: the secret of the #link= fragment
	url           string
	subject, text string
}

var codePattern = regexp.MustCompile(`\b[0-9]{6,18}\b`)

// startProof asks for a proof mail to email from browser and returns the
// proof's ID and the mail as it arrived.
func (h *harness) startProof(browser *http.Client, email string) (string, proofMail) {
	h.t.Helper()
	r := h.postFrom(browser, "email/start", map[string]string{"email": email})
	require.Equal(h.t, http.StatusAccepted, r.status, "%s", r.body)
	var out struct {
		Proof   string `json:"proof"`
		Expires int64  `json:"expires"`
	}
	require.NoError(h.t, json.Unmarshal(r.body, &out))
	require.NotEmpty(h.t, out.Proof)
	return out.Proof, h.proofMail(email)
}

// mail returns the next mail to addr, parsed into code and link.
func (h *harness) mail(addr string) proofMail {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := h.smtp.Wait(ctx, addr)
	require.NoError(h.t, err)
	var pm proofMail
	pm.subject, pm.text = m.Subject, m.Text
	pm.code = codePattern.FindString(m.Text)
	for _, l := range m.Links() {
		if _, secret, ok := strings.Cut(l, "#link="); ok {
			pm.url, pm.link = l, secret
		}
	}
	return pm
}

// proofMail returns the next mail to addr that holds a link, skipping
// notices.
func (h *harness) proofMail(addr string) proofMail {
	h.t.Helper()
	for {
		if m := h.mail(addr); m.link != "" {
			return m
		}
	}
}

// signUp proves email with a code from the default browser and returns
// the sign-in (session and grant).
func (h *harness) signUp(email string) signedIn {
	h.t.Helper()
	id, m := h.startProof(h.browser, email)
	require.NotEmpty(h.t, m.code, "the mail holds a code")
	return h.signedIn(h.post("email/verify", map[string]string{"proof": id, "code": m.code}))
}

// newUser signs email up by a code and registers a's first passkey.
func (h *harness) newUser(a *softAuthenticator, email string) *cognitobridge.Session {
	h.t.Helper()
	s := h.signUp(email)
	require.NotEmpty(h.t, s.Grant)
	sess := h.register(a, s.Grant)
	h.mail(email) // the notice of the passkey added
	return sess
}

// loginWithName runs a username login with a.
func (h *harness) loginWithName(a *softAuthenticator, username string) signedIn {
	h.t.Helper()
	b := h.begin("login/begin", map[string]string{"username": username})
	return h.signedIn(h.post("login/finish", finishBody(b.Ceremony, a.get(h.t, b.PublicKey, nil))))
}

// loginDiscoverable runs a discoverable login with cred of a.
func (h *harness) loginDiscoverable(a *softAuthenticator, cred *softCred) signedIn {
	h.t.Helper()
	b := h.begin("discoverable/begin", map[string]any{})
	return h.signedIn(h.post("discoverable/finish", finishBody(b.Ceremony, a.get(h.t, b.PublicKey, cred))))
}

// passwordUser creates a confirmed Cognito user with a password, as the
// seed's users are (on alias pools under a username of its own).
func (h *harness) passwordUser(username, password string) {
	h.t.Helper()
	h.pool.PasswordUser(h.t, username, password)
}

// passwordSignIn signs in with a password and returns the answer.
func (h *harness) passwordSignIn(username, password string) signedIn {
	h.t.Helper()
	return h.signedIn(h.post("password", map[string]string{"username": username, "password": password}))
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

// storedCredentials returns how many usable credentials username has.
func (h *harness) storedCredentials(username string) int {
	h.t.Helper()
	u, err := h.creds.UserByName(context.Background(), username)
	if err != nil {
		return 0
	}
	n := 0
	for _, c := range u.Credentials {
		if c.Revoked.IsZero() {
			n++
		}
	}
	return n
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

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
