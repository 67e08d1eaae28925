package jwks

import (
	"crypto/elliptic"
	"testing"

	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// FuzzKeySet feeds JWKS documents, as they come from the network or
// Config.Keys, to the key parser: it must never panic, and every key it
// returns must be one the per-token path can use safely: RSA of at least
// 2048 bits or EC on a NIST curve, and an alg, if any, on the allowlist
// and fitting the key.
func FuzzKeySet(f *testing.F) {
	key, err := jwkstest.NewKey()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(jwkstest.JWKS(key))
	f.Add(jwkstest.JWKS(key, key))
	for _, s := range []string{
		`{"keys":[]}`, `{"keys":null}`, `{}`, `[]`, `null`, ``, `{"keys":[null,1,"x",{}]}`,
		`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0","alg":"HS256"}]}`,
		`{"keys":[{"kty":"RSA","kid":"w","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":[{"kty":"RSA","kid":"e","n":"` + key.JWK()["n"].(string) + `","e":"AAAAAAAAAAE"}]}`,
		`{"keys":[{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}]}`,
		`{"keys":[{"kty":"EC","kid":"ec","crv":"P-256K","x":"AA","y":"AA"}]}`,
		`{"keys":[{"kty":"OKP","kid":"ed","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
		`{"keys":[{"kty":"RSA","kid":"o","use":"sig","key_ops":["verify"],"alg":"PS256","n":"` + key.JWK()["n"].(string) + `","e":"AQAB"}]}`,
	} {
		f.Add([]byte(s))
	}
	algorithms := []string{"RS256", "PS256", "ES256", "ES384", "ES512"}
	f.Fuzz(func(t *testing.T, doc []byte) {
		keys, err := parseKeySet(doc, algorithms)
		if err != nil {
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		for kid, pk := range keys {
			switch {
			case kid == "", pk == nil:
				t.Fatalf("key %q: %+v", kid, pk)
			case (pk.rsa == nil) == (pk.ec == nil):
				t.Fatalf("key %q is neither or both RSA and EC", kid)
			case pk.rsa != nil && pk.rsa.N.BitLen() < minRSABits:
				t.Fatalf("key %q: RSA of %d bits", kid, pk.rsa.N.BitLen())
			case pk.ec != nil && pk.ec.Curve != elliptic.P256() && pk.ec.Curve != elliptic.P384() && pk.ec.Curve != elliptic.P521():
				t.Fatalf("key %q: curve %v", kid, pk.ec.Curve.Params().Name)
			case pk.alg != "" && !pk.fits(pk.alg):
				t.Fatalf("key %q: alg %s does not fit", kid, pk.alg)
			}
			found := pk.alg == ""
			for _, a := range algorithms {
				found = found || a == pk.alg
			}
			if !found {
				t.Fatalf("key %q: alg %q not allowed", kid, pk.alg)
			}
		}
	})
}
