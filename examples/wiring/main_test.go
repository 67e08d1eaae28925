package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// TestRunAgainstTheEmulator runs the README's wiring program against the
// emulator, configured only through the environment as in production: the
// SDK finds the emulator through AWS_ENDPOINT_URL.
func TestRunAgainstTheEmulator(t *testing.T) {
	key := []byte("wiring-example-key-0123456789abc") // 32 bytes
	proof, err := challenge.NewHMACProof(key)
	require.NoError(t, err)
	triggers, err := challenge.New(challenge.Config{Verifier: proof})
	require.NoError(t, err)
	s, err := cognitotest.NewServer(cognitotest.Config{Triggers: triggers, ClientSecret: true, PreventUserExistenceErrors: true})
	require.NoError(t, err)
	t.Cleanup(s.Close)

	t.Setenv("AWS_ENDPOINT_URL", s.URL())
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	env := map[string]string{
		"PASSKEYBRIDGE_USER_POOL_ID":  s.UserPoolID(),
		"PASSKEYBRIDGE_CLIENT_ID":     s.ClientID(),
		"PASSKEYBRIDGE_CLIENT_SECRET": s.ClientSecret(),
		"PASSKEYBRIDGE_PROOF_KEY":     base64.StdEncoding.EncodeToString(key),
		"PASSKEYBRIDGE_JWKS_URL":      s.JWKSURL(),
	}
	getenv := func(k string) string { return env[k] }

	for _, round := range []string{"first login creates the user", "returning user"} {
		t.Run(round, func(t *testing.T) {
			var out strings.Builder
			require.NoError(t, run(t.Context(), getenv, "alice@example.com", &out))
			var session struct{ Email, IDToken, AccessToken, RefreshToken string }
			require.NoError(t, json.Unmarshal([]byte(out.String()), &session), out.String())
			assert.Equal(t, "alice@example.com", session.Email)
			assert.NotEmpty(t, session.IDToken)
			assert.NotEmpty(t, session.AccessToken)
			assert.NotEmpty(t, session.RefreshToken)
		})
	}
	u, ok := s.User("alice@example.com")
	require.True(t, ok)
	assert.Equal(t, "true", u.Attributes["custom:createdByCorbado"])

	t.Run("a wrong key signs nobody in", func(t *testing.T) {
		bad := map[string]string{}
		for k, v := range env {
			bad[k] = v
		}
		bad["PASSKEYBRIDGE_PROOF_KEY"] = base64.StdEncoding.EncodeToString([]byte("another-key-0123456789abcdefghij"))
		var out strings.Builder
		err := run(t.Context(), func(k string) string { return bad[k] }, "alice@example.com", &out)
		require.Error(t, err)
		assert.Empty(t, out.String())
	})

	t.Run("a key that is not base64 fails before any call", func(t *testing.T) {
		err := run(t.Context(), func(k string) string {
			if k == "PASSKEYBRIDGE_PROOF_KEY" {
				return "not base64!"
			}
			return env[k]
		}, "alice@example.com", &strings.Builder{})
		require.EqualError(t, err, "PASSKEYBRIDGE_PROOF_KEY is not standard base64")
	})
}
