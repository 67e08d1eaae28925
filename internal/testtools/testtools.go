// Package testtools finds and runs the outside tools some tests drive, such
// as cognito-local, an independent Cognito emulator written in Node.
//
// The tools are installed by .ci/run (npm install --prefix) into a cache
// directory, never into the repository:
//
//	$PASSKEYBRIDGE_TOOLS                      if set, else
//	${XDG_CACHE_HOME:-$HOME/.cache}/passkeybridge
//
// A test that needs a missing tool is skipped on a developer machine and
// fails when the environment says CI=true, so CI cannot pass by skipping.
package testtools

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// EnvTools names the environment variable that overrides the tools directory.
const EnvTools = "PASSKEYBRIDGE_TOOLS"

// Dir returns the directory the outside tools are installed under.
func Dir() string {
	if d := os.Getenv(EnvTools); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "passkeybridge")
}

// Missing skips the test, or fails it when CI=true, because a tool it needs
// is not installed.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: .ci/run must install it)", msg)
		return
	}
	t.Skipf("%s; run .ci/run once, or set %s", msg, EnvTools)
}

// NodeModule returns the path of rel inside the npm tree of the tools
// directory (for example "cognito-local/lib/bin/start.js") and the node
// binary to run it with. It calls Missing when either is absent.
func NodeModule(t testing.TB, rel string) (node, path string) {
	t.Helper()
	path = filepath.Join(Dir(), "npm", "node_modules", filepath.FromSlash(rel))
	if _, err := os.Stat(path); err != nil {
		Missing(t, "testtools: %s not installed", rel)
		return "", ""
	}
	node, err := exec.LookPath("node")
	if err != nil {
		Missing(t, "testtools: node not found in PATH")
		return "", ""
	}
	return node, path
}

// cognitoLocalConfig keeps usernames free-form: cognito-local otherwise
// treats every pool as UsernameAttributes [email] and replaces the
// username with a generated sub, which real pools of the seed do not do.
const cognitoLocalConfig = `{"UserPoolDefaults":{"UsernameAttributes":[]}}`

// StartCognitoLocal starts cognito-local 5.x on a free loopback port in a
// fresh temporary working directory (its database lives there, so every
// call starts empty), waits until it answers GET /health, and stops it when
// the test ends. It returns the endpoint, such as http://127.0.0.1:40123.
func StartCognitoLocal(t testing.TB) string {
	t.Helper()
	node, script := NodeModule(t, "cognito-local/lib/bin/start.js")

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".cognito"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".cognito", "config.json"), []byte(cognitoLocalConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	port, release, err := freePort()
	if err != nil {
		t.Fatalf("testtools: free port: %v", err)
	}
	defer release() // once the tool listens

	out := &tailBuffer{max: 16 << 10}
	cmd := exec.Command(node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", "PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = out, out
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	runService(t, "cognito-local", cmd, out, endpoint+"/health")
	return endpoint
}

// runService starts cmd, kills it when the test ends, and waits until
// healthURL answers 200; out holds the service's output for the failure
// message.
func runService(t testing.TB, name string, cmd *exec.Cmd, out *tailBuffer, healthURL string) {
	t.Helper()
	// Should node leave a child holding the output pipes, Wait gives up
	// after this long instead of hanging the test binary.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("testtools: start %s: %v", name, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	if err := waitHealthy(healthURL, exited, 30*time.Second); err != nil {
		if errors.Is(err, errExited) {
			err = fmt.Errorf("%w: %v", err, waitErr)
		}
		t.Fatalf("testtools: %s did not come up: %v\noutput:\n%s", name, err, out.String())
	}
}

// anyPort returns a port that is free now, from Listen(":0").
func anyPort() (int, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, func() {}, nil
}

var errExited = errors.New("process exited")

func waitHealthy(url string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// tailBuffer keeps the last max bytes written to it, safe for the two
// goroutines exec uses for stdout and stderr.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if extra := b.buf.Len() - b.max; extra > 0 {
		b.buf.Next(extra)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// LoadTest skips a load test (hundreds of concurrent sign-ins, floods of
// requests, fault storms) under go test -short, for a quick edit-test loop.
// The README's command, go test -race ./..., and CI run them: -short is
// only ever a developer's choice.
func LoadTest(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("testtools: load test, skipped under -short; go test -race ./... runs it")
	}
}
