package passkey_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey"
)

func TestNewValidatesConfig(t *testing.T) {
	h := newHarness(t)
	creds, err := passkey.OpenFileStore(filepath.Join(t.TempDir(), "p.json"))
	require.NoError(t, err)
	valid := func() passkey.Config {
		return passkey.Config{
			RPID:          "example.com",
			RPDisplayName: "Example",
			RPOrigins:     []string{"https://example.com", "https://app.example.com:8443"},
			Store:         h.store,
			Credentials:   creds,
		}
	}
	tests := []struct {
		name    string
		edit    func(c *passkey.Config)
		wantErr string // "" = valid
	}{
		{name: "valid", edit: func(c *passkey.Config) {}},
		{name: "localhost over http", edit: func(c *passkey.Config) {
			c.RPID, c.RPOrigins = "localhost", []string{"http://localhost:8080"}
		}},
		{name: "no RPID", edit: func(c *passkey.Config) { c.RPID = "" }, wantErr: "RPID is empty"},
		{name: "RPID with upper case", edit: func(c *passkey.Config) { c.RPID = "Example.com" }, wantErr: "not a lower-case domain"},
		{name: "RPID is a URL", edit: func(c *passkey.Config) { c.RPID = "https://example.com" }, wantErr: "not a lower-case domain"},
		{name: "RPID is an IP", edit: func(c *passkey.Config) { c.RPID = "127.0.0.1"; c.RPOrigins = []string{"https://127.0.0.1"} }, wantErr: "IP address"},
		{name: "no display name", edit: func(c *passkey.Config) { c.RPDisplayName = " " }, wantErr: "RPDisplayName is empty"},
		{name: "no origins", edit: func(c *passkey.Config) { c.RPOrigins = nil }, wantErr: "RPOrigins is empty"},
		{name: "origin with path", edit: func(c *passkey.Config) { c.RPOrigins = []string{"https://example.com/login"} }, wantErr: "not an origin"},
		{name: "origin with trailing slash", edit: func(c *passkey.Config) { c.RPOrigins = []string{"https://example.com/"} }, wantErr: "trailing slash"},
		{name: "origin without scheme", edit: func(c *passkey.Config) { c.RPOrigins = []string{"example.com"} }, wantErr: "not an origin"},
		{name: "http origin", edit: func(c *passkey.Config) { c.RPOrigins = []string{"http://example.com"} }, wantErr: "must use https"},
		{name: "origin of another site", edit: func(c *passkey.Config) { c.RPOrigins = []string{"https://example.net"} }, wantErr: "neither RPID"},
		{name: "origin that only ends like the RPID", edit: func(c *passkey.Config) { c.RPOrigins = []string{"https://badexample.com"} }, wantErr: "neither RPID"},
		{name: "no store", edit: func(c *passkey.Config) { c.Store = nil }, wantErr: "Store is nil"},
		{name: "no credentials", edit: func(c *passkey.Config) { c.Credentials = nil }, wantErr: "Credentials is nil"},
		{name: "negative timeout", edit: func(c *passkey.Config) { c.CeremonyTimeout = -time.Second }, wantErr: "CeremonyTimeout"},
		{name: "long timeout", edit: func(c *passkey.Config) { c.CeremonyTimeout = time.Hour }, wantErr: "CeremonyTimeout"},
		{name: "long grant", edit: func(c *passkey.Config) { c.GrantTimeout = time.Hour }, wantErr: "GrantTimeout"},
		{name: "negative bound", edit: func(c *passkey.Config) { c.MaxPending = -1 }, wantErr: "MaxPending"},
		{name: "mailer without link URL", edit: func(c *passkey.Config) { c.Mailer = h.rpMailer() }, wantErr: "LinkURL is empty"},
		{name: "link URL over http", edit: func(c *passkey.Config) { c.LinkURL = "http://example.com/signin" }, wantErr: "must use https"},
		{name: "link URL on localhost over http", edit: func(c *passkey.Config) { c.LinkURL = "http://localhost:8080/signin" }},
		{name: "link URL with a fragment", edit: func(c *passkey.Config) { c.LinkURL = "https://example.com/#x" }, wantErr: "fragment"},
		{name: "relative link URL", edit: func(c *passkey.Config) { c.LinkURL = "/signin" }, wantErr: "not an absolute URL"},
		{name: "short proof key", edit: func(c *passkey.Config) { c.ProofKey = make([]byte, 16) }, wantErr: "ProofKey"},
		{name: "short codes", edit: func(c *passkey.Config) { c.CodeDigits = 4 }, wantErr: "CodeDigits"},
		{name: "long proof timeout", edit: func(c *passkey.Config) { c.ProofTimeout = time.Hour }, wantErr: "ProofTimeout"},
		{name: "negative tries", edit: func(c *passkey.Config) { c.MaxCodeTries = -1 }, wantErr: "MaxCodeTries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.edit(&cfg)
			rp, err := passkey.New(cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.NotNil(t, rp)
				return
			}
			require.Error(t, err)
			assert.Nil(t, rp)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "passkey: invalid config")
		})
	}
}

func TestNewCopiesConfig(t *testing.T) {
	h := newHarness(t)
	cfg := passkey.Config{
		RPID:          testRPID,
		RPDisplayName: "Example",
		RPOrigins:     []string{testOrigin},
		Store:         h.store,
		Credentials:   h.creds,
	}
	before := cfg
	_, err := passkey.New(cfg)
	require.NoError(t, err)
	assert.Equal(t, before, cfg)

	// Changing the caller's slice afterwards changes nothing.
	rp, err := passkey.New(cfg)
	require.NoError(t, err)
	cfg.RPOrigins[0] = "https://evil.example.com"
	a := h.authenticator()
	h.newUser(a, "copy@example.com")
	opts, err := rp.BeginDiscoverableLogin(t.Context())
	require.NoError(t, err)
	b, err := json.Marshal(opts.PublicKey)
	require.NoError(t, err)
	_, err = rp.FinishDiscoverableLogin(t.Context(), opts.Ceremony, a.get(t, b, nil))
	assert.NoError(t, err, "the origin configured at New still counts")
}
