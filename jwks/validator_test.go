package jwks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

const (
	poolID   = "eu-central-1_AbCdEf123"
	clientID = "3n4b5urk1ft4fl3mg5e62d9ado"
	issuer   = "https://cognito-idp.eu-central-1.amazonaws.com/" + poolID
	issuer2  = "https://issuer-cognito-idp.eu-central-1.amazonaws.com/" + poolID
)

var (
	keysOnce sync.Once
	testKey  *jwkstest.Key
	otherKey *jwkstest.Key
)

// keys returns two RSA-2048 keys made once for the package's tests.
func keys(t testing.TB) (*jwkstest.Key, *jwkstest.Key) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if testKey, err = jwkstest.NewKey(); err != nil {
			panic(err)
		}
		if otherKey, err = jwkstest.NewKey(); err != nil {
			panic(err)
		}
	})
	return testKey, otherKey
}

var fixedNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// newCognito returns a Validator for ID (or access) tokens of the test
// pool with static keys and a fixed clock.
func newCognito(t testing.TB, tokenUse string, mutate ...func(*jwks.Config)) *jwks.Validator {
	t.Helper()
	key, _ := keys(t)
	cfg, err := jwks.CognitoConfig(poolID, tokenUse, clientID)
	require.NoError(t, err)
	cfg.JWKSURL = ""
	cfg.Keys = jwkstest.JWKS(key)
	cfg.Now = func() time.Time { return fixedNow }
	for _, m := range mutate {
		m(&cfg)
	}
	v, err := jwks.New(cfg)
	require.NoError(t, err)
	return v
}

func sign(t testing.TB, key *jwkstest.Key, claims any) string {
	t.Helper()
	tok, err := key.Sign(claims)
	require.NoError(t, err)
	return tok
}

func signHeader(t testing.TB, key *jwkstest.Key, header map[string]any, claims any) string {
	t.Helper()
	tok, err := key.SignWithHeader(header, claims)
	require.NoError(t, err)
	return tok
}

func idClaims(mutate ...func(map[string]any)) map[string]any {
	c := jwkstest.CognitoIDClaims(poolID, clientID, "alice@example.com", fixedNow)
	for _, m := range mutate {
		m(c)
	}
	return c
}

func TestCognitoConfig(t *testing.T) {
	cfg, err := jwks.CognitoConfig(poolID, "id", clientID)
	require.NoError(t, err)
	assert.Equal(t, []string{issuer, issuer2}, cfg.Issuers)
	assert.Equal(t, issuer+"/.well-known/jwks.json", cfg.JWKSURL)
	assert.Equal(t, []string{clientID}, cfg.Audiences)
	assert.Equal(t, "id", cfg.TokenUse)

	gov, err := jwks.CognitoConfig("us-gov-west-1_abc123", "access", clientID)
	require.NoError(t, err)
	assert.Equal(t, "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_abc123", gov.Issuers[0])
}

// A mistyped pool ID or token use fails when the Config is made, before
// any network call, with an error that says what shape was expected.
func TestCognitoConfigRefusesOffline(t *testing.T) {
	tests := []struct {
		name, pool, use string
		wantErr         string
	}{
		{"empty pool", "", "id", "<region>_<id>"},
		{"no region", "AbCdEf123", "id", "<region>_<id>"},
		{"region only", "eu-central-1", "id", "<region>_<id>"},
		{"no id", "eu-central-1_", "id", "<region>_<id>"},
		{"URL", "https://evil/_x", "id", "<region>_<id>"},
		{"path", "eu-central-1_abc/../x", "id", "<region>_<id>"},
		{"region without number", "eu-central_abc", "id", "<region>_<id>"},
		{"upper-case region", "EU-WEST-1_abc", "id", "<region>_<id>"},
		{"space", "eu-west-1_abc ", "id", "<region>_<id>"},
		{"cognito-local pool", "local_4Ab2xyz", "id", "<region>_<id>"},
		{"empty token use", poolID, "", `"id" or "access"`},
		{"refresh token use", poolID, "refresh", `"id" or "access"`},
		{"token use in capitals", poolID, "ID", `"id" or "access"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := jwks.CognitoConfig(tt.pool, tt.use, clientID)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "jwks: "), err.Error())
			assert.Empty(t, cfg.Issuers, "no half-made Config")
			assert.Empty(t, cfg.JWKSURL)
		})
	}
	for _, good := range []string{"eu-west-1_AbC123", "ap-southeast-2_x", "us-gov-west-1_abc123", "cn-north-1_Z9", "il-central-1_q"} {
		_, err := jwks.CognitoConfig(good, "access", clientID)
		assert.NoError(t, err, good)
	}
}

func TestValidateCognitoIDToken(t *testing.T) {
	key, _ := keys(t)
	v := newCognito(t, "id")
	claims := idClaims(func(c map[string]any) {
		c["name"] = "Alice Example"
		c["cognito:groups"] = []string{"admins", "staff"}
		c["custom:createdByCorbado"] = "true"
		c["custom:tier"] = 3
	})
	for _, iss := range []string{issuer, issuer2} {
		claims["iss"] = iss
		got, err := v.Validate(context.Background(), sign(t, key, claims))
		require.NoError(t, err, iss)
		assert.Equal(t, iss, got.Issuer)
		assert.Equal(t, "5f0c6c0e-1f53-4b1d-9d63-0c1bdc1a2f00", got.Subject)
		assert.Equal(t, "alice@example.com", got.Email)
		assert.True(t, got.EmailVerified)
		assert.Equal(t, "alice@example.com", got.Username)
		assert.Equal(t, "Alice Example", got.Name)
		assert.Equal(t, []string{"admins", "staff"}, got.Groups)
		assert.Equal(t, "id", got.TokenUse)
		assert.Equal(t, []string{clientID}, got.Audience)
		assert.Equal(t, fixedNow.Add(time.Hour), got.ExpiresAt.UTC())
		assert.Equal(t, fixedNow, got.IssuedAt.UTC())
		assert.Equal(t, fixedNow, got.AuthTime.UTC())
		assert.Equal(t, map[string]string{"custom:createdByCorbado": "true", "custom:tier": "3"}, got.Custom)

		var extra struct {
			EventID string `json:"event_id"`
		}
		require.NoError(t, got.Decode(&extra))
		assert.Equal(t, "0a9d9c1e-3b46-4b67-9a53-6c7ad3e43b6b", extra.EventID)
	}
}

func TestValidateCognitoAccessToken(t *testing.T) {
	key, _ := keys(t)
	v := newCognito(t, "access")
	access := jwkstest.CognitoAccessClaims(poolID, clientID, "alice@example.com", fixedNow)
	got, err := v.Validate(context.Background(), sign(t, key, access))
	require.NoError(t, err)
	assert.Equal(t, clientID, got.ClientID)
	assert.Equal(t, "access", got.TokenUse)
	assert.Equal(t, "alice@example.com", got.Username)
	assert.Equal(t, "aws.cognito.signin.user.admin", got.Scope)

	// An ID token is not an access token and the other way round.
	_, err = v.Validate(context.Background(), sign(t, key, idClaims()))
	assert.ErrorIs(t, err, jwks.ErrInvalidToken)
	_, err = newCognito(t, "id").Validate(context.Background(), sign(t, key, access))
	assert.ErrorIs(t, err, jwks.ErrInvalidToken)

	access["client_id"] = "another-client"
	_, err = v.Validate(context.Background(), sign(t, key, access))
	assert.ErrorContains(t, err, "client_id")
}

func TestEmailVerifiedAsString(t *testing.T) {
	key, _ := keys(t)
	got, err := newCognito(t, "id").Validate(context.Background(), sign(t, key, idClaims(func(c map[string]any) {
		c["email_verified"] = "true"
	})))
	require.NoError(t, err)
	assert.True(t, got.EmailVerified)
}

// hs256 signs header.claims with HMAC-SHA256 keyed by secret: the
// algorithm-confusion attack when secret is the RSA public key.
func hs256(t *testing.T, header, claims any, secret []byte) string {
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestValidateRejects(t *testing.T) {
	key, other := keys(t)
	hdr := func(mutate func(map[string]any)) map[string]any {
		h := map[string]any{"alg": "RS256", "kid": key.ID}
		mutate(h)
		return h
	}
	valid := sign(t, key, idClaims())
	parts := strings.Split(valid, ".")
	pubDER := key.PrivateKey.PublicKey.N.Bytes()

	tests := []struct {
		name    string
		token   string
		wantErr error
		wantMsg string
	}{
		{"empty", "", jwks.ErrInvalidToken, "empty"},
		{"too large", valid + strings.Repeat("A", jwks.MaxTokenSize), jwks.ErrInvalidToken, "16 KiB"},
		{"two parts", parts[0] + "." + parts[1], jwks.ErrInvalidToken, "compact"},
		{"four parts", valid + ".x", jwks.ErrInvalidToken, "compact"},
		{"JWE five parts", parts[0] + ".." + parts[1] + ".." + parts[2], jwks.ErrInvalidToken, "compact"},
		{"JSON serialisation", `{"payload":"` + parts[1] + `","signatures":[]}`, jwks.ErrInvalidToken, "compact"},
		{"dots only", "..", jwks.ErrInvalidToken, "compact"},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], jwks.ErrInvalidToken, "base64"},
		{"header not JSON", base64.RawURLEncoding.EncodeToString([]byte("not json")) + "." + parts[1] + "." + parts[2], jwks.ErrInvalidToken, "header"},
		{"alg none", signHeader(t, key, hdr(func(h map[string]any) { h["alg"] = "none" }), idClaims()), jwks.ErrInvalidToken, "algorithm"},
		{"alg None", signHeader(t, key, hdr(func(h map[string]any) { h["alg"] = "None" }), idClaims()), jwks.ErrInvalidToken, "algorithm"},
		{"alg lowercase rs256", signHeader(t, key, hdr(func(h map[string]any) { h["alg"] = "rs256" }), idClaims()), jwks.ErrInvalidToken, "algorithm"},
		{"alg not allowed RS512", signHeader(t, key, hdr(func(h map[string]any) { h["alg"] = "RS512" }), idClaims()), jwks.ErrInvalidToken, "algorithm"},
		{"HS256 with the public key", hs256(t, hdr(func(h map[string]any) { h["alg"] = "HS256" }), idClaims(), pubDER), jwks.ErrInvalidToken, "algorithm"},
		{"no kid", signHeader(t, key, map[string]any{"alg": "RS256"}, idClaims()), jwks.ErrInvalidToken, "kid"},
		{"unknown kid", signHeader(t, key, hdr(func(h map[string]any) { h["kid"] = "nope" }), idClaims()), jwks.ErrInvalidToken, "kid"},
		{"kid of a key not in the set", sign(t, other, idClaims()), jwks.ErrInvalidToken, "kid"},
		{"injected kid", signHeader(t, key, hdr(func(h map[string]any) { h["kid"] = "../../etc/passwd' OR 1=1" }), idClaims()), jwks.ErrInvalidToken, "kid"},
		{"signed by another key under our kid", signHeader(t, other, hdr(func(map[string]any) {}), idClaims()), jwks.ErrInvalidToken, "signature"},
		{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","exp":9999999999}`)) + "." + parts[2], jwks.ErrInvalidToken, "signature"},
		{"crit", signHeader(t, key, hdr(func(h map[string]any) { h["crit"] = []string{"exp"} }), idClaims()), jwks.ErrInvalidToken, "crit"},
		{"jku", signHeader(t, key, hdr(func(h map[string]any) { h["jku"] = "https://evil.example/jwks" }), idClaims()), jwks.ErrInvalidToken, "key URL"},
		{"x5u", signHeader(t, key, hdr(func(h map[string]any) { h["x5u"] = "https://evil.example/cert" }), idClaims()), jwks.ErrInvalidToken, "key URL"},
		{"jwk", signHeader(t, key, hdr(func(h map[string]any) { h["jwk"] = other.JWK() }), idClaims()), jwks.ErrInvalidToken, "key URL"},
		{"enc", signHeader(t, key, hdr(func(h map[string]any) { h["enc"] = "A256GCM" }), idClaims()), jwks.ErrInvalidToken, "JWE"},
		{"no exp", sign(t, key, idClaims(func(c map[string]any) { delete(c, "exp") })), jwks.ErrInvalidToken, "exp"},
		{"exp null", sign(t, key, idClaims(func(c map[string]any) { c["exp"] = nil })), jwks.ErrInvalidToken, "no exp"},
		{"exp zero", sign(t, key, idClaims(func(c map[string]any) { c["exp"] = 0 })), jwks.ErrInvalidToken, "no exp"},
		{"exp negative", sign(t, key, idClaims(func(c map[string]any) { c["exp"] = -1 })), jwks.ErrInvalidToken, "malformed claims"},
		{"exp past year 9999", sign(t, key, idClaims(func(c map[string]any) { c["exp"] = 1e300 })), jwks.ErrInvalidToken, "malformed claims"},
		{"exp as bool", sign(t, key, idClaims(func(c map[string]any) { c["exp"] = true })), jwks.ErrInvalidToken, "malformed claims"},
		{"exp as string", sign(t, key, idClaims(func(c map[string]any) { c["exp"] = "9999999999" })), jwks.ErrInvalidToken, "malformed claims"},
		{"aud as number", sign(t, key, idClaims(func(c map[string]any) { c["aud"] = 42 })), jwks.ErrInvalidToken, "malformed claims"},
		{"payload not JSON", signHeader(t, key, hdr(func(map[string]any) {}), []byte("not json")), jwks.ErrInvalidToken, "malformed claims"},
		{"expired", sign(t, key, idClaims(func(c map[string]any) { c["exp"] = fixedNow.Unix() })), jwks.ErrExpired, "expired"},
		{"not yet valid", sign(t, key, idClaims(func(c map[string]any) { c["nbf"] = fixedNow.Add(time.Minute).Unix() })), jwks.ErrInvalidToken, "nbf"},
		{"wrong issuer", sign(t, key, idClaims(func(c map[string]any) { c["iss"] = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Other" })), jwks.ErrInvalidToken, "issuer"},
		{"no issuer", sign(t, key, idClaims(func(c map[string]any) { delete(c, "iss") })), jwks.ErrInvalidToken, "issuer"},
		{"wrong audience", sign(t, key, idClaims(func(c map[string]any) { c["aud"] = "other-client" })), jwks.ErrInvalidToken, "audience"},
		{"no audience", sign(t, key, idClaims(func(c map[string]any) { delete(c, "aud") })), jwks.ErrInvalidToken, "audience"},
		{"wrong token_use", sign(t, key, idClaims(func(c map[string]any) { c["token_use"] = "access" })), jwks.ErrInvalidToken, "token_use"},
	}
	v := newCognito(t, "id")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := v.Validate(context.Background(), tt.token)
			require.Error(t, err)
			assert.Nil(t, claims)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.ErrorIs(t, err, jwks.ErrInvalidToken, "every rejection wraps ErrInvalidToken")
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.True(t, strings.HasPrefix(err.Error(), "jwks: "), err.Error())
			if len(tt.token) > 20 {
				for _, part := range strings.Split(tt.token, ".") {
					if len(part) > 8 {
						assert.NotContains(t, err.Error(), part, "errors never echo the token")
					}
				}
			}
		})
	}
}

// The signature is checked before any claim is looked at: a token with
// bad claims and a bad signature is rejected for its signature.
func TestSignatureBeforeClaims(t *testing.T) {
	_, other := keys(t)
	key, _ := keys(t)
	expiredForged := signHeader(t, other, map[string]any{"alg": "RS256", "kid": key.ID},
		idClaims(func(c map[string]any) { c["exp"] = 1; c["iss"] = "https://evil" }))
	_, err := newCognito(t, "id").Validate(context.Background(), expiredForged)
	assert.ErrorContains(t, err, "signature")
	assert.NotErrorIs(t, err, jwks.ErrExpired)
}

func TestLeeway(t *testing.T) {
	key, _ := keys(t)
	expiredBy30s := sign(t, key, idClaims(func(c map[string]any) { c["exp"] = fixedNow.Add(-30 * time.Second).Unix() }))
	nbfIn30s := sign(t, key, idClaims(func(c map[string]any) { c["nbf"] = fixedNow.Add(30 * time.Second).Unix() }))

	strict := newCognito(t, "id")
	_, err := strict.Validate(context.Background(), expiredBy30s)
	assert.ErrorIs(t, err, jwks.ErrExpired)
	_, err = strict.Validate(context.Background(), nbfIn30s)
	assert.ErrorIs(t, err, jwks.ErrInvalidToken)

	lenient := newCognito(t, "id", func(c *jwks.Config) { c.Leeway = time.Minute })
	_, err = lenient.Validate(context.Background(), expiredBy30s)
	assert.NoError(t, err)
	_, err = lenient.Validate(context.Background(), nbfIn30s)
	assert.NoError(t, err)
}

// jwx accepts a header alg that differs from the key's alg; we do not.
func TestHeaderAlgMustEqualKeyAlg(t *testing.T) {
	key, _ := keys(t)
	v := newCognito(t, "id", func(c *jwks.Config) { c.Algorithms = []string{"RS256", "RS384", "PS256"} })
	for _, alg := range []string{"RS384", "PS256"} {
		tok := signHeader(t, key, map[string]any{"alg": alg, "kid": key.ID}, idClaims())
		_, err := v.Validate(context.Background(), tok)
		assert.ErrorContains(t, err, "differs from the key", alg)
	}

	// A key without alg accepts any allowed RSA algorithm.
	jwk := key.JWK()
	delete(jwk, "alg")
	doc, _ := json.Marshal(map[string]any{"keys": []any{jwk}})
	noAlg, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: doc,
		Algorithms: []string{"RS256", "PS256"}, Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	for _, alg := range []string{"RS256", "PS256"} {
		_, err := noAlg.Validate(context.Background(), signHeader(t, key, map[string]any{"alg": alg, "kid": key.ID}, idClaims()))
		assert.NoError(t, err, alg)
	}
}

func TestKeysNeverUsed(t *testing.T) {
	key, _ := keys(t)
	weak, err := jwkstest.NewKeyBits(1024)
	require.NoError(t, err)
	encKey := key.JWK()
	encKey["use"] = "enc"
	wrapOnly := key.JWK()
	wrapOnly["key_ops"] = []string{"wrapKey"}
	hs := map[string]any{"kty": "oct", "kid": "sym", "k": base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))}

	tests := []struct {
		name string
		jwk  map[string]any
		key  *jwkstest.Key
	}{
		{"use enc", encKey, key},
		{"key_ops without verify", wrapOnly, key},
		{"RSA under 2048 bits", weak.JWK(), weak},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Alone, the key makes the set unusable.
			doc, _ := json.Marshal(map[string]any{"keys": []any{tt.jwk}})
			_, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: doc})
			require.Error(t, err)

			// Beside a good key, it is skipped and its tokens rejected.
			_, other := keys(t)
			doc, _ = json.Marshal(map[string]any{"keys": []any{tt.jwk, other.JWK(), hs}})
			v, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: doc,
				Now: func() time.Time { return fixedNow }})
			require.NoError(t, err)
			_, err = v.Validate(context.Background(), sign(t, tt.key, idClaims()))
			assert.ErrorContains(t, err, "kid")
		})
	}
}

func TestDuplicateKidTrustsNeither(t *testing.T) {
	key, other := keys(t)
	twin := other.JWK()
	twin["kid"] = key.ID
	doc, _ := json.Marshal(map[string]any{"keys": []any{key.JWK(), twin, other.JWK()}})
	v, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: doc,
		Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	_, err = v.Validate(context.Background(), sign(t, key, idClaims()))
	assert.ErrorContains(t, err, "kid")
}

func TestNewRejectsBadConfig(t *testing.T) {
	key, _ := keys(t)
	good := jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: jwkstest.JWKS(key)}
	tests := []struct {
		name   string
		mutate func(*jwks.Config)
	}{
		{"no issuer", func(c *jwks.Config) { c.Issuers = nil }},
		{"empty issuer", func(c *jwks.Config) { c.Issuers = []string{""} }},
		{"no keys", func(c *jwks.Config) { c.Keys = nil }},
		{"keys and URL", func(c *jwks.Config) { c.JWKSURL = "https://example.com/jwks" }},
		{"URL not http", func(c *jwks.Config) { c.Keys = nil; c.JWKSURL = "file:///etc/passwd" }},
		{"no audience", func(c *jwks.Config) { c.Audiences = nil }},
		{"token use", func(c *jwks.Config) { c.TokenUse = "refresh" }},
		{"alg none", func(c *jwks.Config) { c.Algorithms = []string{"none"} }},
		{"alg HS256", func(c *jwks.Config) { c.Algorithms = []string{"RS256", "HS256"} }},
		{"negative leeway", func(c *jwks.Config) { c.Leeway = -time.Second }},
		{"garbage keys", func(c *jwks.Config) { c.Keys = []byte("{") }},
		{"symmetric key only", func(c *jwks.Config) {
			c.Keys = []byte(`{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mutate(&cfg)
			_, err := jwks.New(cfg)
			assert.Error(t, err)
		})
	}
	_, err := jwks.New(good)
	assert.NoError(t, err)

	skip := good
	skip.Audiences = nil
	skip.SkipAudienceCheck = true
	_, err = jwks.New(skip)
	assert.NoError(t, err)
}

func TestNewCopiesConfig(t *testing.T) {
	key, _ := keys(t)
	cfg := jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: jwkstest.JWKS(key),
		Now: func() time.Time { return fixedNow }}
	v, err := jwks.New(cfg)
	require.NoError(t, err)
	cfg.Issuers[0] = "https://evil"
	cfg.Audiences[0] = "evil"
	_, err = v.Validate(context.Background(), sign(t, key, idClaims()))
	assert.NoError(t, err, "changing the caller's Config after New must not change the Validator")
}

func TestSkipAudienceCheck(t *testing.T) {
	key, _ := keys(t)
	v, err := jwks.New(jwks.Config{Issuers: []string{"https://pro-123.frontendapi.cloud.corbado.io"},
		SkipAudienceCheck: true, Keys: jwkstest.JWKS(key), Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	got, err := v.Validate(context.Background(), sign(t, key, map[string]any{
		"iss": "https://pro-123.frontendapi.cloud.corbado.io", "sub": "usr-1", "exp": fixedNow.Add(time.Minute).Unix(),
	}))
	require.NoError(t, err)
	assert.Equal(t, "usr-1", got.Subject)
}

func TestECDSA(t *testing.T) {
	// Algorithms beyond RS256 stay usable for providers that sign with EC.
	ecKey, err := newECKey()
	require.NoError(t, err)
	v, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID},
		Keys: ecKey.jwks(), Algorithms: []string{"ES256"}, Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	_, err = v.Validate(context.Background(), ecKey.sign(t, idClaims()))
	assert.NoError(t, err)

	bad := ecKey.sign(t, idClaims())
	bad = bad[:len(bad)-4] + "AAAA"
	_, err = v.Validate(context.Background(), bad)
	assert.ErrorIs(t, err, jwks.ErrInvalidToken)
}

func TestErrorsAreDistinct(t *testing.T) {
	assert.ErrorIs(t, jwks.ErrExpired, jwks.ErrInvalidToken)
	assert.False(t, errors.Is(jwks.ErrUnavailable, jwks.ErrInvalidToken))
}

// A Multi-Region replica's tokens name the replica's region in the
// original issuer form (aws-jwt-verify#282/#285); they are accepted only
// for the replica regions configured.
func TestCognitoReplicaRegions(t *testing.T) {
	key, _ := keys(t)
	replicaIssuer := "https://cognito-idp.us-west-2.amazonaws.com/" + poolID
	tok := sign(t, key, idClaims(func(c map[string]any) { c["iss"] = replicaIssuer }))

	_, err := newCognito(t, "id").Validate(context.Background(), tok)
	assert.ErrorContains(t, err, "issuer", "no replica configured")

	v := newCognito(t, "id", func(c *jwks.Config) { c.CognitoReplicaRegions = []string{"us-west-2", "ap-south-1"} })
	got, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, replicaIssuer, got.Issuer)
	for _, iss := range []string{issuer, issuer2} {
		_, err := v.Validate(context.Background(), sign(t, key, idClaims(func(c map[string]any) { c["iss"] = iss })))
		assert.NoError(t, err, "the primary's issuers stay: %s", iss)
	}
	for _, iss := range []string{
		"https://cognito-idp.eu-west-1.amazonaws.com/" + poolID,           // a region not configured
		"https://issuer-cognito-idp.us-west-2.amazonaws.com/" + poolID,    // the updated form names the primary region
		"https://cognito-idp.us-west-2.amazonaws.com/us-west-2_AbCdEf123", // another pool
	} {
		_, err := v.Validate(context.Background(), sign(t, key, idClaims(func(c map[string]any) { c["iss"] = iss })))
		assert.ErrorContains(t, err, "issuer", iss)
	}

	for _, bad := range [][]string{{""}, {"us-west-2/x"}, {"https://evil.example"}, {"US-WEST-2"}, {"us-west-2", "uswest2"}} {
		cfg, err := jwks.CognitoConfig(poolID, "id", clientID)
		require.NoError(t, err)
		cfg.CognitoReplicaRegions = bad
		_, err = jwks.New(cfg)
		assert.ErrorContains(t, err, "replica region", "%q", bad)
	}
	_, err = jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: jwkstest.JWKS(key),
		CognitoReplicaRegions: []string{"us-west-2"}})
	assert.ErrorContains(t, err, "CognitoConfig", "replicas need to know the pool")

	// The caller's slice is copied.
	cfg, err := jwks.CognitoConfig(poolID, "id", clientID)
	require.NoError(t, err)
	regions := []string{"us-west-2"}
	cfg.CognitoReplicaRegions, cfg.JWKSURL, cfg.Keys = regions, "", jwkstest.JWKS(key)
	cfg.Now = func() time.Time { return fixedNow }
	copied, err := jwks.New(cfg)
	require.NoError(t, err)
	regions[0] = "eu-west-1"
	_, err = copied.Validate(context.Background(), tok)
	assert.NoError(t, err)
}

// A key without alg fits only the algorithms of its type: an EC key is
// never used for an RS256 token, nor an RSA key for an ES256 one. Without
// the check the verifier would be handed a nil key.
func TestKeyWithoutAlgMustFitHeaderAlg(t *testing.T) {
	key, _ := keys(t)
	ec, err := newECKey()
	require.NoError(t, err)
	var ecDoc struct{ Keys []map[string]any }
	require.NoError(t, json.Unmarshal(ec.jwks(), &ecDoc))
	ecJWK := ecDoc.Keys[0]
	delete(ecJWK, "alg")
	ecJWK["kid"] = "ec-no-alg"
	rsaJWK := key.JWK()
	delete(rsaJWK, "alg")
	rsaJWK["kid"] = "rsa-no-alg"
	doc, _ := json.Marshal(map[string]any{"keys": []any{ecJWK, rsaJWK}})
	v, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: doc,
		Algorithms: []string{"RS256", "ES256"}, Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)

	// An RS256 token, validly signed, whose kid names the EC key.
	rsOnEC := signHeader(t, key, map[string]any{"alg": "RS256", "kid": "ec-no-alg"}, idClaims())
	_, err = v.Validate(context.Background(), rsOnEC)
	assert.ErrorContains(t, err, "key type does not fit")

	// An ES256 token whose kid names the RSA key.
	esOnRSA := ec.signWith(t, map[string]any{"alg": "ES256", "kid": "rsa-no-alg"}, idClaims())
	_, err = v.Validate(context.Background(), esOnRSA)
	assert.ErrorContains(t, err, "key type does not fit")

	// Each fits its own kind.
	_, err = v.Validate(context.Background(), signHeader(t, key, map[string]any{"alg": "RS256", "kid": "rsa-no-alg"}, idClaims()))
	assert.NoError(t, err)
	_, err = v.Validate(context.Background(), ec.signWith(t, map[string]any{"alg": "ES256", "kid": "ec-no-alg"}, idClaims()))
	assert.NoError(t, err)
}
