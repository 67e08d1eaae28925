package testtools

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strconv"
	"sync"
	"testing"
)

// StartMoto starts moto_server (Python's AWS emulator, on PATH) on a free
// loopback port, keeping its state in memory (so every call starts empty),
// waits until it answers, and stops it when the test ends. It returns the
// endpoint, such as http://127.0.0.1:40123, for the SDK's BaseEndpoint.
// Tests use it for DynamoDB transactions (TransactWriteItems), which
// dynalite does not emulate, for Cognito as a second emulator nobody here
// wrote (cognitobridge's moto conformance suite, cognitotest's settings
// check), and for Lambda permissions (cmd/passkeybridge). Its Cognito
// differs from AWS in known ways: REFERENCE.md lists them and the tests
// that use it check each.
//
// The endpoint is a proxy that hands moto one request at a time: moto
// serves each request on a thread of its own and takes no lock around a
// table, so a conditional write's check and its write are not atomic.
// Two PutItems conditioned on the same rev then both succeed (1 in 30
// races of ten writers on an idle machine, far more under load), which
// DynamoDB never allows; one request at a time, every write is atomic
// again, while the callers' reads and writes still interleave freely.
//
// When moto_server is missing the test is skipped, or fails under CI=true
// (see Missing).
func StartMoto(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		Missing(t, "testtools: moto_server not found in PATH")
		return ""
	}
	port, release, err := freePort()
	if err != nil {
		t.Fatalf("testtools: free port: %v", err)
	}
	defer release() // once the tool listens
	out := &tailBuffer{max: 16 << 10}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = out, out
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	runService(t, "moto_server", cmd, out, endpoint+"/moto-api/")
	return oneAtATime(t, endpoint)
}

// oneAtATime returns the URL of a loopback proxy to endpoint that
// forwards one request at a time, closed when the test ends.
func oneAtATime(t testing.TB, endpoint string) string {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("testtools: %v", err)
	}
	transport := &http.Transport{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = transport
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	return srv.URL
}
