package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// minRSABits is the smallest RSA modulus trusted (RFC 7518 §3.3 and NIST).
const minRSABits = 2048

// publicKey is one verification key from a JWKS, ready for the per-token
// path: no JWK parsing happens after load.
type publicKey struct {
	alg string // the key's "alg", or "" when the JWK names none
	rsa *rsa.PublicKey
	ec  *ecdsa.PublicKey
}

// keySet maps kid to key. It is never changed after it is built, so
// readers share it without locking.
type keySet map[string]*publicKey

// parseKeySet turns a JWKS document into the keys usable under the allowed
// algorithms. Keys that are not for signatures, are too weak, symmetric,
// private-only, of an unsupported type or without a kid are left out; a
// document with no usable key is an error.
func parseKeySet(doc []byte, algorithms []string) (keySet, error) {
	// WithIgnoreParseError: one key of a type this package does not know
	// must not make the issuer's other keys unusable.
	set, err := jwk.Parse(doc, jwk.WithIgnoreParseError(true))
	if err != nil {
		return nil, fmt.Errorf("jwks: malformed JWKS document: %w", err)
	}
	keys := make(keySet, set.Len())
	for i := range set.Len() {
		k, _ := set.Key(i)
		kid, ok := k.KeyID()
		if !ok || kid == "" {
			continue
		}
		if _, dup := keys[kid]; dup {
			// Two keys under one kid would make the choice of key depend on
			// document order; trust neither.
			keys[kid] = nil
			continue
		}
		pk, ok := usableKey(k, algorithms)
		if !ok {
			continue
		}
		keys[kid] = pk
	}
	for kid, pk := range keys {
		if pk == nil {
			delete(keys, kid)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks: JWKS document holds no usable signing key")
	}
	return keys, nil
}

func usableKey(k jwk.Key, algorithms []string) (*publicKey, bool) {
	if use, ok := k.KeyUsage(); ok && use != "sig" {
		return nil, false
	}
	if ops, ok := k.KeyOps(); ok && !slices.Contains(ops, jwk.KeyOpVerify) {
		return nil, false
	}
	pk := &publicKey{}
	if a, ok := k.Algorithm(); ok {
		pk.alg = a.String()
		if !slices.Contains(algorithms, pk.alg) {
			return nil, false
		}
	}
	pub, err := k.PublicKey()
	if err != nil {
		return nil, false
	}
	var raw any
	if err := jwk.Export(pub, &raw); err != nil {
		return nil, false
	}
	switch key := raw.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < minRSABits {
			return nil, false
		}
		pk.rsa = key
	case *ecdsa.PublicKey:
		pk.ec = key
	default:
		return nil, false
	}
	if pk.alg != "" && !pk.fits(pk.alg) {
		return nil, false
	}
	return pk, true
}

// equal reports whether pk and o are the same key under the same alg.
func (pk *publicKey) equal(o *publicKey) bool {
	if pk.alg != o.alg {
		return false
	}
	switch {
	case pk.rsa != nil:
		return o.rsa != nil && pk.rsa.Equal(o.rsa)
	case pk.ec != nil:
		return o.ec != nil && pk.ec.Equal(o.ec)
	}
	return false
}

// fits reports whether alg can be verified with this key's type (and, for
// EC, its curve).
func (pk *publicKey) fits(alg string) bool {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return pk.rsa != nil
	case "ES256":
		return pk.ec != nil && pk.ec.Curve == elliptic.P256()
	case "ES384":
		return pk.ec != nil && pk.ec.Curve == elliptic.P384()
	case "ES512":
		return pk.ec != nil && pk.ec.Curve == elliptic.P521()
	}
	return false
}

// digestOf hashes the signing input with the algorithm's hash into dst,
// which the caller keeps on its stack, and returns the used part.
func digestOf(dst *[sha512.Size]byte, alg string, input []byte) (crypto.Hash, []byte) {
	switch alg[2:] {
	case "384":
		*(*[sha512.Size384]byte)(dst[:]) = sha512.Sum384(input)
		return crypto.SHA384, dst[:sha512.Size384]
	case "512":
		*dst = sha512.Sum512(input)
		return crypto.SHA512, dst[:]
	}
	*(*[sha256.Size]byte)(dst[:]) = sha256.Sum256(input)
	return crypto.SHA256, dst[:sha256.Size]
}
