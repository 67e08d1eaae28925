package attack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// TestMain runs the suites, then checks the log lines and error texts of
// all of them together against the secrets of all of them: a secret one
// suite handled must not turn up in what another produced either.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := suites.leaks(); len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: secrets in the output of the suites:\n  %s\n", strings.Join(leaks, "\n  "))
			code = 1
		} else if lines, errs, secrets := suites.counts(); testing.Verbose() {
			fmt.Printf("figures: secrets audit over every suite: %d log lines and %d error texts hold none of %d secrets\n",
				lines, errs, secrets)
		}
	}
	os.Exit(code)
}

// TestAuditFindsLeaks: the audit the other suites rely on does find a
// secret in a log line (raw, or a key in any of its encodings, also where
// JSON would have escaped it) and in an error text, and a username in a
// log line; and finds nothing in clean output.
func TestAuditFindsLeaks(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	const password = "Pass<&>word-123"
	for _, leak := range []struct {
		name string
		do   func(a *audit)
	}{
		{"password in a log attribute", func(a *audit) { a.logger().Info("x", "password", password) }},
		{"password inside a longer value", func(a *audit) { a.logger().Info("x", "error", "wrong: "+password+"!") }},
		{"key as base64", func(a *audit) { a.logger().Debug("x", "k", base64.StdEncoding.EncodeToString(key)) }},
		{"key as base64url", func(a *audit) { a.logger().With("k", base64.RawURLEncoding.EncodeToString(key)).Warn("x") }},
		{"key raw", func(a *audit) { a.logger().Error(string(key)) }},
		{"key in a group", func(a *audit) { a.logger().Info("x", "g", map[string]string{"hex": fmt.Sprintf("%x", key)}) }},
		{"password in an error", func(a *audit) { a.err(errors.New("cannot check " + password)) }},
		{"username in a log line", func(a *audit) { a.logger().Info("x", "user", "someone@example.com") }},
	} {
		t.Run(leak.name, func(t *testing.T) {
			a := newAuditOnly()
			a.secretKey("key", key)
			a.secret("password", password)
			a.username("someone@example.com")
			leak.do(a)
			assert.NotEmpty(t, a.leaks())
		})
	}
	a := newAuditOnly()
	a.secretKey("key", key)
	a.secret("password", password)
	a.username("someone@example.com")
	a.logger().Info("clean", "user", cognitobridge.UserRef("someone@example.com"), "error", "cognitobridge: login: not authorized")
	a.err(errors.New("jwks: invalid token: token expired"))
	assert.Empty(t, a.leaks())
}

// TestSecretsEndToEnd drives the paths most likely to leak, with every
// component logging at Debug into the audit, and every secret it handles
// registered: right and wrong passwords, refresh and sign-out with good
// and bad tokens, a provider-token answer the Lambda refuses, a store
// whose client secret or proof key is wrong, outages, malformed trigger
// events carrying a nonce and an answer, webhook calls with passwords and
// a directory that quotes them, hostile bearer tokens at jwks.Middleware
// and corbado's session handler, and Corbado auth tokens Corbado refuses.
// The audit's check at the end of the test is the assertion; the test
// also fails if a path it means to reach did not produce output.
func TestSecretsEndToEnd(t *testing.T) {
	a := newAudit(t)
	p := newPool(t, a)
	ctx := context.Background()
	const user, pw = "secret.user@example.com", "My-Pa$$word<&>1"
	p.passwordUser(t, user, pw)
	a.username("new.user@example.com", "nobody@example.com")

	// The store.
	sess, err := p.store.Login(ctx, "new.user@example.com", cognitobridge.CreateOptions{})
	require.NoError(t, a.err(err))
	a.secret("token", sess.IDToken, sess.AccessToken, sess.RefreshToken)
	p.audit.logger().Info("session", "session", sess) // Session's LogValue must hide the tokens
	a.err(fmt.Errorf("%v %+v %#v", sess, sess, sess))
	for _, try := range []struct{ user, pw string }{{user, pw}, {user, pw + "x"}, {"nobody@example.com", pw}} {
		a.secret("password", try.pw)
		_, err := p.store.VerifyPassword(ctx, try.user, try.pw)
		a.err(err)
	}
	_, err = p.store.Refresh(ctx, "new.user@example.com", sess.RefreshToken)
	a.err(err)
	_, err = p.store.Refresh(ctx, "new.user@example.com", "bogus-refresh-token-0123456789")
	a.secret("bogus token", "bogus-refresh-token-0123456789")
	assert.Error(t, a.err(err))
	assert.NoError(t, a.err(p.store.SignOut(ctx, sess.AccessToken)))
	assert.Error(t, a.err(p.store.SignOut(ctx, sess.AccessToken)), "revoked")
	_, err = p.store.Refresh(ctx, "new.user@example.com", sess.RefreshToken)
	assert.Error(t, a.err(err), "revoked")
	const providerToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm92aWRlciJ9.c2lnbmF0dXJl"
	a.secret("provider token", providerToken)
	_, err = p.store.StartSessionWithAnswer(ctx, user, providerToken)
	assert.Error(t, a.err(err))
	_, err = p.store.LoginWithAnswer(ctx, "nobody@example.com", providerToken, cognitobridge.CreateOptions{})
	assert.Error(t, a.err(err))

	// Outages on every call.
	p.srv.FailNext("", 1000, cognitotest.FaultInternal)
	_, err = p.store.Login(ctx, user, cognitobridge.CreateOptions{})
	assert.ErrorIs(t, a.err(err), cognitobridge.ErrUnavailable)
	_, err = p.store.VerifyPassword(ctx, user, pw)
	assert.ErrorIs(t, a.err(err), cognitobridge.ErrUnavailable)
	p.srv.ClearFaults()

	// Stores that do not fit the pool: a wrong client secret, a proof key
	// the Lambda does not hold.
	wrongSecret := "wrong-client-secret-0123456789abcdef"
	a.secret("wrong client secret", wrongSecret)
	otherKey := make([]byte, challenge.MinKeySize)
	_, _ = rand.Read(otherKey)
	a.secretKey("other proof key", otherKey)
	otherProof, err := challenge.NewHMACProof(otherKey)
	require.NoError(t, err)
	for _, cfg := range []cognitobridge.Config{
		{ClientSecret: wrongSecret, Proof: p.proof},
		{ClientSecret: p.srv.ClientSecret(), Proof: otherProof},
	} {
		cfg.Client = a.cognito(p.srv.Client(cognitotest.NoRetryDelay))
		cfg.UserPoolID, cfg.ClientID, cfg.Logger = p.srv.UserPoolID(), p.srv.ClientID(), a.logger()
		s, err := cognitobridge.New(cfg)
		require.NoError(t, err)
		_, err = s.Login(ctx, user, cognitobridge.CreateOptions{})
		assert.Error(t, a.err(err))
		_, err = s.VerifyPassword(ctx, user, pw)
		a.err(err)
	}

	// The triggers, handed malformed events that carry a nonce and an
	// answer.
	lambda := a.lambda(mustHandler(t, p.proof))
	nonce, answer := "n0nce-value-that-must-stay-private", "answer-value-that-must-stay-private"
	a.secret("nonce", nonce)
	a.secret("challenge answer", answer)
	// Secrets sit where they live in real events: the private challenge
	// parameters and the answer; the events are malformed elsewhere.
	for _, ev := range []string{
		`{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"privateChallengeParameters":{"nonce":"` + nonce + `"},"challengeAnswer":"` + answer + `","userNotFound":"yes"}}`,
		`{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"privateChallengeParameters":{"nonce":"` + nonce + `","x":1},"challengeAnswer":"` + answer + `"}}`,
		`{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"privateChallengeParameters":{"nonce":"` + nonce + `"},"challengeAnswer":"` + answer + `"`,
		`{"triggerSource":"CreateAuthChallenge_Authentication","request":{"challengeName":"PASSWORD_VERIFIER","privateChallengeParameters":{"nonce":"` + nonce + `"}}}`,
		`{"triggerSource":"TokenGeneration_Authentication","request":{"challengeAnswer":"` + answer + `"}}`,
		`{"triggerSource":"DefineAuthChallenge_Authentication","request":{"session":[{"challengeName":"CUSTOM_CHALLENGE","challengeResult":"` + answer + `"}]}}`,
	} {
		_, err := lambda.Handle(ctx, json.RawMessage(ev))
		assert.Error(t, err, ev)
	}

	// The webhook, with a directory that quotes passwords in its errors.
	a.secret("webhook password", hookPass)
	h, err := corbado.NewWebhookHandler(corbado.WebhookConfig{Username: hookUser, Password: hookPass,
		Users: quotingDirectory{corbado.CognitoDirectory(p.store)}, Logger: a.logger()})
	require.NoError(t, err)
	for _, r := range []*http.Request{
		webhookRequest(corbado.ActionPasswordVerify, passwordVerify(user, pw)),
		webhookRequest(corbado.ActionPasswordVerify, passwordVerify("fail@example.com", pw)),
		webhookRequest(corbado.ActionPasswordVerify, passwordVerify(user, pw)+strings.Repeat(" ", corbado.DefaultMaxWebhookBody)),
		webhookRequest(corbado.ActionAuthMethods, passwordVerify(user, pw)),
		with(corbado.ActionPasswordVerify, passwordVerify(user, pw), func(r *http.Request) { r.SetBasicAuth(hookUser, pw) })(),
	} {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	a.username("fail@example.com")

	// Hostile bearer tokens at jwks.Middleware and corbado's session handler.
	srv := jwkstest.NewServer()
	defer srv.Close()
	srv.SetDocument(corpusJWKS(t))
	cfg, err := jwks.CognitoConfig(hostilePool, "id", hostileClient)
	require.NoError(t, err)
	cfg.JWKSURL, cfg.Logger = srv.URL(), a.logger()
	v, err := jwks.New(cfg)
	require.NoError(t, err)
	protected := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	sessions, err := corbado.NewSessionValidator(corbado.SessionConfig{ProjectID: "pro-1234567890", FrontendAPI: strings.TrimSuffix(srv.URL(), "/.well-known/jwks.json")})
	require.NoError(t, err)
	sessionHandler, err := corbado.NewSessionHandler(corbado.SessionHandlerConfig{Sessions: sessions, Store: p.store, Logger: a.logger()})
	require.NoError(t, err)
	for _, e := range loadCorpus(t) {
		if len(e.Token) < 200 || e.Want == "accept" {
			continue
		}
		a.secret("hostile token", e.Token)
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+e.Token)
		protected.ServeHTTP(httptest.NewRecorder(), r)
		sessionHandler.ServeHTTP(httptest.NewRecorder(), r)
	}

	// Corbado refusing or failing auth tokens.
	const apiSecret, authToken = "corbado1_api-secret-0123456789abcdef", "auth-token-that-must-stay-private"
	a.secret("Corbado API secret", apiSecret)
	a.secret("Corbado auth token", authToken)
	statuses := []int{401, 400, 500, 200}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := statuses[0]
		statuses = statuses[1:]
		w.WriteHeader(status)
		// Corbado's errorRsp, quoting the token where Corbado might; a 200
		// whose userData holds no username.
		body, _ := json.Marshal(map[string]any{"httpStatusCode": status, "message": "token " + authToken + " invalid",
			"requestData": map[string]any{"requestID": "req-1", "link": "https://app.corbado.com/requests/req-1"},
			"error": map[string]any{"type": "validation_error", "details": authToken,
				"validation": []map[string]string{{"field": "token", "message": authToken}}},
			"data": map[string]any{"userID": "usr-1", "userData": `{"username":42,"token":"` + authToken + `"}`}})
		w.Write(body)
	}))
	defer backend.Close()
	client, err := corbado.NewAuthTokenClient(corbado.AuthTokenConfig{ProjectID: "pro-1234567890", APISecret: apiSecret, BaseURL: backend.URL})
	require.NoError(t, err)
	tokenHandler, err := corbado.NewAuthTokenHandler(corbado.AuthTokenHandlerConfig{Client: client, Store: p.store, Logger: a.logger()})
	require.NoError(t, err)
	for range 4 {
		rec := httptest.NewRecorder()
		tokenHandler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?"+corbado.AuthTokenQueryParameter+"="+url.QueryEscape(authToken), nil))
		assert.NotEqual(t, http.StatusOK, rec.Code)
	}

	lines, errs, secrets := a.counts()
	assert.Greater(t, lines, 100, "log lines produced")
	assert.Greater(t, errs, 10, "error texts produced")
	t.Logf("figures: end-to-end secrets audit: %d log lines and %d error texts checked against %d secrets", lines, errs, secrets)
}

func mustHandler(t *testing.T, v challenge.Verifier) *challenge.Handler {
	t.Helper()
	h, err := challenge.New(challenge.Config{Verifier: v})
	require.NoError(t, err)
	return h
}

// quotingDirectory is a careless UserDirectory of someone else's making:
// its errors repeat the password.
type quotingDirectory struct{ corbado.UserDirectory }

func (d quotingDirectory) VerifyPassword(ctx context.Context, username, password string) (bool, error) {
	if strings.HasPrefix(username, "fail") {
		return false, errors.New("directory down while checking " + password)
	}
	return d.UserDirectory.VerifyPassword(ctx, username, password)
}
