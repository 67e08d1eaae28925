package attack

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// update regenerates the corpus from generateCorpus and testdata/keys.pem:
//
//	go test ./internal/attack -run TestHostileTokensRejected -update
//
// A token added by hand (a crasher, say) belongs in generateCorpus too.
var update = flag.Bool("update", false, "regenerate testdata/hostile.json from testdata/keys.pem")

// The pool the corpus's tokens are minted for.
const (
	hostileRegion = "us-east-1"
	hostilePool   = hostileRegion + "_Hostile01"
	hostileClient = "3hostile0client0id00000000"
	hostileIssuer = "https://cognito-idp." + hostileRegion + ".amazonaws.com/" + hostilePool
	// exp and iat of the corpus: valid tokens stay valid until 2100.
	corpusExp = 4102444800
	corpusIat = 1767225600
)

// corpusEntry is one token of testdata/hostile.json.
type corpusEntry struct {
	Name   string `json:"name"`
	Family string `json:"family"`
	// Want is what jwks must answer: "accept" or "reject".
	Want string `json:"want"`
	// Stricter, for a token jwks rejects and aws-jwt-verify accepts, says
	// why jwks is right to be stricter. The differential test requires it
	// exactly for those tokens.
	Stricter string `json:"stricter,omitempty"`
	Token    string `json:"token"`
}

// The families of RFC 8725 and issue 9 the corpus must cover.
var corpusFamilies = []string{
	"valid", "alg none", "hmac with public key", "alg confusion", "kid", "crit", "key in header",
	"jwe and json", "dot flood", "oversized", "encoding", "non-json", "claim types", "claims", "keys",
	"case-variant names",
}

// Why jwks is stricter than aws-jwt-verify, one reason a kind of token.
const (
	whyAlgorithm = "algorithm allowlist: Cognito signs RS256 only, so nothing else is verified; aws-jwt-verify takes any algorithm the key allows (RS384/512, ES256/384/512, EdDSA)"
	whyCrit      = "crit: RFC 7515 §4.1.11 requires rejecting a token whose critical extensions are not understood, and none is; aws-jwt-verify ignores crit"
	whyKeyHeader = "jku/x5u/jwk/x5c in the header are never followed and refused outright (RFC 8725 §3.10); aws-jwt-verify ignores them"
	whyJWE       = "enc or zip in the header marks a JWE or a compressed payload; refused"
	whySize      = "tokens over 16 KiB are refused before any parsing"
	whyBase64    = "strict base64url (RFC 7515 §2: no padding, no non-zero trailing bits), so each token has one spelling; aws-jwt-verify's decoder is lenient"
	whyExp       = "exp is required: a token that never expires is not accepted (DESIGN.md); aws-jwt-verify accepts a token without exp"
	whyTypes     = "claims the Validator reads are typed (email_verified boolean or \"true\"/\"false\"; email, name, username, client_id strings; cognito:groups a string array; auth_time a number); aws-jwt-verify type-checks only iss, sub, aud, exp, nbf, iat, scope and jti"
	whyYear      = "NumericDates past the year 9999 (or negative) are malformed"
	whyWeakKey   = "RSA keys under 2048 bits are never used (RFC 7518 §3.3)"
	whyKeyOps    = "a key whose key_ops lacks verify is not a signing key; aws-jwt-verify looks only at use"
	whyDupKid    = "two keys under one kid make the choice depend on document order, so neither is trusted; aws-jwt-verify takes the first"
	whyCase      = "claim and header names match exactly, and case-variant names of the ones jwks reads (EXP, Exp, ſub for sub) are refused: Go's JSON decoders would match them case-insensitively where aws-jwt-verify ignores them"
)

func loadCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "hostile.json"))
	require.NoError(t, err)
	var corpus []corpusEntry
	require.NoError(t, json.Unmarshal(raw, &corpus))
	return corpus
}

// corpusJWKS is the JWKS the corpus is checked against: the pool's key
// (main) under its own kid and, without alg, under "noalg"; a 1024-bit key;
// an encryption key; a key whose key_ops exclude verify; two keys sharing
// a kid; an EC key; a symmetric key.
func corpusJWKS(t testing.TB) []byte {
	t.Helper()
	main, other, weak := rsaKey(t, "main"), rsaKey(t, "other"), rsaKey(t, "weak")
	ec := ecKey(t, "ec")
	rsaJWK := func(k *rsa.PrivateKey, kid string, extra map[string]any) map[string]any {
		j := map[string]any{
			"kty": "RSA", "kid": kid,
			"n": b64u(k.N.Bytes()), "e": b64u(big.NewInt(int64(k.E)).Bytes()),
		}
		for key, v := range extra {
			j[key] = v
		}
		return j
	}
	size := (ec.Curve.Params().BitSize + 7) / 8
	doc := map[string]any{"keys": []any{
		rsaJWK(main, "main", map[string]any{"alg": "RS256", "use": "sig"}),
		rsaJWK(main, "noalg", map[string]any{"use": "sig"}),
		rsaJWK(weak, "weak", map[string]any{"alg": "RS256", "use": "sig"}),
		rsaJWK(other, "enc", map[string]any{"alg": "RSA-OAEP-256", "use": "enc"}),
		rsaJWK(other, "ops", map[string]any{"alg": "RS256", "key_ops": []string{"encrypt"}}),
		rsaJWK(main, "dup", map[string]any{"alg": "RS256", "use": "sig"}),
		rsaJWK(other, "dup", map[string]any{"alg": "RS256", "use": "sig"}),
		map[string]any{"kty": "EC", "kid": "ec", "alg": "ES256", "use": "sig", "crv": "P-256",
			"x": b64u(ec.X.FillBytes(make([]byte, size))), "y": b64u(ec.Y.FillBytes(make([]byte, size)))},
		map[string]any{"kty": "oct", "kid": "hmac", "alg": "HS256", "k": b64u([]byte(hmacKey))},
	}}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return b
}

const hmacKey = "hmac-secret-of-the-hostile-corpus"

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// corpusValidator validates the corpus's tokens with keys from jwksURL.
func corpusValidator(t testing.TB, jwksURL string) *jwks.Validator {
	t.Helper()
	cfg, err := jwks.CognitoConfig(hostilePool, "id", hostileClient)
	require.NoError(t, err)
	cfg.JWKSURL = jwksURL
	v, err := jwks.New(cfg)
	require.NoError(t, err)
	return v
}

// TestHostileTokensRejected: jwks accepts the corpus's valid tokens and
// rejects every hostile one as an invalid token (never as "keys
// unavailable", which would turn an attack into a 503), and the corpus
// covers every family.
func TestHostileTokensRejected(t *testing.T) {
	if *update {
		writeCorpus(t)
	}
	corpus := loadCorpus(t)
	srv := jwkstest.NewServer()
	defer srv.Close()
	srv.SetDocument(corpusJWKS(t))
	v := corpusValidator(t, srv.URL())
	a := newAudit(t)

	seen := map[string]int{}
	for _, e := range corpus {
		seen[e.Family]++
		a.secret("corpus token", e.Token)
		t.Run(e.Family+"/"+e.Name, func(t *testing.T) {
			_, err := v.Validate(context.Background(), e.Token)
			a.err(err)
			if e.Want == "accept" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err, "hostile token accepted")
			assert.ErrorIs(t, err, jwks.ErrInvalidToken)
			assert.NotErrorIs(t, err, jwks.ErrUnavailable)
		})
	}
	for _, f := range corpusFamilies {
		assert.Greater(t, seen[f], 0, "no token of family %q", f)
	}
	t.Logf("figures: %d corpus tokens in %d families, %d valid controls accepted, every other one rejected",
		len(corpus), len(seen), seen["valid"])
}

func writeCorpus(t *testing.T) {
	corpus := generateCorpus(t)
	var b strings.Builder
	b.WriteString("[\n")
	for i, e := range corpus {
		line, err := json.Marshal(e)
		require.NoError(t, err)
		b.Write(line)
		if i < len(corpus)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	require.NoError(t, os.WriteFile(filepath.Join("testdata", "hostile.json"), []byte(b.String()), 0o644))
}

// signFunc signs a JWS signing input.
type signFunc func(input []byte) []byte

func rs(k *rsa.PrivateKey, h crypto.Hash) signFunc {
	return func(input []byte) []byte {
		d := h.New()
		d.Write(input)
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, h, d.Sum(nil))
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func ps(k *rsa.PrivateKey, h crypto.Hash) signFunc {
	return func(input []byte) []byte {
		d := h.New()
		d.Write(input)
		sig, err := rsa.SignPSS(rand.Reader, k, h, d.Sum(nil), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func es256(k *ecdsa.PrivateKey) signFunc {
	return func(input []byte) []byte {
		d := crypto.SHA256.New()
		d.Write(input)
		r, s, err := ecdsa.Sign(rand.Reader, k, d.Sum(nil))
		if err != nil {
			panic(err)
		}
		return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
}

func hs(secret []byte, h crypto.Hash) signFunc {
	return func(input []byte) []byte {
		m := hmac.New(h.New, secret)
		m.Write(input)
		return m.Sum(nil)
	}
}

func fixed(sig []byte) signFunc { return func([]byte) []byte { return sig } }

// jws assembles header.payload.signature from raw JSON texts.
func jws(header, payload string, sign signFunc) string {
	input := b64u([]byte(header)) + "." + b64u([]byte(payload))
	return input + "." + b64u(sign([]byte(input)))
}

// claimsJSON is a valid ID token payload with edits applied: a nil value
// deletes the claim. Keys come out sorted.
func claimsJSON(edits map[string]any) string {
	c := map[string]any{
		"sub": "5f0c6c0e-1f53-4b1d-9d63-0c1bdc1a2f00", "iss": hostileIssuer, "aud": hostileClient,
		"token_use": "id", "cognito:username": "alice@example.com", "email": "alice@example.com",
		"email_verified": true, "auth_time": corpusIat, "iat": corpusIat, "exp": corpusExp,
		"jti": "c1f2e3d4-0000-4000-8000-000000000001", "origin_jti": "8a3c1c72-4f3e-4a0e-b0c5-3b3ad0b7c9a1",
		"event_id": "0a9d9c1e-3b46-4b67-9a53-6c7ad3e43b6b",
	}
	for k, v := range edits {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// raw is a JSON value written as is by claimsJSON.
type raw string

func (r raw) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// addRaw appends members, written as is, to a JSON object text.
func addRaw(object, members string) string {
	return strings.TrimSuffix(object, "}") + "," + members + "}"
}

const (
	hdrMain  = `{"alg":"RS256","kid":"main","typ":"JWT"}`
	hdrNoAlg = `{"alg":"RS256","kid":"noalg"}`
)

func generateCorpus(t *testing.T) []corpusEntry {
	main, other, weak := rsaKey(t, "main"), rsaKey(t, "other"), rsaKey(t, "weak")
	ec := ecKey(t, "ec")
	rs256 := rs(main, crypto.SHA256)
	valid := claimsJSON(nil)
	var out []corpusEntry
	add := func(family, name, want, stricter, token string) {
		out = append(out, corpusEntry{Name: name, Family: family, Want: want, Stricter: stricter, Token: token})
	}
	accept := func(family, name, token string) { add(family, name, "accept", "", token) }
	reject := func(family, name, token string) { add(family, name, "reject", "", token) }
	stricter := func(family, name, why, token string) { add(family, name, "reject", why, token) }

	// Valid controls: both verifiers must accept these, or the harness is broken.
	f := "valid"
	accept(f, "cognito id token", jws(hdrMain, valid, rs256))
	accept(f, "global issuer form", jws(hdrMain, claimsJSON(map[string]any{"iss": "https://issuer-cognito-idp." + hostileRegion + ".amazonaws.com/" + hostilePool}), rs256))
	accept(f, "key without alg", jws(hdrNoAlg, valid, rs256))
	accept(f, "fractional exp", jws(hdrMain, claimsJSON(map[string]any{"exp": raw("4102444800.5")}), rs256))
	accept(f, "email_verified as a string", jws(hdrMain, claimsJSON(map[string]any{"email_verified": "true"}), rs256))
	accept(f, "nbf in the past", jws(hdrMain, claimsJSON(map[string]any{"nbf": corpusIat}), rs256))
	accept(f, "custom attribute of another type", jws(hdrMain, claimsJSON(map[string]any{"custom:createdByCorbado": true}), rs256))
	accept(f, "duplicate claim, the last wins (RFC 7519 §4)", jws(hdrMain, addRaw(claimsJSON(map[string]any{"exp": 1}), `"exp":4102444800`), rs256))
	accept(f, "invalid UTF-8 in a claim value", jws(hdrMain, addRaw(valid, "\"name\":\"Al\xffce\""), rs256))
	accept(f, "unicode name", jws(hdrMain, claimsJSON(map[string]any{"name": "Zoë 鈴木 😀"}), rs256))
	accept(f, "exactly 16 KiB", exactSize(t, hdrMain, jwks.MaxTokenSize, rs256))

	f = "alg none"
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		h := `{"alg":"` + alg + `","kid":"main"}`
		reject(f, alg+", empty signature", b64u([]byte(h))+"."+b64u([]byte(valid))+".")
		reject(f, alg+", RS256 signature", jws(h, valid, rs256))
		reject(f, alg+", key without alg", jws(`{"alg":"`+alg+`","kid":"noalg"}`, valid, rs256))
	}
	reject(f, "none, no kid", jws(`{"alg":"none"}`, valid, fixed([]byte("x"))))

	f = "hmac with public key"
	der, err := x509.MarshalPKIXPublicKey(&main.PublicKey)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	jwkKey, _ := json.Marshal(map[string]any{"kty": "RSA", "kid": "main", "alg": "RS256", "use": "sig",
		"n": b64u(main.N.Bytes()), "e": "AQAB"})
	for _, kid := range []string{"main", "noalg"} {
		secrets := map[string][]byte{"PEM": pemKey, "DER": der, "JWK": jwkKey, "modulus": main.N.Bytes()}
		for _, secretName := range sorted(secrets) {
			secret := secrets[secretName]
			reject(f, "HS256 keyed with the "+secretName+" public key, kid "+kid, jws(`{"alg":"HS256","kid":"`+kid+`"}`, valid, hs(secret, crypto.SHA256)))
		}
	}
	reject(f, "HS384 keyed with the PEM public key", jws(`{"alg":"HS384","kid":"main"}`, valid, hs(pemKey, crypto.SHA384)))
	reject(f, "HS512 keyed with the PEM public key", jws(`{"alg":"HS512","kid":"main"}`, valid, hs(pemKey, crypto.SHA512)))
	reject(f, "HS256 with the JWKS's symmetric key", jws(`{"alg":"HS256","kid":"hmac"}`, valid, hs([]byte(hmacKey), crypto.SHA256)))
	reject(f, "HS256 with an empty key", jws(`{"alg":"HS256","kid":"main"}`, valid, hs(nil, crypto.SHA256)))

	f = "alg confusion"
	reject(f, "RS512 against a key for RS256", jws(`{"alg":"RS512","kid":"main"}`, valid, rs(main, crypto.SHA512)))
	reject(f, "PS256 against a key for RS256", jws(`{"alg":"PS256","kid":"main"}`, valid, ps(main, crypto.SHA256)))
	stricter(f, "RS384 with a key without alg", whyAlgorithm, jws(`{"alg":"RS384","kid":"noalg"}`, valid, rs(main, crypto.SHA384)))
	stricter(f, "RS512 with a key without alg", whyAlgorithm, jws(`{"alg":"RS512","kid":"noalg"}`, valid, rs(main, crypto.SHA512)))
	reject(f, "PS256 with a key without alg", jws(`{"alg":"PS256","kid":"noalg"}`, valid, ps(main, crypto.SHA256)))
	stricter(f, "ES256, valid", whyAlgorithm, jws(`{"alg":"ES256","kid":"ec"}`, valid, es256(ec)))
	reject(f, "ES256, r = s = 0 (psychic signature)", jws(`{"alg":"ES256","kid":"ec"}`, valid, fixed(make([]byte, 64))))
	reject(f, "ES256 header, RS256 signature", jws(`{"alg":"ES256","kid":"main"}`, valid, rs256))
	reject(f, "EdDSA header, RS256 signature", jws(`{"alg":"EdDSA","kid":"main"}`, valid, rs256))
	reject(f, "rs256 in lower case", jws(`{"alg":"rs256","kid":"main"}`, valid, rs256))
	reject(f, "rs256 in lower case, key without alg", jws(`{"alg":"rs256","kid":"noalg"}`, valid, rs256))
	reject(f, "RS256 with a trailing space", jws(`{"alg":"RS256 ","kid":"main"}`, valid, rs256))
	reject(f, "no alg", jws(`{"kid":"main"}`, valid, rs256))
	reject(f, "no alg, key without alg", jws(`{"kid":"noalg"}`, valid, rs256))
	reject(f, "alg as an array", jws(`{"alg":["RS256"],"kid":"main"}`, valid, rs256))
	reject(f, "alg null", jws(`{"alg":null,"kid":"main"}`, valid, rs256))

	f = "kid"
	reject(f, "no kid", jws(`{"alg":"RS256"}`, valid, rs256))
	reject(f, "empty kid", jws(`{"alg":"RS256","kid":""}`, valid, rs256))
	reject(f, "unknown kid", jws(`{"alg":"RS256","kid":"nope"}`, valid, rs256))
	reject(f, "path traversal", jws(`{"alg":"RS256","kid":"../../../../../../dev/null"}`, valid, rs256))
	reject(f, "SQL injection", jws(`{"alg":"RS256","kid":"x' UNION SELECT 'main"}`, valid, rs256))
	reject(f, "NUL after the kid", jws(`{"alg":"RS256","kid":"main\u0000"}`, valid, rs256))
	reject(f, "kid in upper case", jws(`{"alg":"RS256","kid":"MAIN"}`, valid, rs256))
	reject(f, "kid with a leading space", jws(`{"alg":"RS256","kid":" main"}`, valid, rs256))
	reject(f, "kid as a number", jws(`{"alg":"RS256","kid":1}`, valid, rs256))
	reject(f, "kid as an object", jws(`{"alg":"RS256","kid":{"$ne":null}}`, valid, rs256))
	reject(f, "10,000-character kid", jws(`{"alg":"RS256","kid":"`+strings.Repeat("k", 10000)+`"}`, valid, rs256))
	reject(f, "signed by another key under the pool's kid", jws(hdrMain, valid, rs(other, crypto.SHA256)))

	f = "crit"
	stricter(f, "crit [exp]", whyCrit, jws(`{"alg":"RS256","kid":"main","crit":["exp"],"exp":1}`, valid, rs256))
	stricter(f, "crit [b64] with b64 false", whyCrit, jws(`{"alg":"RS256","kid":"main","crit":["b64"],"b64":false}`, valid, rs256))
	stricter(f, "empty crit", whyCrit, jws(`{"alg":"RS256","kid":"main","crit":[]}`, valid, rs256))
	stricter(f, "crit as a string", whyCrit, jws(`{"alg":"RS256","kid":"main","crit":"exp"}`, valid, rs256))
	stricter(f, "crit null", whyCrit, jws(`{"alg":"RS256","kid":"main","crit":null}`, valid, rs256))

	f = "key in header"
	attackerJWK, _ := json.Marshal(map[string]any{"kty": "RSA", "kid": "main", "n": b64u(other.N.Bytes()), "e": "AQAB"})
	stricter(f, "jku to the attacker's JWKS", whyKeyHeader, jws(`{"alg":"RS256","kid":"main","jku":"https://attacker.example/jwks.json"}`, valid, rs256))
	stricter(f, "x5u", whyKeyHeader, jws(`{"alg":"RS256","kid":"main","x5u":"https://attacker.example/cert.pem"}`, valid, rs256))
	stricter(f, "x5c", whyKeyHeader, jws(`{"alg":"RS256","kid":"main","x5c":["MIIB"]}`, valid, rs256))
	stricter(f, "jwk of the pool's key", whyKeyHeader, jws(`{"alg":"RS256","kid":"main","jwk":`+string(jwkKey)+`}`, valid, rs256))
	reject(f, "jwk of the attacker's key, signed by it", jws(`{"alg":"RS256","kid":"main","jwk":`+string(attackerJWK)+`}`, valid, rs(other, crypto.SHA256)))
	reject(f, "jwk of the attacker's key, no kid", jws(`{"alg":"RS256","jwk":`+string(attackerJWK)+`}`, valid, rs(other, crypto.SHA256)))
	reject(f, "jku, signed by the attacker", jws(`{"alg":"RS256","kid":"main","jku":"https://attacker.example/jwks.json"}`, valid, rs(other, crypto.SHA256)))

	f = "jwe and json"
	reject(f, "compact JWE", "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoibWFpbiJ9.ZW5jcnlwdGVka2V5.aXY.Y2lwaGVydGV4dA.dGFn")
	stricter(f, "enc in a JWS header", whyJWE, jws(`{"alg":"RS256","kid":"main","enc":"A256GCM"}`, valid, rs256))
	stricter(f, "zip in a JWS header", whyJWE, jws(`{"alg":"RS256","kid":"main","zip":"DEF"}`, valid, rs256))
	parts := strings.Split(jws(hdrMain, valid, rs256), ".")
	flattened, _ := json.Marshal(map[string]string{"protected": parts[0], "payload": parts[1], "signature": parts[2]})
	general, _ := json.Marshal(map[string]any{"payload": parts[1], "signatures": []map[string]string{{"protected": parts[0], "signature": parts[2]}}})
	reject(f, "JSON serialization, flattened", string(flattened))
	reject(f, "JSON serialization, general", string(general))
	reject(f, "four parts", strings.Join(parts, ".")+".x")

	f = "dot flood"
	for _, s := range []string{"", ".", "..", "...", "....", "a.b", "a..c", ".b.c", "a.b.", strings.Repeat(".", 17000)} {
		reject(f, fmt.Sprintf("%q", truncate(s, 8))+fmt.Sprintf(" (%d bytes)", len(s)), s)
	}
	good := strings.Join(parts, ".")
	reject(f, "valid token and a dot", good+".")
	reject(f, "dot and a valid token", "."+good)
	reject(f, "double dot inside", parts[0]+".."+parts[1]+"."+parts[2])

	f = "oversized"
	stricter(f, "valid token over 16 KiB", whySize, jws(hdrMain, claimsJSON(map[string]any{"name": strings.Repeat("n", 13000)}), rs256))
	stricter(f, "valid token one byte over 16 KiB", whySize, exactSize(t, hdrMain, jwks.MaxTokenSize+1, rs256))
	reject(f, "32 KiB of garbage", strings.Repeat("A", 16<<10)+"."+strings.Repeat("B", 16<<10)+".C")

	f = "encoding"
	stricter(f, "padded base64url", whyBase64, padded(hdrMain, valid, rs256))
	stricter(f, "signature with non-zero trailing bits", whyBase64, trailingBits(good))
	reject(f, "standard base64 alphabet", stdAlphabet(valid, rs256))
	reject(f, "newline inside", parts[0]+"."+parts[1][:10]+"\n"+parts[1][10:]+"."+parts[2])
	reject(f, "leading space", " "+good)
	reject(f, "trailing space", good+" ")
	reject(f, "percent-encoded dots", strings.ReplaceAll(good, ".", "%2E"))
	reject(f, "invalid base64 character", parts[0]+"."+parts[1]+"!."+parts[2])

	f = "non-json"
	reject(f, "header not JSON", jws(`not json`, valid, rs256))
	reject(f, "header an array", jws(`["RS256","main"]`, valid, rs256))
	reject(f, "header with trailing data", jws(hdrMain+"x", valid, rs256))
	reject(f, "payload not JSON", jws(hdrMain, `not json`, rs256))
	reject(f, "payload an array", jws(hdrMain, `[`+valid+`]`, rs256))
	reject(f, "payload null", jws(hdrMain, `null`, rs256))
	reject(f, "payload a string", jws(hdrMain, `"`+strings.ReplaceAll(valid, `"`, `\"`)+`"`, rs256))
	reject(f, "payload a number", jws(hdrMain, `4102444800`, rs256))
	reject(f, "payload empty object", jws(hdrMain, `{}`, rs256))
	reject(f, "payload with a byte-order mark", jws(hdrMain, "\ufeff"+valid, rs256))
	reject(f, "payload with trailing data", jws(hdrMain, valid+"x", rs256))
	reject(f, "payload with a comment", jws(hdrMain, addRaw(valid, `/* c */ "x":1`), rs256))
	reject(f, "payload with NaN", jws(hdrMain, addRaw(claimsJSON(map[string]any{"exp": nil}), `"exp":NaN`), rs256))

	f = "claim types"
	exps := map[string]any{"string": "4102444800", "boolean": true, "null": raw("null"), "array": []int{corpusExp}, "1e400": raw("1e400")}
	for _, name := range sorted(exps) {
		v := exps[name]
		reject(f, "exp as "+name, jws(hdrMain, claimsJSON(map[string]any{"exp": v}), rs256))
	}
	reject(f, "exp negative", jws(hdrMain, claimsJSON(map[string]any{"exp": -1}), rs256))
	reject(f, "exp zero", jws(hdrMain, claimsJSON(map[string]any{"exp": 0}), rs256))
	stricter(f, "exp past the year 9999", whyYear, jws(hdrMain, claimsJSON(map[string]any{"exp": raw("1e15")}), rs256))
	stricter(f, "no exp", whyExp, jws(hdrMain, claimsJSON(map[string]any{"exp": nil}), rs256))
	reject(f, "nbf as a string", jws(hdrMain, claimsJSON(map[string]any{"nbf": "1"}), rs256))
	reject(f, "iat as a string", jws(hdrMain, claimsJSON(map[string]any{"iat": "1"}), rs256))
	auds := map[string]any{"a number": 1, "an array of numbers": []int{1}, "null": raw("null"), "an object": map[string]string{"aud": hostileClient}, "empty": ""}
	for _, name := range sorted(auds) {
		v := auds[name]
		reject(f, "aud "+name, jws(hdrMain, claimsJSON(map[string]any{"aud": v}), rs256))
	}
	reject(f, "iss as a number", jws(hdrMain, claimsJSON(map[string]any{"iss": 1}), rs256))
	reject(f, "iss null", jws(hdrMain, claimsJSON(map[string]any{"iss": raw("null")}), rs256))
	reject(f, "sub as a number", jws(hdrMain, claimsJSON(map[string]any{"sub": 1}), rs256))
	reject(f, "token_use as a number", jws(hdrMain, claimsJSON(map[string]any{"token_use": 1}), rs256))
	reject(f, "scope as a number", jws(hdrMain, claimsJSON(map[string]any{"scope": 1}), rs256))
	reject(f, "jti as a number", jws(hdrMain, claimsJSON(map[string]any{"jti": 1}), rs256))
	for _, claim := range []string{"sub", "iat", "nbf", "jti", "scope"} {
		reject(f, claim+" null", jws(hdrMain, claimsJSON(map[string]any{claim: raw("null")}), rs256))
	}
	mistyped := map[string]any{"email_verified": "yes", "email": 42, "name": map[string]string{"first": "a"},
		"cognito:groups": "admins", "cognito:username": 7, "client_id": 7, "auth_time": "yesterday"}
	for _, claim := range sorted(mistyped) {
		v := mistyped[claim]
		stricter(f, fmt.Sprintf("%s as %T", claim, v), whyTypes, jws(hdrMain, claimsJSON(map[string]any{claim: v}), rs256))
	}
	stricter(f, "email_verified as 1", whyTypes, jws(hdrMain, claimsJSON(map[string]any{"email_verified": 1}), rs256))

	f = "claims"
	reject(f, "another pool's issuer", jws(hdrMain, claimsJSON(map[string]any{"iss": "https://cognito-idp." + hostileRegion + ".amazonaws.com/" + hostileRegion + "_Other0001"}), rs256))
	reject(f, "issuer with a trailing slash", jws(hdrMain, claimsJSON(map[string]any{"iss": hostileIssuer + "/"}), rs256))
	reject(f, "issuer over http", jws(hdrMain, claimsJSON(map[string]any{"iss": strings.Replace(hostileIssuer, "https", "http", 1)}), rs256))
	reject(f, "another client", jws(hdrMain, claimsJSON(map[string]any{"aud": "another-client"}), rs256))
	reject(f, "aud array without the client", jws(hdrMain, claimsJSON(map[string]any{"aud": []string{"a", "b"}}), rs256))
	reject(f, "aud array with the client (ID tokens carry a string)", jws(hdrMain, claimsJSON(map[string]any{"aud": []string{"another-client", hostileClient}}), rs256))
	reject(f, "access token", jws(hdrMain, claimsJSON(map[string]any{"token_use": "access"}), rs256))
	reject(f, "no token_use", jws(hdrMain, claimsJSON(map[string]any{"token_use": nil}), rs256))
	reject(f, "expired", jws(hdrMain, claimsJSON(map[string]any{"exp": corpusIat}), rs256))
	reject(f, "not valid before 2100", jws(hdrMain, claimsJSON(map[string]any{"nbf": corpusExp - 1}), rs256))

	f = "keys"
	stricter(f, "1024-bit RSA key", whyWeakKey, jws(`{"alg":"RS256","kid":"weak"}`, valid, rs(weak, crypto.SHA256)))
	reject(f, "encryption key (use enc)", jws(`{"alg":"RS256","kid":"enc"}`, valid, rs(other, crypto.SHA256)))
	stricter(f, "key_ops without verify", whyKeyOps, jws(`{"alg":"RS256","kid":"ops"}`, valid, rs(other, crypto.SHA256)))
	stricter(f, "kid shared by two keys, signed by the first", whyDupKid, jws(`{"alg":"RS256","kid":"dup"}`, valid, rs256))
	reject(f, "kid shared by two keys, signed by the second", jws(`{"alg":"RS256","kid":"dup"}`, valid, rs(other, crypto.SHA256)))

	f = "case-variant names"
	reject(f, "exp past, EXP in 2100", jws(hdrMain, addRaw(claimsJSON(map[string]any{"exp": corpusIat}), `"EXP":4102444800`), rs256))
	reject(f, "iss of another pool, ISS of this one", jws(hdrMain, addRaw(claimsJSON(map[string]any{"iss": "https://attacker.example"}), `"ISS":"`+hostileIssuer+`"`), rs256))
	reject(f, "aud of another client, Aud of this one", jws(hdrMain, addRaw(claimsJSON(map[string]any{"aud": "another-client"}), `"Aud":"`+hostileClient+`"`), rs256))
	reject(f, "token_use access, Token_Use id", jws(hdrMain, addRaw(claimsJSON(map[string]any{"token_use": "access"}), `"Token_Use":"id"`), rs256))
	reject(f, "unknown kid, KID of the pool's key", jws(`{"alg":"RS256","kid":"nope","KID":"main"}`, valid, rs256))
	reject(f, "alg none, ALG RS256", jws(`{"alg":"none","kid":"main","ALG":"RS256"}`, valid, rs256))
	stricter(f, "EXP instead of exp", whyCase, jws(hdrMain, addRaw(claimsJSON(map[string]any{"exp": nil}), `"EXP":4102444800`), rs256))
	stricter(f, "Exp beside exp", whyCase, jws(hdrMain, addRaw(valid, `"Exp":4102444800`), rs256))
	stricter(f, "ſub (long s) instead of sub", whyCase, jws(hdrMain, addRaw(claimsJSON(map[string]any{"sub": nil}), `"ſub":"someone-else"`), rs256))
	stricter(f, "email_Verified false beside email_verified true", whyCase, jws(hdrMain, addRaw(valid, `"email_Verified":false`), rs256))
	stricter(f, "Alg beside alg", whyCase, jws(`{"alg":"RS256","kid":"main","Alg":"RS256"}`, valid, rs256))
	stricter(f, "Crit", whyCrit, jws(`{"alg":"RS256","kid":"main","Crit":["exp"]}`, valid, rs256))

	for _, e := range out {
		require.True(t, slices.Contains(corpusFamilies, e.Family), e.Family)
	}
	return out
}

// exactSize returns a valid token of exactly size bytes, padding a claim.
func exactSize(t *testing.T, header string, size int, sign signFunc) string {
	for pad := size * 3 / 4; pad > 0; pad-- {
		tok := jws(header, claimsJSON(map[string]any{"name": strings.Repeat("n", pad)}), sign)
		if len(tok) == size {
			return tok
		}
		if len(tok) < size {
			break
		}
	}
	t.Fatalf("no token of exactly %d bytes", size)
	return ""
}

// padded encodes the parts with base64url padding (adding JSON whitespace
// until each part needs some) and signs that input.
func padded(header, payload string, sign signFunc) string {
	for len(header)%3 == 0 {
		header += " "
	}
	for len(payload)%3 == 0 {
		payload += " "
	}
	h := base64.URLEncoding.EncodeToString([]byte(header))
	p := base64.URLEncoding.EncodeToString([]byte(payload))
	return h + "." + p + "." + base64.URLEncoding.EncodeToString(sign([]byte(h+"."+p)))
}

// trailingBits sets the unused low bits of the signature's last
// character: the same signature bytes, spelled differently.
func trailingBits(token string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	// 256 signature bytes are 342 characters; the last one carries 2 bits.
	return token[:len(token)-1] + string(alphabet[last|0x0f])
}

// stdAlphabet is a valid token whose header uses '+' or '/' (standard
// base64) instead of '-' and '_'.
func stdAlphabet(payload string, sign signFunc) string {
	for n := 0; ; n++ {
		h := `{"alg":"RS256","kid":"main","x":"` + strings.Repeat("?", n) + `>"}`
		std := base64.RawStdEncoding.EncodeToString([]byte(h))
		if strings.ContainsAny(std, "+/") {
			input := std + "." + b64u([]byte(payload))
			return input + "." + b64u(sign([]byte(input)))
		}
	}
}

// sorted returns m's keys in order, so the corpus comes out the same way
// every time it is generated.
func sorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
