package jwks_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/jwks"
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
	return k.signWith(t, map[string]any{"alg": "ES256", "kid": "ec1"}, claims)
}

// signWith signs claims with ES256 under header, whatever it says.
func (k *ecKey) signWith(t *testing.T, header map[string]any, claims any) string {
	h, _ := json.Marshal(header)
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

// JWS carries an ES256 signature as r‖s, exactly 32 bytes each. Other
// lengths are refused before the curve math: one byte would index past
// the end, and r‖0x00‖s would read as the same (r, s), a second
// spelling of one signature.
func TestECSignatureOfWrongLength(t *testing.T) {
	ec, err := newECKey()
	require.NoError(t, err)
	v, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID},
		Keys: ec.jwks(), Algorithms: []string{"ES256"}, Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	good := ec.sign(t, idClaims())
	_, err = v.Validate(context.Background(), good)
	require.NoError(t, err)

	dot := strings.LastIndexByte(good, '.')
	sig, err := base64.RawURLEncoding.DecodeString(good[dot+1:])
	require.NoError(t, err)
	require.Len(t, sig, 64)
	r, s := sig[:32], sig[32:]
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := map[string][]byte{
		"1 byte":           {0x01},
		"r‖0x00‖s":         cat(r, []byte{0}, s),
		"0x00‖r‖s":         cat([]byte{0}, r, s),
		"r‖s‖0x00":         cat(r, s, []byte{0}),
		"r only":           r,
		"63 bytes":         sig[:63],
		"twice the length": cat(sig, sig),
	}
	for name, bad := range tests {
		t.Run(name, func(t *testing.T) {
			tok := good[:dot+1] + base64.RawURLEncoding.EncodeToString(bad)
			_, err := v.Validate(context.Background(), tok)
			assert.ErrorContains(t, err, "signature")
		})
	}
}
