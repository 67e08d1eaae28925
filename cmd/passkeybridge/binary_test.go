package main

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinary builds the command and runs it as an operator would, with
// nothing but environment variables pointing the SDK's default
// configuration at moto.
func TestBinary(t *testing.T) {
	b := startMoto(t)
	if b == nil {
		return
	}
	goTool, err := exec.LookPath("go")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "passkeybridge")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	p := seedLegacy(t, b)
	home := t.TempDir()
	base := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret",
		// Cognito is called in the pool's region whatever this says.
		"AWS_REGION=eu-west-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	cli := func(env []string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(append([]string{}, base...), env...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return code, stdout.String(), stderr.String()
	}

	// The per-service variables win over AWS_ENDPOINT_URL, which points
	// nowhere here.
	perService := []string{
		"AWS_ENDPOINT_URL=http://127.0.0.1:1",
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=" + b.cognitoURL,
		"AWS_ENDPOINT_URL_LAMBDA=" + b.lambdaURL,
	}
	setup := []string{"setup", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN}
	code, stdout, stderr := cli(perService, append(setup, "--dry-run")...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "LambdaConfig.DefineAuthChallenge: (unset) → "+p.lambdaARN)
	assert.Contains(t, stdout, "dry run: nothing changed")

	code, stdout, stderr = cli(perService, setup...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "done: ")

	code, stdout, stderr = cli([]string{"AWS_ENDPOINT_URL=" + b.cognitoURL}, setup...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "nothing to change: the pool, its app clients and the function are wired\n", stdout)

	code, stdout, _ = cli([]string{"AWS_ENDPOINT_URL=" + b.cognitoURL}, "check", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--json")
	assert.Equal(t, 1, code, "moto drops UsernameConfiguration on UpdateUserPool: see TestCheckMoto")
	assert.Contains(t, stdout, `"code": "case-sensitive"`)

	code, stdout, stderr = cli(nil, "key")
	require.Equal(t, 0, code, stderr)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(stdout))
	require.NoError(t, err)
	assert.Len(t, raw, 32)

	code, _, stderr = cli(nil, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "frobnicate"`)
}
