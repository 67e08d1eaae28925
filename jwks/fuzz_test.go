package jwks_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/passkeybridge/bridge/jwks"
)

// FuzzValidate feeds arbitrary strings and mutations of a valid token to
// Validate: it must never panic, never accept anything but the one valid
// token, and every error must be a rejection.
func FuzzValidate(f *testing.F) {
	key, other := keys(f)
	valid := sign(f, key, idClaims())
	f.Add(valid)
	f.Add(sign(f, other, idClaims()))
	f.Add(signHeader(f, key, map[string]any{"alg": "none", "kid": key.ID}, idClaims()))
	f.Add(signHeader(f, key, map[string]any{"alg": "RS256", "kid": key.ID, "crit": []string{"b64"}}, idClaims()))
	f.Add("..")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.")
	f.Add(strings.Repeat(".", 100))
	v := newCognito(f, "id")
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := v.Validate(context.Background(), token)
		if err == nil {
			if token != valid {
				t.Fatalf("accepted a token that is not the valid one: %q", token)
			}
			if claims == nil {
				t.Fatal("nil claims without error")
			}
			return
		}
		if !errors.Is(err, jwks.ErrInvalidToken) {
			t.Fatalf("error does not wrap ErrInvalidToken: %v", err)
		}
	})
}
