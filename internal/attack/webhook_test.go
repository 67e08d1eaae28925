package attack

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/internal/testtools"
)

const (
	hookUser = "corbado-webhook"
	hookPass = "hook-Pass<w0rd>&more"
)

func authMethods(username string) string {
	b, _ := json.Marshal(map[string]any{"id": "who-1234567890", "projectID": "pro-1234567890",
		"action": corbado.ActionAuthMethods, "data": map[string]string{"username": username}})
	return string(b)
}

func passwordVerify(username, password string) string {
	b, _ := json.Marshal(map[string]any{"id": "who-1234567890", "projectID": "pro-1234567890",
		"action": corbado.ActionPasswordVerify, "data": map[string]string{"username": username, "password": password}})
	return string(b)
}

// webhookRequest is a well-formed webhook call as Corbado sends it.
func webhookRequest(action, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/corbado/webhook", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Corbado-Action", action)
	r.SetBasicAuth(hookUser, hookPass)
	return r
}

// webhookCase is one abusive (or proper) call and the answer it must get.
type webhookCase struct {
	name    string
	request func() *http.Request
	status  int
	body    string // exact; "" checks only the status
	header  map[string]string
}

const (
	legacyUser  = "legacy.user@example.com"
	legacyPW    = "Legacy-Pa$$w0rd<1>"
	passkeyUser = "passkey.user@example.com"
	blockedUser = "blocked.user@example.com"
	unknownUser = "unknown.user@example.com"
)

var (
	exists       = `{"responseID":"","data":{"status":"exists"}}`
	notExists    = `{"responseID":"","data":{"status":"not_exists"}}`
	blocked      = `{"responseID":"","data":{"status":"blocked"}}`
	verified     = `{"responseID":"","data":{"success":true}}`
	notVerified  = `{"responseID":"","data":{"success":false}}`
	unauthorized = map[string]string{"WWW-Authenticate": `Basic realm="restricted", charset="UTF-8"`}
)

func with(action, body string, edit func(*http.Request)) func() *http.Request {
	return func() *http.Request {
		r := webhookRequest(action, body)
		if edit != nil {
			edit(r)
		}
		return r
	}
}

func basic(value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", value) }
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// webhookCases lists the abuse of issue 9 (wrong and missing credentials,
// huge and truncated bodies, wrong content types and methods, an action
// header that contradicts the body) beside proper calls, with the answer
// each must get from a handler with the default 64 KiB body cap.
func webhookCases() []webhookCase {
	am, pv := corbado.ActionAuthMethods, corbado.ActionPasswordVerify
	right := passwordVerify(legacyUser, legacyPW)
	cases := []webhookCase{
		{name: "authMethods legacy user", request: with(am, authMethods(legacyUser), nil), status: 200, body: exists},
		{name: "authMethods passkey user", request: with(am, authMethods(passkeyUser), nil), status: 200, body: notExists},
		{name: "authMethods unknown user", request: with(am, authMethods(unknownUser), nil), status: 200, body: notExists},
		{name: "authMethods blocked user", request: with(am, authMethods(blockedUser), nil), status: 200, body: blocked},
		{name: "passwordVerify right", request: with(pv, right, nil), status: 200, body: verified},
		{name: "passwordVerify wrong", request: with(pv, passwordVerify(legacyUser, legacyPW+"x"), nil), status: 200, body: notVerified},
		{name: "passwordVerify passkey user", request: with(pv, passwordVerify(passkeyUser, legacyPW), nil), status: 200, body: notVerified},

		// Credentials.
		{name: "no Authorization", request: with(pv, right, func(r *http.Request) { r.Header.Del("Authorization") }), status: 401, header: unauthorized},
		{name: "wrong password", request: with(pv, right, func(r *http.Request) { r.SetBasicAuth(hookUser, hookPass+"x") }), status: 401, header: unauthorized},
		{name: "password prefix", request: with(pv, right, func(r *http.Request) { r.SetBasicAuth(hookUser, hookPass[:len(hookPass)-1]) }), status: 401},
		{name: "wrong user", request: with(pv, right, func(r *http.Request) { r.SetBasicAuth("corbado", hookPass) }), status: 401},
		{name: "user in other case", request: with(pv, right, func(r *http.Request) { r.SetBasicAuth(strings.ToUpper(hookUser), hookPass) }), status: 401},
		{name: "swapped fields", request: with(pv, right, func(r *http.Request) { r.SetBasicAuth(hookPass, hookUser) }), status: 401},
		{name: "empty fields", request: with(pv, right, func(r *http.Request) { r.SetBasicAuth("", "") }), status: 401},
		{name: "password with trailing space", request: with(pv, right, func(r *http.Request) { r.SetBasicAuth(hookUser, hookPass+" ") }), status: 401},
		{name: "no colon", request: with(pv, right, basic("Basic "+b64(hookUser+hookPass))), status: 401},
		{name: "not base64", request: with(pv, right, basic("Basic "+hookUser+":"+hookPass)), status: 401},
		{name: "bearer scheme", request: with(pv, right, basic("Bearer "+b64(hookUser+":"+hookPass))), status: 401},
		{name: "credentials twice", request: with(pv, right, func(r *http.Request) {
			r.Header.Set("Authorization", "Basic "+b64("x:y"))
			r.Header.Add("Authorization", "Basic "+b64(hookUser+":"+hookPass))
		}), status: 401},
		{name: "huge Authorization", request: with(pv, right, basic("Basic "+b64(hookUser+":"+strings.Repeat("p", 32<<10)))), status: 401},

		// Methods: 405 before the credentials are even looked at.
		{name: "GET", request: with(am, "", func(r *http.Request) { r.Method = http.MethodGet }), status: 405,
			header: map[string]string{"Allow": "POST"}},
		{name: "PUT without credentials", request: with(am, authMethods(legacyUser), func(r *http.Request) {
			r.Method = http.MethodPut
			r.Header.Del("Authorization")
		}), status: 405},
		{name: "DELETE", request: with(am, "", func(r *http.Request) { r.Method = http.MethodDelete }), status: 405},
		{name: "PATCH", request: with(am, authMethods(legacyUser), func(r *http.Request) { r.Method = http.MethodPatch }), status: 405},
		{name: "OPTIONS", request: with(am, "", func(r *http.Request) { r.Method = http.MethodOptions }), status: 405},
		{name: "HEAD", request: with(am, "", func(r *http.Request) { r.Method = http.MethodHead }), status: 405},
		{name: "lower-case post", request: with(am, authMethods(legacyUser), func(r *http.Request) { r.Method = "post" }), status: 405},

		// Action header against the body.
		{name: "header authMethods, body passwordVerify", request: with(am, right, nil), status: 400},
		{name: "header passwordVerify, body authMethods", request: with(pv, authMethods(legacyUser), nil), status: 400},
		{name: "no action header", request: with(pv, right, func(r *http.Request) { r.Header.Del("X-Corbado-Action") }), status: 400},
		{name: "action header in other case", request: with("PasswordVerify", right, nil), status: 400},
		{name: "unknown action", request: with("userDelete", `{"action":"userDelete","data":{"username":"x"}}`, nil), status: 400},
		{name: "two action headers", request: with(am, right, func(r *http.Request) { r.Header.Add("X-Corbado-Action", pv) }), status: 400},
		{name: "body without action", request: with(am, `{"data":{"username":"`+legacyUser+`"}}`, nil), status: 400},

		// Bodies.
		{name: "empty body", request: with(am, "", nil), status: 400},
		{name: "whitespace body", request: with(am, " \n\t ", nil), status: 400},
		{name: "body over the cap", request: with(am, authMethods(legacyUser)+strings.Repeat(" ", corbado.DefaultMaxWebhookBody), nil), status: 413},
		{name: "huge body", request: with(pv, `{"action":"passwordVerify","data":{"username":"`+legacyUser+`","password":"`+strings.Repeat("A", 1<<20)+`"}}`, nil), status: 413},
		{name: "trailing garbage", request: with(am, authMethods(legacyUser)+"x", nil), status: 400},
		{name: "two objects", request: with(am, authMethods(legacyUser)+authMethods(legacyUser), nil), status: 400},
		{name: "array", request: with(am, "["+authMethods(legacyUser)+"]", nil), status: 400},
		{name: "username of the wrong type", request: with(am, `{"action":"authMethods","data":{"username":["`+legacyUser+`"]}}`, nil), status: 400},
		{name: "password null", request: with(pv, `{"action":"passwordVerify","data":{"username":"`+legacyUser+`","password":null}}`, nil), status: 400},
		{name: "deep nesting", request: with(am, `{"action":"authMethods","x":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`,"data":{"username":"a@b.c"}}`, nil), status: 400},
		{name: "invalid UTF-8", request: with(am, "{\"action\":\"authMethods\",\"data\":{\"username\":\"\xff\xfe\"}}", nil), status: 200, body: notExists},

		// Content types: not what decides. Corbado's own Go handler
		// (webhook-go) does not look at Content-Type either, and Basic auth
		// plus the custom X-Corbado-Action header already keep a browser's
		// cross-site "simple" request out. A valid body is answered as
		// usual, anything else is a 400 as with application/json.
		{name: "text/plain", request: with(pv, right, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }), status: 200, body: verified},
		{name: "no content type", request: with(am, authMethods(legacyUser), func(r *http.Request) { r.Header.Del("Content-Type") }), status: 200, body: exists},
		{name: "XML", request: with(am, `<action>authMethods</action>`, func(r *http.Request) { r.Header.Set("Content-Type", "application/xml") }), status: 400},
		{name: "form-encoded", request: with(pv, "action=passwordVerify&username="+legacyUser+"&password=x", func(r *http.Request) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}), status: 400},
		{name: "multipart", request: with(am, "--b\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nauthMethods\r\n--b--", func(r *http.Request) {
			r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		}), status: 400},
		{name: "UTF-16 JSON", request: with(am, "\xff\xfe{\x00}\x00", func(r *http.Request) { r.Header.Set("Content-Type", "application/json; charset=utf-16") }), status: 400},
	}
	// Every proper prefix of a valid body is truncated JSON.
	for _, n := range []int{1, 2, 10, 40, len(right) / 2, len(right) - 2, len(right) - 1} {
		cases = append(cases, webhookCase{name: fmt.Sprintf("truncated to %d bytes", n), request: with(pv, right[:n], nil), status: 400})
	}
	return cases
}

// webhookPool is an emulated pool holding one user of each kind the
// webhooks tell apart, and the webhook handler answering from it.
func webhookPool(t *testing.T, a *audit) (*pool, http.Handler) {
	t.Helper()
	p := newPool(t, a)
	ctx := context.Background()
	p.passwordUser(t, legacyUser, legacyPW)
	p.passwordUser(t, blockedUser, legacyPW+"b")
	_, err := p.srv.Client().AdminDisableUser(ctx, &cip.AdminDisableUserInput{
		UserPoolId: aws.String(p.srv.UserPoolID()), Username: aws.String(blockedUser)})
	require.NoError(t, err)
	_, err = p.store.CreateUser(ctx, passkeyUser, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	a.username(passkeyUser, unknownUser)
	a.secret("webhook password", hookPass)
	a.secret("wrong password", legacyPW+"x", hookPass+"x", hookPass+" ", hookPass[:len(hookPass)-1])
	h, err := corbado.NewWebhookHandler(corbado.WebhookConfig{
		Username: hookUser, Password: hookPass, Users: corbado.CognitoDirectory(p.store), Logger: a.logger(),
	})
	require.NoError(t, err)
	return p, h
}

func checkAnswer(t *testing.T, c webhookCase, status int, header http.Header, body string) {
	t.Helper()
	assert.Equal(t, c.status, status, c.name)
	if c.body != "" {
		assert.Equal(t, c.body, body, c.name)
	}
	for k, v := range c.header {
		assert.Equal(t, v, header.Get(k), "%s: header %s", c.name, k)
	}
	if status != http.StatusUnauthorized {
		assert.Empty(t, header.Get("WWW-Authenticate"), c.name)
	}
	for _, secret := range []string{hookPass, legacyPW} {
		assert.NotContains(t, body, secret, "%s: answer repeats a secret", c.name)
	}
}

// TestWebhookAbuse: each abusive call gets its documented status and a
// fixed body, from the handler in front of the emulated pool.
func TestWebhookAbuse(t *testing.T) {
	a := newAudit(t)
	_, h := webhookPool(t, a)
	for _, c := range webhookCases() {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, c.request())
			checkAnswer(t, c, rec.Code, rec.Header(), rec.Body.String())
		})
	}
}

// countingReader counts what the handler reads of a body.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestWebhookBodyCapHolds: an endless body is answered 413 after reading
// just past the cap, and a body cut off in transit (Content-Length larger
// than what arrives) is a 400, over a real connection.
func TestWebhookBodyCapHolds(t *testing.T) {
	a := newAudit(t)
	_, h := webhookPool(t, a)

	body := &countingReader{r: io.MultiReader(strings.NewReader(`{"action":"authMethods","data":{"username":"`), endless{})}
	r := webhookRequest(corbado.ActionAuthMethods, "")
	r.Body = io.NopCloser(body)
	r.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.LessOrEqual(t, body.n, int64(corbado.DefaultMaxWebhookBody+64<<10), "bytes read of an endless body")

	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	full := passwordVerify(legacyUser, legacyPW)
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nX-Corbado-Action: passwordVerify\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", b64(hookUser+":"+hookPass), len(full), full[:len(full)/2])
	require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "body cut off in transit: %s", got)
	assert.NotContains(t, string(got), legacyPW)
}

// TestWebhookConcurrentAbuse: 1,000 calls from 50 goroutines over real
// connections, proper and abusive mixed, each get the status (and for
// 200s the body) they must; afterwards every goroutine the run started
// has ended.
func TestWebhookConcurrentAbuse(t *testing.T) {
	testtools.LoadTest(t)
	const (
		requests = 1000
		workers  = 50
	)
	before := runtime.NumGoroutine()
	a := newAudit(t)
	p, h := webhookPool(t, a)
	cases := webhookCases()
	srv := httptest.NewServer(h)
	client := srv.Client()

	type result struct {
		c            webhookCase
		status       int
		header       http.Header
		body         string
		err          error
		transportErr bool
	}
	results := make([]result, requests)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				c := cases[i%len(cases)]
				req := c.request()
				out, err := http.NewRequest(req.Method, srv.URL+req.URL.Path, bytes.NewReader(mustRead(req.Body)))
				if err != nil {
					results[i] = result{c: c, err: err}
					continue
				}
				out.Header = req.Header.Clone()
				resp, err := client.Do(out)
				if err != nil {
					results[i] = result{c: c, err: err, transportErr: true}
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				results[i] = result{c: c, status: resp.StatusCode, header: resp.Header, body: string(body), err: err}
			}
		})
	}
	t0 := time.Now()
	for i := range requests {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(t0)
	for _, r := range results {
		if !assert.NoError(t, r.err, r.c.name) {
			continue
		}
		if r.c.request().Method == http.MethodHead {
			r.body = "" // HEAD answers carry no body over the wire
		}
		checkAnswer(t, r.c, r.status, r.header, r.body)
	}

	srv.Close()
	client.CloseIdleConnections()
	p.srv.Close()
	http.DefaultClient.CloseIdleConnections()
	after := settleGoroutines(before, 10*time.Second)
	assert.LessOrEqual(t, after, before, "goroutines left running:\n%s", goroutineDump())
	t.Logf("figures: %d webhook calls (%d kinds, proper and abusive) from %d goroutines over HTTP: %v wall, every status right; "+
		"goroutines %d before, %d after", requests, len(cases), workers, elapsed.Round(time.Millisecond), before, after)
}

func mustRead(r io.Reader) []byte {
	if r == nil {
		return nil
	}
	b, _ := io.ReadAll(r)
	return b
}

// settleGoroutines waits until at most want goroutines run, or until
// timeout, and returns the last count.
func settleGoroutines(want int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
