package testtools

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDir(t *testing.T) {
	tests := []struct {
		name       string
		tools, xdg string
		home       string
		want       string
	}{
		{name: "explicit", tools: "/opt/tools", xdg: "/x", home: "/h", want: "/opt/tools"},
		{name: "xdg cache", xdg: "/x", home: "/h", want: filepath.Join("/x", "passkeybridge")},
		{name: "home cache", home: "/h", want: filepath.Join("/h", ".cache", "passkeybridge")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvTools, tt.tools)
			t.Setenv("XDG_CACHE_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			assert.Equal(t, tt.want, Dir())
		})
	}
}

// recorder stands in for a *testing.T to see whether Missing skips or fails.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestMissing(t *testing.T) {
	tests := []struct {
		ci       string
		wantFail bool
	}{
		{ci: "", wantFail: false},
		{ci: "false", wantFail: false},
		{ci: "true", wantFail: true},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			Missing(r, "testtools: %s not installed", "thing")
			if tt.wantFail {
				assert.Contains(t, r.failed, "thing not installed")
				assert.Empty(t, r.skipped)
			} else {
				assert.Contains(t, r.skipped, "thing not installed")
				assert.Empty(t, r.failed)
			}
		})
	}
}

func TestNodeModuleMissing(t *testing.T) {
	t.Setenv(EnvTools, t.TempDir())
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	NodeModule(r, "no-such-tool/index.js")
	assert.Contains(t, r.failed, "no-such-tool/index.js not installed")
}

func TestStartCognitoLocal(t *testing.T) {
	var endpoint string
	t.Run("running", func(t *testing.T) {
		endpoint = StartCognitoLocal(t)
		resp, err := http.Get(endpoint + "/health")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})
	if endpoint == "" {
		t.Skip("cognito-local not available")
	}
	// The subtest's cleanup has stopped the process.
	_, err := http.Get(endpoint + "/health")
	assert.Error(t, err, "cognito-local still answers after the test ended")
}
