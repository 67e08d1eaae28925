// Package bench compares the library against the raw cost of the work and
// against the libraries a developer would otherwise pick. It is its own
// module so the library never depends on those peers.
package bench

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

const (
	poolID   = "eu-central-1_AbCdEf123"
	clientID = "3n4b5urk1ft4fl3mg5e62d9ado"
)

type fixture struct {
	key    *jwkstest.Key
	token  string
	second string // another token of the same shape and size
}

func newFixture(b *testing.B) fixture {
	key, err := jwkstest.NewKey()
	if err != nil {
		b.Fatal(err)
	}
	claims := jwkstest.CognitoIDClaims(poolID, clientID, "alice@example.com", time.Now())
	claims["name"] = "Alice Example"
	token, err := key.Sign(claims)
	if err != nil {
		b.Fatal(err)
	}
	claims["jti"] = "c1f2e3d4-0000-4000-8000-000000000009"
	second, err := key.Sign(claims)
	if err != nil {
		b.Fatal(err)
	}
	return fixture{key, token, second}
}

// BenchmarkValidate runs every verifier on the same RS256-2048,
// Cognito-shaped ID token. Neither golang-jwt nor jwx has a cache of
// verified tokens, so each of their calls is a first validation.
func BenchmarkValidate(b *testing.B) {
	f := newFixture(b)
	pub := &f.key.PrivateKey.PublicKey

	// The limit: what any verifier must do (base64 of payload and
	// signature, SHA-256, RSA verify), and nothing else.
	b.Run("raw-limit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dot2 := strings.LastIndexByte(f.token, '.')
			dot1 := strings.IndexByte(f.token, '.')
			sig, err := base64.RawURLEncoding.DecodeString(f.token[dot2+1:])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := base64.RawURLEncoding.DecodeString(f.token[dot1+1 : dot2]); err != nil {
				b.Fatal(err)
			}
			digest := sha256.Sum256([]byte(f.token[:dot2]))
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	})

	// newValidator returns the library's Validator for the fixture's
	// pool, with static keys and the given cache size.
	newValidator := func(b *testing.B, cacheSize int) *jwks.Validator {
		cfg, err := jwks.CognitoConfig(poolID, "id", clientID)
		if err != nil {
			b.Fatal(err)
		}
		cfg.JWKSURL, cfg.Keys = "", jwkstest.JWKS(f.key)
		cfg.CacheSize = cacheSize
		v, err := jwks.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	ctx := context.Background()

	// A token seen for the first time: every check, plus the cache's own
	// work (hash, lookup, insert, eviction). A cache of one entry and two
	// tokens taken in turn make every call such a miss.
	b.Run("passkeybridge-jwks-first", func(b *testing.B) {
		v := newValidator(b, 1)
		tokens := [2]string{f.token, f.second}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := v.Validate(ctx, tokens[i&1]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})

	// The same token again, as a session's access token comes with every
	// API request: answered from the verified-token cache.
	b.Run("passkeybridge-jwks-repeat", func(b *testing.B) {
		v := newValidator(b, 0)
		if _, err := v.Validate(ctx, f.token); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Validate(ctx, f.token); err != nil {
				b.Fatal(err)
			}
		}
	})

	// The cache turned off: every call checks everything.
	b.Run("passkeybridge-jwks-nocache", func(b *testing.B) {
		v := newValidator(b, -1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Validate(ctx, f.token); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("golang-jwt-v5", func(b *testing.B) {
		type cognitoClaims struct {
			jwt.RegisteredClaims
			TokenUse        string `json:"token_use"`
			CognitoUsername string `json:"cognito:username"`
			Email           string `json:"email"`
			EmailVerified   bool   `json:"email_verified"`
			Name            string `json:"name"`
		}
		parser := jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithIssuer("https://cognito-idp.eu-central-1.amazonaws.com/"+poolID),
			jwt.WithAudience(clientID),
			jwt.WithExpirationRequired(),
		)
		keyFunc := func(*jwt.Token) (any, error) { return pub, nil }
		b.ReportAllocs()
		for b.Loop() {
			var c cognitoClaims
			if _, err := parser.ParseWithClaims(f.token, &c, keyFunc); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("jwx-v3-jwt.Parse", func(b *testing.B) {
		set, err := jwk.Parse(jwkstest.JWKS(f.key))
		if err != nil {
			b.Fatal(err)
		}
		k, _ := set.Key(0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jwxjwt.ParseString(f.token,
				jwxjwt.WithKey(jwa.RS256(), k),
				jwxjwt.WithIssuer("https://cognito-idp.eu-central-1.amazonaws.com/"+poolID),
				jwxjwt.WithAudience(clientID),
			); err != nil {
				b.Fatal(err)
			}
		}
	})
}
