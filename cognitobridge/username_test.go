package cognitobridge_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
)

func withCaseInsensitivePool(c *envConfig) { c.pool.Type.CaseSensitive = false }

func TestNormalize(t *testing.T) {
	sensitive := newEnv(t).store
	insensitive := newEnv(t, withCaseInsensitivePool).store
	tests := []struct {
		in              string
		wantSensitive   string
		wantInsensitive string
		wantErr         bool
	}{
		{in: "alice@example.com", wantSensitive: "alice@example.com", wantInsensitive: "alice@example.com"},
		{in: "  Bob@Example.COM\t", wantSensitive: "Bob@Example.COM", wantInsensitive: "bob@example.com"},
		// Only ASCII folds: the Kelvin sign stays, so "\u212aate@x" never
		// becomes kate@x's account.
		{in: "\u212aate@example.com", wantSensitive: "\u212aate@example.com", wantInsensitive: "\u212aate@example.com"},
		{in: "Ünïcode@Example.com", wantSensitive: "Ünïcode@Example.com", wantInsensitive: "Ünïcode@example.com"},
		{in: "", wantErr: true},
		{in: "   ", wantErr: true},
		{in: "no-at-sign", wantErr: true},
		{in: "@example.com", wantErr: true},
		{in: "alice@", wantErr: true},
		{in: "a@b@example.com", wantErr: true},
		{in: "al ice@example.com", wantErr: true},
		{in: "alice@exa\x00mple.com", wantErr: true},
		{in: "alice@exa\nmple.com", wantErr: true},
		{in: "alice\xff@example.com", wantErr: true},
		{in: strings.Repeat("a", 116) + "@example.com", wantSensitive: strings.Repeat("a", 116) + "@example.com", wantInsensitive: strings.Repeat("a", 116) + "@example.com"},
		{in: strings.Repeat("a", 117) + "@example.com", wantErr: true}, // 129 characters
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := sensitive.Normalize(tt.in)
			got2, err2 := insensitive.Normalize(tt.in)
			if tt.wantErr {
				require.ErrorIs(t, err, cognitobridge.ErrInvalidUsername)
				require.ErrorIs(t, err2, cognitobridge.ErrInvalidUsername)
				var e *cognitobridge.Error
				require.ErrorAs(t, err, &e)
				if strings.TrimSpace(tt.in) != "" {
					assert.NotContains(t, err.Error(), strings.TrimSpace(tt.in), "the error does not repeat the input")
				}
				return
			}
			require.NoError(t, err)
			require.NoError(t, err2)
			assert.Equal(t, tt.wantSensitive, got)
			assert.Equal(t, tt.wantInsensitive, got2)
			// Normalising twice changes nothing.
			again, err := insensitive.Normalize(got2)
			require.NoError(t, err)
			assert.Equal(t, got2, again)
		})
	}
}

// A legacy user created with mixed case, before the bridge: however its
// owner types the address, the bridge finds that user and creates none.
func TestNormalizeFindsLegacyMixedCaseUser(t *testing.T) {
	const legacy = "Bob@Example.com"
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		opts  []envOption
		typed []string
	}{
		{name: "case-insensitive pool", opts: []envOption{withCaseInsensitivePool}, typed: []string{"Bob@Example.com", "bob@example.com", " BOB@EXAMPLE.COM "}},
		// On a case-sensitive pool only the exact case is that user, as
		// for Cognito's own sign-in; Normalize keeps it reachable.
		{name: "case-sensitive pool", typed: []string{"Bob@Example.com", " Bob@Example.com"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			e.passwordUser(t, legacy, alicePW)
			for _, typed := range tt.typed {
				name, err := e.store.Normalize(typed)
				require.NoError(t, err)
				u, err := e.store.Status(ctx, name)
				require.NoError(t, err)
				assert.Equal(t, cognitobridge.StatusExists, u.Status, typed)
				assert.Equal(t, legacy, u.Username)

				ok, err := e.store.VerifyPassword(ctx, name, alicePW)
				require.NoError(t, err)
				assert.True(t, ok, typed)

				sess, err := e.store.Login(ctx, name, cognitobridge.CreateOptions{EmailVerified: true})
				require.NoError(t, err, typed)
				e.session(sess)
				assert.Equal(t, u.Sub, sess.Sub)
				assert.Equal(t, legacy, sess.Username)
			}
			assert.Equal(t, 0, e.srv.Calls("AdminCreateUser"), "no second user")
		})
	}
}
