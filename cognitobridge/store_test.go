package cognitobridge_test

import (
	"context"
	"testing"

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
		c.server.CustomAttributes = []string{"createdByCorbado", "passkeyOnly"}
		c.store.ProviderAttribute = "custom:passkeyOnly"
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
