package cognitotest_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/jwks"
)

// claimsOf decodes a JWT's payload without checking it.
func claimsOf(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	return claims
}

// fetchKeys reads the served JWKS into RSA public keys by kid, checking
// the members a Cognito JWKS has.
func fetchKeys(t testing.TB, url string) map[string]*rsa.PublicKey {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var doc struct {
		Keys []struct {
			Alg, E, Kid, Kty, N, Use string
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	keys := map[string]*rsa.PublicKey{}
	for _, k := range doc.Keys {
		assert.Equal(t, "RS256", k.Alg)
		assert.Equal(t, "RSA", k.Kty)
		assert.Equal(t, "sig", k.Use)
		n, err := base64.RawURLEncoding.DecodeString(k.N)
		require.NoError(t, err)
		e, err := base64.RawURLEncoding.DecodeString(k.E)
		require.NoError(t, err)
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys
}

// verifySignature checks an RS256 compact JWS against keys, by its kid.
func verifySignature(t testing.TB, token string, keys map[string]*rsa.PublicKey) {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	var header struct{ Alg, Kid, Typ string }
	require.NoError(t, json.Unmarshal(rawHeader, &header))
	assert.Equal(t, "RS256", header.Alg)
	key := keys[header.Kid]
	require.NotNil(t, key, "the kid is in the JWKS")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	require.NoError(t, rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig))
}

func TestTokenClaims(t *testing.T) {
	clk := newClock()
	s := newServer(t, cognitotest.Config{Now: clk.Now, Region: "eu-central-1", ReadAttributes: readAll})
	createUser(t, s, alice, map[string]string{
		"email":                   alice,
		"email_verified":          "true",
		"name":                    "Alice Liddell",
		"custom:createdByCorbado": "true",
	})
	u, _ := s.User(alice)
	authTime := clk.Now()
	res := tokensFor(t, s, alice)

	keys := fetchKeys(t, s.JWKSURL())
	require.Len(t, keys, 1)
	verifySignature(t, aws.ToString(res.IdToken), keys)
	verifySignature(t, aws.ToString(res.AccessToken), keys)

	id := claimsOf(t, aws.ToString(res.IdToken))
	access := claimsOf(t, aws.ToString(res.AccessToken))
	issuer := "https://cognito-idp.eu-central-1.amazonaws.com/" + s.UserPoolID()
	assert.Equal(t, issuer, s.Issuer())
	uuid := `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`

	assert.Equal(t, u.Sub, id["sub"])
	assert.Equal(t, true, id["email_verified"], "email_verified is a JSON boolean")
	assert.Equal(t, issuer, id["iss"])
	assert.Equal(t, alice, id["cognito:username"])
	assert.Equal(t, s.ClientID(), id["aud"])
	assert.Equal(t, "id", id["token_use"])
	assert.Equal(t, float64(authTime.Unix()), id["auth_time"])
	assert.Equal(t, float64(clk.Now().Unix()), id["iat"])
	assert.Equal(t, float64(clk.Now().Add(time.Hour).Unix()), id["exp"])
	assert.Equal(t, alice, id["email"])
	assert.Equal(t, "Alice Liddell", id["name"])
	assert.Equal(t, "true", id["custom:createdByCorbado"])
	assert.Regexp(t, uuid, id["jti"])
	assert.Regexp(t, uuid, id["origin_jti"])
	assert.Regexp(t, uuid, id["event_id"])
	assert.NotContains(t, id, "client_id")

	assert.Equal(t, u.Sub, access["sub"])
	assert.Equal(t, issuer, access["iss"])
	assert.Equal(t, s.ClientID(), access["client_id"])
	assert.NotContains(t, access, "aud", "Cognito access tokens have no aud")
	assert.Equal(t, "access", access["token_use"])
	assert.Equal(t, "aws.cognito.signin.user.admin", access["scope"])
	assert.Equal(t, alice, access["username"])
	assert.Equal(t, float64(authTime.Unix()), access["auth_time"])
	assert.Equal(t, float64(clk.Now().Add(time.Hour).Unix()), access["exp"])
	assert.Equal(t, id["origin_jti"], access["origin_jti"])
	assert.Equal(t, id["event_id"], access["event_id"])
	assert.NotEqual(t, id["jti"], access["jti"])
	assert.NotContains(t, access, "email")

	assert.Greater(t, len(aws.ToString(res.RefreshToken)), 100, "the refresh token is long and opaque")
	assert.NotContains(t, aws.ToString(res.RefreshToken), ".")
}

func TestTokenValidityConfig(t *testing.T) {
	clk := newClock()
	s := newServer(t, cognitotest.Config{Now: clk.Now, IDTokenValidity: 5 * time.Minute, AccessTokenValidity: 10 * time.Minute})
	createUser(t, s, alice, nil)
	res := tokensFor(t, s, alice)
	assert.Equal(t, int32(600), res.ExpiresIn)
	assert.Equal(t, float64(clk.Now().Add(5*time.Minute).Unix()), claimsOf(t, aws.ToString(res.IdToken))["exp"])
	assert.Equal(t, float64(clk.Now().Add(10*time.Minute).Unix()), claimsOf(t, aws.ToString(res.AccessToken))["exp"])
}

func TestJWKSEndpoint(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	assert.Equal(t, s.URL()+"/"+s.UserPoolID()+"/.well-known/jwks.json", s.JWKSURL())

	resp, err := http.Get(s.URL() + "/other_pool/.well-known/jwks.json")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.JWKSURL(), nil)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestTokensValidateWithJWKS checks the tokens against the library's own
// validator, configured as for real Cognito but fetching keys from the
// emulator.
func TestTokensValidateWithJWKS(t *testing.T) {
	clk := newClock()
	s := newServer(t, cognitotest.Config{Now: clk.Now, ReadAttributes: readAll})
	createUser(t, s, alice, map[string]string{"email": alice, "email_verified": "true", "custom:createdByCorbado": "true"})
	res := tokensFor(t, s, alice)
	ctx := context.Background()

	for _, tt := range []struct {
		use, token string
	}{
		{"id", aws.ToString(res.IdToken)},
		{"access", aws.ToString(res.AccessToken)},
	} {
		t.Run(tt.use, func(t *testing.T) {
			cfg, err := jwks.CognitoConfig(s.UserPoolID(), tt.use, s.ClientID())
			require.NoError(t, err)
			cfg.JWKSURL = s.JWKSURL()
			cfg.Now = clk.Now
			v, err := jwks.New(cfg)
			require.NoError(t, err)
			claims, err := v.Validate(ctx, tt.token)
			require.NoError(t, err)
			assert.Equal(t, s.Issuer(), claims.Issuer)
			assert.Equal(t, alice, claims.Username)
			assert.Equal(t, tt.use, claims.TokenUse)
			if tt.use == "id" {
				assert.True(t, claims.EmailVerified)
				assert.Equal(t, "true", claims.Custom["custom:createdByCorbado"])
			}

			wrongUse, err := jwks.CognitoConfig(s.UserPoolID(), map[string]string{"id": "access", "access": "id"}[tt.use], s.ClientID())
			require.NoError(t, err)
			wrongUse.JWKSURL = s.JWKSURL()
			wrongUse.Now = clk.Now
			v, err = jwks.New(wrongUse)
			require.NoError(t, err)
			_, err = v.Validate(ctx, tt.token)
			require.ErrorIs(t, err, jwks.ErrInvalidToken)
		})
	}
}

// TestIssuerForms: the updated issuer form, and a Multi-Region replica
// whose tokens name the replica's region with the original form.
func TestIssuerForms(t *testing.T) {
	for name, tt := range map[string]struct {
		cfg  cognitotest.Config
		want string
		typ  types.IssuerType
	}{
		"original": {cognitotest.Config{Region: "eu-west-1"}, "https://cognito-idp.eu-west-1.amazonaws.com/", types.IssuerTypeOriginal},
		"updated":  {cognitotest.Config{Region: "eu-west-1", UpdatedIssuer: true}, "https://issuer-cognito-idp.eu-west-1.amazonaws.com/", types.IssuerTypeUpdated},
		"replica":  {cognitotest.Config{Region: "eu-west-1", ReplicaRegion: "us-east-2"}, "https://cognito-idp.us-east-2.amazonaws.com/", types.IssuerTypeOriginal},
		"replica, updated issuer": {cognitotest.Config{Region: "eu-west-1", ReplicaRegion: "us-east-2", UpdatedIssuer: true},
			"https://issuer-cognito-idp.eu-west-1.amazonaws.com/", types.IssuerTypeUpdated},
	} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, tt.cfg)
			assert.True(t, strings.HasPrefix(s.UserPoolID(), "eu-west-1_"), "the pool ID keeps the pool's region")
			assert.Equal(t, tt.want+s.UserPoolID(), s.Issuer())
			createUser(t, s, alice, nil)
			res := tokensFor(t, s, alice)
			assert.Equal(t, s.Issuer(), claimsOf(t, aws.ToString(res.IdToken))["iss"])
			assert.Equal(t, s.Issuer(), claimsOf(t, aws.ToString(res.AccessToken))["iss"])
			_, err := s.Client().GetUser(context.Background(), &cip.GetUserInput{AccessToken: res.AccessToken})
			require.NoError(t, err)
			out, err := s.Client().DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: aws.String(s.UserPoolID())})
			require.NoError(t, err)
			assert.Equal(t, tt.typ, out.UserPool.IssuerConfiguration.Type)
		})
	}
	_, err := cognitotest.NewServer(cognitotest.Config{SigningKey: testKey(), Region: "eu-west-1", ReplicaRegion: "eu-west-1"})
	assert.ErrorContains(t, err, "replica region")
}
