package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
)

const testSeedUser = "grace@example.com"

// startApp starts the app on a free port and shuts it down when the test
// ends.
func startApp(t *testing.T) *app {
	t.Helper()
	a, err := newApp(config{Addr: "127.0.0.1:0", SeedUser: testSeedUser})
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
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
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
		{"/", "text/html", `id="signup"`},
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
			assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'")
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

	status, _ = post(t, a.URL+"/api/signout", nil, res.Session.AccessToken)
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = post(t, a.URL+"/api/signout", nil, res.Session.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, status, "the access token was revoked")
	status, _ = post(t, a.URL+"/api/signout", nil, "")
	assert.Equal(t, http.StatusUnauthorized, status)
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
