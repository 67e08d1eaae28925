package jwks_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/jwks"
)

// TestValidateRefusesAmbiguousMembers: names Go's JSON decoders would match
// case-insensitively, registered claims set to null, and an ID token's aud
// as an array are refused, where aws-jwt-verify reads the token otherwise
// (see members.go). internal/attack checks the same against aws-jwt-verify.
func TestValidateRefusesAmbiguousMembers(t *testing.T) {
	key, _ := keys(t)
	claims, err := json.Marshal(idClaims())
	require.NoError(t, err)
	valid := string(claims)
	with := func(members string) []byte { return []byte(strings.TrimSuffix(valid, "}") + "," + members + "}") }
	without := func(name string) map[string]any { return idClaims(func(c map[string]any) { delete(c, name) }) }
	past := fixedNow.Add(-time.Hour).Unix()
	tests := []struct {
		name   string
		header map[string]any
		claims any
		use    string
		ok     bool
	}{
		{name: "valid", claims: claims, ok: true},
		{name: "unknown member in other case", claims: with(`"Origin_JTI":"x"`), ok: true},
		{name: "EXP instead of exp", claims: mustJSON(t, merge(without("exp"), map[string]any{"EXP": fixedNow.Add(time.Hour).Unix()}))},
		{name: "expired exp, live EXP", claims: mustJSON(t, merge(idClaims(), map[string]any{"exp": past, "EXP": fixedNow.Add(time.Hour).Unix()}))},
		{name: "Iss beside iss", claims: with(`"Iss":"` + issuer + `"`)},
		{name: "long s in sub", claims: with(`"ſub":"x"`)},
		{name: "iat null", claims: with(`"iat":null`)},
		{name: "jti null", claims: with(`"jti":null`)},
		{name: "name null is fine", claims: with(`"name":null`), ok: true},
		{name: "KID beside kid", header: map[string]any{"alg": "RS256", "kid": "nope", "KID": key.ID}, claims: claims},
		{name: "Alg beside alg", header: map[string]any{"alg": "RS256", "kid": key.ID, "Alg": "RS256"}, claims: claims},
		{name: "ID token with aud as an array", claims: mustJSON(t, merge(idClaims(), map[string]any{"aud": []string{clientID}}))},
		{name: "any token with aud as an array", use: "-", claims: mustJSON(t, merge(idClaims(), map[string]any{"aud": []string{"x", clientID}})), ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := tt.header
			if header == nil {
				header = map[string]any{"alg": "RS256", "kid": key.ID}
			}
			v := newCognito(t, "id")
			if tt.use == "-" {
				v = newCognito(t, "id", func(c *jwks.Config) { c.TokenUse = "" })
			}
			_, err := v.Validate(context.Background(), signHeader(t, key, header, tt.claims))
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, jwks.ErrInvalidToken)
		})
	}
}

func merge(m, extra map[string]any) map[string]any {
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
