package jwks_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

type ecKey struct{ priv *ecdsa.PrivateKey }

func newECKey() (*ecKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return &ecKey{priv}, err
}

func (k *ecKey) jwks() []byte {
	b := func(x []byte) string { return base64.RawURLEncoding.EncodeToString(x) }
	pad := func(x []byte) []byte { out := make([]byte, 32); copy(out[32-len(x):], x); return out }
	doc, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "EC", "crv": "P-256", "kid": "ec1", "alg": "ES256", "use": "sig",
		"x": b(pad(k.priv.X.Bytes())), "y": b(pad(k.priv.Y.Bytes())),
	}}})
	return doc
}

func (k *ecKey) sign(t *testing.T, claims any) string {
	h, _ := json.Marshal(map[string]any{"alg": "ES256", "kid": "ec1"})
	p, err := json.Marshal(claims)
	require.NoError(t, err)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k.priv, digest[:])
	require.NoError(t, err)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}
