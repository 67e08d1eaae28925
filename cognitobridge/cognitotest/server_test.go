package cognitotest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func TestNewServerConfig(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	tests := []struct {
		name    string
		cfg     cognitotest.Config
		wantErr string
	}{
		{name: "zero value"},
		{name: "full", cfg: cognitotest.Config{
			Region: "ap-southeast-2", ClientSecret: true, PreventUserExistenceErrors: true,
			CustomAttributes: []string{"a", "custom:b"}, ExplicitAuthFlows: []string{cognitotest.AllowCustomAuth},
			AuthSessionValidity: 15 * time.Minute, IDTokenValidity: 24 * time.Hour, AccessTokenValidity: 5 * time.Minute,
			RefreshTokenValidity: time.Hour, PasswordPolicy: &cognitotest.PasswordPolicy{MinimumLength: 99},
		}},
		{name: "bad region", cfg: cognitotest.Config{Region: "moon"}, wantErr: `cognitotest: invalid region "moon"`},
		{name: "legacy flow name", cfg: cognitotest.Config{ExplicitAuthFlows: []string{"ADMIN_NO_SRP_AUTH"}}, wantErr: "unknown explicit auth flow"},
		{name: "session validity too short", cfg: cognitotest.Config{AuthSessionValidity: time.Minute}, wantErr: "AuthSessionValidity"},
		{name: "session validity too long", cfg: cognitotest.Config{AuthSessionValidity: 16 * time.Minute}, wantErr: "AuthSessionValidity"},
		{name: "ID token validity", cfg: cognitotest.Config{IDTokenValidity: 25 * time.Hour}, wantErr: "IDTokenValidity"},
		{name: "access token validity", cfg: cognitotest.Config{AccessTokenValidity: time.Minute}, wantErr: "AccessTokenValidity"},
		{name: "refresh token validity", cfg: cognitotest.Config{RefreshTokenValidity: time.Minute}, wantErr: "RefreshTokenValidity"},
		{name: "password length", cfg: cognitotest.Config{PasswordPolicy: &cognitotest.PasswordPolicy{MinimumLength: 5}}, wantErr: "password minimum length"},
		{name: "custom attribute name", cfg: cognitotest.Config{CustomAttributes: []string{"has space"}}, wantErr: "invalid custom attribute name"},
		{name: "custom attribute too long", cfg: cognitotest.Config{CustomAttributes: []string{"abcdefghijklmnopqrstu"}}, wantErr: "invalid custom attribute name"},
		{name: "small key", cfg: cognitotest.Config{SigningKey: small}, wantErr: "2048 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.SigningKey == nil {
				cfg.SigningKey = testKey()
			}
			before := cfg
			s, err := cognitotest.NewServer(cfg)
			assert.Equal(t, before, cfg, "NewServer does not change the config")
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Nil(t, s)
				return
			}
			require.NoError(t, err)
			s.Close()
		})
	}
}

func TestServerIdentity(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	assert.Regexp(t, `^us-east-1_[A-Za-z0-9]{9}$`, s.UserPoolID())
	assert.Regexp(t, `^[a-z0-9]{26}$`, s.ClientID())
	assert.Empty(t, s.ClientSecret())
	assert.Equal(t, "us-east-1", s.Region())
	assert.Equal(t, "https://cognito-idp.us-east-1.amazonaws.com/"+s.UserPoolID(), s.Issuer())
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, s.URL())

	other := newServer(t, cognitotest.Config{ClientSecret: true, Region: "eu-west-3"})
	assert.Regexp(t, `^eu-west-3_[A-Za-z0-9]{9}$`, other.UserPoolID())
	assert.Regexp(t, `^[a-z0-9]{51}$`, other.ClientSecret())
	assert.NotEqual(t, s.UserPoolID(), other.UserPoolID())
	assert.NotEqual(t, s.ClientID(), other.ClientID())

	// A fresh key when none is given.
	fresh, err := cognitotest.NewServer(cognitotest.Config{})
	require.NoError(t, err)
	fresh.Close()
	fresh.Close() // twice is fine
}

func TestCustomAttributesConfig(t *testing.T) {
	s := newServer(t, cognitotest.Config{CustomAttributes: []string{}})
	_, err := s.Client().AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{attr("custom:createdByCorbado", "true")},
	})
	requireAPIError[*types.InvalidParameterException](t, err, "user.custom:createdByCorbado: Attribute does not exist in the schema.\n")
}
