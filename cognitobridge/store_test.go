package cognitobridge_test

import (
	"context"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func TestNew(t *testing.T) {
	srv, err := cognitotest.NewServer(cognitotest.Config{SigningKey: signingKey()})
	require.NoError(t, err)
	defer srv.Close()
	valid := func() cognitobridge.Config {
		return cognitobridge.Config{
			Client:     srv.Client(),
			UserPoolID: srv.UserPoolID(),
			ClientID:   srv.ClientID(),
			Proof:      newProof(t),
		}
	}
	tests := []struct {
		name    string
		edit    func(*cognitobridge.Config)
		wantErr string
	}{
		{name: "minimal", edit: func(*cognitobridge.Config) {}},
		{name: "admin password flow", edit: func(c *cognitobridge.Config) { c.PasswordAuthFlow = types.AuthFlowTypeAdminUserPasswordAuth }},
		{name: "user password flow", edit: func(c *cognitobridge.Config) { c.PasswordAuthFlow = types.AuthFlowTypeUserPasswordAuth }},
		{name: "own attribute", edit: func(c *cognitobridge.Config) { c.ProviderAttribute = "custom:passkeyOnly" }},
		{name: "no client", edit: func(c *cognitobridge.Config) { c.Client = nil }, wantErr: "missing Client"},
		{name: "no pool", edit: func(c *cognitobridge.Config) { c.UserPoolID = "" }, wantErr: "missing UserPoolID"},
		{name: "no app client", edit: func(c *cognitobridge.Config) { c.ClientID = "" }, wantErr: "missing ClientID"},
		{name: "standard attribute", edit: func(c *cognitobridge.Config) { c.ProviderAttribute = "email_verified" }, wantErr: "not a custom attribute"},
		{name: "empty custom name", edit: func(c *cognitobridge.Config) { c.ProviderAttribute = "custom:" }, wantErr: "not a custom attribute"},
		{name: "SRP flow", edit: func(c *cognitobridge.Config) { c.PasswordAuthFlow = types.AuthFlowTypeUserSrpAuth }, wantErr: "PasswordAuthFlow"},
		{name: "everything missing", edit: func(c *cognitobridge.Config) { *c = cognitobridge.Config{} }, wantErr: "missing Client; missing UserPoolID; missing ClientID"},
		{name: "rotating client", edit: func(c *cognitobridge.Config) { c.RefreshTokenRotation = true }},
		// A mistyped pool ID fails here, not at the first Login.
		{name: "pool ID without underscore", edit: func(c *cognitobridge.Config) { c.UserPoolID = "us-east-1AbCdEf123" }, wantErr: "not a user pool ID"},
		{name: "pool ID with a space", edit: func(c *cognitobridge.Config) { c.UserPoolID = "us-east-1_AbC dEf" }, wantErr: "not a user pool ID"},
		{name: "pool ID pasted as an ARN", edit: func(c *cognitobridge.Config) {
			c.UserPoolID = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
		}, wantErr: "not a user pool ID"},
		{name: "pool ID too long", edit: func(c *cognitobridge.Config) { c.UserPoolID = "us-east-1_" + strings.Repeat("a", 46) }, wantErr: "not a user pool ID"},
		// The emulator's client has a custom endpoint: its pools may be
		// named as emulators like (cognito-local's local_…).
		{name: "emulator pool name", edit: func(c *cognitobridge.Config) { c.UserPoolID = "local_5aQ1bC7d" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.edit(&cfg)
			before := cfg
			store, err := cognitobridge.New(cfg)
			assert.Equal(t, before, cfg, "New changed the caller's config")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Nil(t, store)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Regexp(t, `^cognitobridge: `, err.Error())
				return
			}
			require.NoError(t, err)
			require.NotNil(t, store)
		})
	}
}

// Against AWS itself (the SDK's client without a custom endpoint) the pool
// ID's region must be a region, and the one the client calls. No request
// is sent: New is offline.
func TestNewChecksPoolRegion(t *testing.T) {
	client := func(region string) *cip.Client { return cip.New(cip.Options{Region: region}) }
	tests := []struct {
		name, pool, region, wantErr string
	}{
		{name: "matching region", pool: "eu-central-1_AbCdEf123", region: "eu-central-1"},
		{name: "GovCloud", pool: "us-gov-west-1_AbCdEf123", region: "us-gov-west-1"},
		{name: "client without region", pool: "eu-west-2_AbCdEf123"},
		{name: "other region", pool: "eu-central-1_AbCdEf123", region: "us-east-1", wantErr: "pool of region eu-central-1, but Client calls region us-east-1"},
		{name: "typo in region", pool: "us-east1_AbCdEf123", region: "us-east-1", wantErr: "names no AWS region"},
		{name: "emulator name on AWS", pool: "local_AbCdEf123", region: "us-east-1", wantErr: "names no AWS region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cognitobridge.New(cognitobridge.Config{Client: client(tt.region), UserPoolID: tt.pool, ClientID: "client"})
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestStatus(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.passwordUser(t, alice, alicePW)
	_, err := e.store.CreateUser(ctx, bob, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.passwordUser(t, "carol@example.com", alicePW)
	e.disable(t, "carol@example.com")
	_, err = e.store.CreateUser(ctx, "dave@example.com", cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.disable(t, "dave@example.com")
	e.halfCreatedUser(t, "erin@example.com")
	e.passwordUser(t, "frank@example.com", "") // invited, never signed in

	tests := []struct {
		username     string
		wantStatus   cognitobridge.Status
		wantProvider bool
		wantEnabled  bool
		wantCognito  string
	}{
		{username: nobody, wantStatus: cognitobridge.StatusNotExists},
		{username: alice, wantStatus: cognitobridge.StatusExists, wantEnabled: true, wantCognito: "CONFIRMED"},
		{username: bob, wantStatus: cognitobridge.StatusExists, wantProvider: true, wantEnabled: true, wantCognito: "CONFIRMED"},
		{username: "carol@example.com", wantStatus: cognitobridge.StatusDisabled, wantCognito: "CONFIRMED"},
		{username: "dave@example.com", wantStatus: cognitobridge.StatusDisabled, wantProvider: true, wantCognito: "CONFIRMED"},
		{username: "erin@example.com", wantStatus: cognitobridge.StatusExists, wantProvider: true, wantEnabled: true, wantCognito: "FORCE_CHANGE_PASSWORD"},
		{username: "frank@example.com", wantStatus: cognitobridge.StatusExists, wantEnabled: true, wantCognito: "FORCE_CHANGE_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.username, func(t *testing.T) {
			e.srv.ResetCalls()
			u, err := e.store.Status(ctx, tt.username)
			require.NoError(t, err)
			assert.Equal(t, 1, e.srv.Calls(""), "Status is one AdminGetUser")
			assert.Equal(t, tt.username, u.Username)
			assert.Equal(t, tt.wantStatus, u.Status)
			assert.Equal(t, tt.wantProvider, u.CreatedByProvider)
			assert.Equal(t, tt.wantEnabled, u.Enabled)
			assert.Equal(t, tt.wantCognito, u.CognitoStatus)
			if tt.wantStatus == cognitobridge.StatusNotExists {
				assert.Empty(t, u.Sub)
				return
			}
			want, ok := e.srv.User(tt.username)
			require.True(t, ok)
			assert.Equal(t, want.Sub, u.Sub)
			assert.Equal(t, tt.username, u.Email)
		})
	}
}

func TestStatusProviderAttributeValue(t *testing.T) {
	// Only the string "true" marks a provider-created user.
	e := newEnv(t, func(c *envConfig) {
		c.pool.Server.CustomAttributes = []string{"createdByCorbado", "passkeyOnly"}
		c.pool.Store.ProviderAttribute = "custom:passkeyOnly"
	})
	ctx := context.Background()
	_, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	got, ok := e.srv.User(alice)
	require.True(t, ok)
	assert.Equal(t, "true", got.Attributes["custom:passkeyOnly"])
	assert.NotContains(t, got.Attributes, "custom:createdByCorbado")

	u, err := e.store.Status(ctx, alice)
	require.NoError(t, err)
	assert.True(t, u.CreatedByProvider)

	e.halfCreatedUser(t, bob) // sets custom:createdByCorbado, not the configured one
	u, err = e.store.Status(ctx, bob)
	require.NoError(t, err)
	assert.False(t, u.CreatedByProvider)
}

// Only the exact string "true" marks a user as the provider's: "TRUE",
// "false" or "1" written by some other tool is a user of someone else's,
// whose password the store must never reset and whom Corbado must be told
// exists.
func TestProviderAttributeExactlyTrue(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		value string
		want  bool
	}{
		{"true", true},
		{"TRUE", false},
		{"True", false},
		{"false", false},
		{"1", false},
		{" true", false},
	} {
		t.Run(tt.value, func(t *testing.T) {
			e := newEnv(t)
			attrs := map[string]string{"email": alice, "email_verified": "true", cognitobridge.DefaultProviderAttribute: tt.value}
			_, err := e.srv.AddUser(alice, alicePW, attrs)
			require.NoError(t, err)
			u, err := e.store.Status(ctx, alice)
			require.NoError(t, err)
			assert.Equal(t, tt.want, u.CreatedByProvider)

			// Waiting in FORCE_CHANGE_PASSWORD: only the provider's own
			// half-created user is repaired with a random password.
			_, err = e.srv.AddUser(bob, "", map[string]string{"email": bob, cognitobridge.DefaultProviderAttribute: tt.value})
			require.NoError(t, err)
			e.srv.ResetCalls()
			_, err = e.store.CreateUser(ctx, bob, cognitobridge.CreateOptions{})
			require.NoError(t, err)
			want := 0
			if tt.want {
				want = 1
			}
			assert.Equal(t, want, e.srv.Calls("AdminSetUserPassword"))
		})
	}
}
