package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/passkey/mail"
)

const testSeedUser = "grace@example.com"

// startApp starts the app on a free port and shuts it down when the test
// ends.
func startApp(t *testing.T) *app {
	t.Helper()
	return startAppConfig(t, config{Addr: "127.0.0.1:0", SeedUser: testSeedUser})
}

func startAppConfig(t *testing.T, cfg config) *app {
	t.Helper()
	a, err := newApp(t.Context(), cfg)
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- a.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, a.Shutdown(ctx))
		assert.ErrorIs(t, <-served, http.ErrServerClosed)
	})
	return a
}

func post(t *testing.T, url string, body any, token string) (int, []byte) {
	t.Helper()
	return postWith(t, http.DefaultClient, url, body, token)
}

// postWith posts with client, which may keep cookies like a browser.
func postWith(t *testing.T, client *http.Client, url string, body any, token string) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

func TestAppServesPage(t *testing.T) {
	a := startApp(t)
	assert.True(t, strings.HasPrefix(a.URL, "http://localhost:"), a.URL)
	assert.NotEmpty(t, a.SeedPassword, "a random password for the seeded user")

	tests := []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", `autocomplete="username webauthn"`},
		{"/dev/mail", "text/html", "Development aid"},
		{"/app.js", "javascript", "parseCreationOptionsFromJSON"},
		{"/style.css", "text/css", "#status"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(a.URL + tt.path)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("Content-Type"), tt.contentType)
			assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src '")
			assert.Contains(t, string(body), tt.contains)
		})
	}
}

func TestAppPasswordClaimsAndSignOut(t *testing.T) {
	a := startApp(t)

	status, body := post(t, a.URL+"/api/passkey/password", map[string]string{"username": a.SeedUser, "password": a.SeedPassword}, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var res struct {
		Grant   string                `json:"grant"`
		Session cognitobridge.Session `json:"session"`
	}
	require.NoError(t, json.Unmarshal(body, &res))
	assert.NotEmpty(t, res.Grant)

	status, body = post(t, a.URL+"/api/claims", nil, res.Session.IDToken)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(body, &claims))
	assert.Equal(t, a.SeedUser, claims["email"])
	assert.Equal(t, "id", claims["token_use"])

	status, _ = post(t, a.URL+"/api/claims", nil, res.Session.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, status, "an access token is not an ID token")
	status, _ = post(t, a.URL+"/api/claims", nil, "")
	assert.Equal(t, http.StatusUnauthorized, status)

	status, _ = post(t, a.URL+"/api/passkey/signout", nil, res.Session.AccessToken)
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = post(t, a.URL+"/api/passkey/signout", nil, res.Session.AccessToken)
	assert.Equal(t, http.StatusNoContent, status, "signing out a revoked session succeeds")
	status, _ = post(t, a.URL+"/api/passkey/signout", nil, "")
	assert.Equal(t, http.StatusUnauthorized, status)

	// The grant died with the sign-out: it registers nothing.
	status, body = post(t, a.URL+"/api/passkey/registration/begin", map[string]string{"grant": res.Grant}, "")
	assert.Equal(t, http.StatusUnauthorized, status, "%s", body)
}

func TestRunShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{Addr: "127.0.0.1:0", SeedUser: testSeedUser, SeedPassword: "Local-Demo-Pw-1"}, out)
	}()

	var url string
	require.Eventually(t, func() bool {
		for line := range strings.Lines(out.String()) {
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "passkeybridge local demo: open "); ok {
				url = u
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
	assert.Contains(t, out.String(), "seeded password user: grace@example.com  password: Local-Demo-Pw-1")

	resp, err := http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	_, err = http.Get(url)
	assert.Error(t, err, "still serving after shutdown")
}

func TestRunFailsOnBusyAddress(t *testing.T) {
	a := startApp(t)
	addr := strings.TrimPrefix(a.URL, "http://localhost")
	err := run(context.Background(), config{Addr: "127.0.0.1" + addr}, io.Discard)
	require.Error(t, err)
	var opErr interface{ Timeout() bool }
	assert.True(t, errors.As(err, &opErr), "a listen error: %v", err)
}

// lockedBuffer is written by run's goroutine and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// browserClient is an HTTP client that keeps cookies, like one browser.
func browserClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar}
}

type proofMail struct {
	proof, code, link string
}

// askForProof runs email/start for email in client and returns the proof
// and the code and link of the mail that arrived at the demo's server.
func askForProof(t *testing.T, a *app, client *http.Client, email string) proofMail {
	t.Helper()
	status, body := postWith(t, client, a.URL+"/api/passkey/email/start", map[string]string{"email": email}, "")
	require.Equal(t, http.StatusAccepted, status, "%s", body)
	var started struct {
		Proof   string `json:"proof"`
		Expires int64  `json:"expires"`
	}
	require.NoError(t, json.Unmarshal(body, &started))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	got, err := a.Mail.Wait(ctx, email)
	require.NoError(t, err)
	require.Len(t, got.Links(), 1)
	code := proofCode(got.Text)
	require.NotEmpty(t, code)
	return proofMail{proof: started.Proof, code: code, link: got.Links()[0]}
}

type signIn struct {
	Session  cognitobridge.Session `json:"session"`
	Grant    string                `json:"grant"`
	Recovery bool                  `json:"recovery"`
}

func TestAppEmailSignUpThroughSMTP(t *testing.T) {
	var mailLog lockedBuffer
	a := startAppConfig(t, config{Addr: "127.0.0.1:0", MailLog: &mailLog})
	client := browserClient(t)
	const ada = "ada@example.com"
	m := askForProof(t, a, client, ada)
	assert.True(t, strings.HasPrefix(m.link, a.URL+"/#link="), "links are built from the configured origin: %s", m.link)
	assert.Contains(t, mailLog.String(), "mail to "+ada+": \"Your passkeybridge local demo sign-in code\"  code: "+m.code+"  link: "+m.link)

	// The link, opened in another browser (no cookie), is refused.
	status, body := post(t, a.URL+"/api/passkey/email/verify", map[string]string{"link": strings.TrimPrefix(m.link, a.URL+"/#link=")}, "")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, string(body), "link_other_browser")

	status, body = postWith(t, client, a.URL+"/api/passkey/email/verify", map[string]string{"proof": m.proof, "code": m.code}, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var res signIn
	require.NoError(t, json.Unmarshal(body, &res))
	assert.NotEmpty(t, res.Grant, "a proof grants the first passkey")
	assert.False(t, res.Recovery)
	claims, err := a.IDTokens.Validate(t.Context(), res.Session.IDToken)
	require.NoError(t, err)
	assert.Equal(t, ada, claims.Email)
	var all map[string]any
	require.NoError(t, claims.Decode(&all))
	assert.Equal(t, true, all["email_verified"], "a proven address")

	// The code is spent; so is the link that carries the same secret.
	status, _ = postWith(t, client, a.URL+"/api/passkey/email/verify", map[string]string{"proof": m.proof, "code": m.code}, "")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = postWith(t, client, a.URL+"/api/passkey/email/verify", map[string]string{"link": strings.TrimPrefix(m.link, a.URL+"/#link=")}, "")
	assert.Equal(t, http.StatusUnauthorized, status)
}

func TestAppMagicLinkSignIn(t *testing.T) {
	a := startApp(t)
	client := browserClient(t)
	m := askForProof(t, a, client, a.SeedUser)
	status, body := postWith(t, client, a.URL+"/api/passkey/email/verify", map[string]string{"link": strings.TrimPrefix(m.link, a.URL+"/#link=")}, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var res signIn
	require.NoError(t, json.Unmarshal(body, &res))
	assert.Equal(t, a.SeedUser, res.Session.Email, "the password user signs in by mail, no passkey needed")
}

func TestMailInboxShowsTheMail(t *testing.T) {
	a := startApp(t)
	m := askForProof(t, a, browserClient(t), "ada@example.com")
	resp, err := http.Get(a.URL + "/dev/mail")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), "Development aid")
	assert.Contains(t, string(body), m.code)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
}

func TestProofCode(t *testing.T) {
	msg, err := mail.DefaultTemplates().Proof("ada@example.com", mail.ProofData{RPName: "X", Code: "493027", Link: "http://localhost:1/#link=a.b", Expires: time.Now()})
	require.NoError(t, err)
	assert.Equal(t, "493027", proofCode(msg.Text))
	assert.Empty(t, proofCode("no code here\n    two words\n    http://localhost/#link=x\n"))
}

// With -state-table, ceremonies, grants and email proofs live in
// DynamoDB (here dynalite): a sign-up by code works, and its proof was
// written to the table.
func TestAppStateInDynamoDB(t *testing.T) {
	endpoint := testtools.StartDynalite(t)
	a := startAppConfig(t, config{Addr: "127.0.0.1:0", StateTable: "passkey-state", DynamoEndpoint: endpoint})
	client := browserClient(t)
	m := askForProof(t, a, client, "ada@example.com")

	db := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	out, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String("passkey-state")})
	require.NoError(t, err)
	assert.Positive(t, out.Count, "the proof is in the table")

	status, body := postWith(t, client, a.URL+"/api/passkey/email/verify", map[string]string{"proof": m.proof, "code": m.code}, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var res signIn
	require.NoError(t, json.Unmarshal(body, &res))
	status, body = post(t, a.URL+"/api/passkey/registration/begin", map[string]string{"grant": res.Grant}, "")
	assert.Equal(t, http.StatusOK, status, "the grant from DynamoDB opens a registration: %s", body)
}
