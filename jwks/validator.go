package jwks

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
)

// Validator checks JWTs against the keys of one JWKS and the claims rules
// of its Config. It is safe for concurrent use.
type Validator struct {
	cfg   Config
	keys  keySource
	cache *tokenCache // nil when Config.CacheSize is negative

	// headers maps the base64url header segments of tokens that verified
	// to their decoded header. Issuers reuse a handful of headers (one per
	// key), so this saves a decode per token; it is copy-on-write, read
	// without locks, and grows only after a signature verified and only up
	// to maxCachedHeaders, so hostile tokens cannot fill it.
	headers  atomic.Pointer[map[string]*header]
	headerMu sync.Mutex
}

const maxCachedHeaders = 16

// New checks cfg and returns a Validator. Static keys (Config.Keys) are
// parsed here; remote keys are fetched on first use or by Warm, into the
// key cache the Validator shares with others of the same JWKS URL.
func New(cfg Config) (*Validator, error) {
	c, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	v := &Validator{cfg: c}
	if len(c.Keys) > 0 {
		keys, err := parseKeySet(c.Keys, c.Algorithms)
		if err != nil {
			return nil, err
		}
		v.keys = staticKeys(keys)
	} else {
		v.keys = sharedRemoteKeys(newRemoteID(c), c.Algorithms)
	}
	if c.CacheSize > 0 {
		v.cache = newTokenCache(c.CacheSize)
	}
	return v, nil
}

// Warm loads the remote keys now, so the first Validate does not wait for
// them and a misconfigured URL shows at start-up. For static keys it does
// nothing.
func (v *Validator) Warm(ctx context.Context) error {
	return v.keys.warm(ctx, v.cfg.Now())
}

// header is the JOSE header. Fields this package refuses to act on are
// decoded only to notice their presence.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
	Jku  json.RawMessage `json:"jku"`
	X5u  json.RawMessage `json:"x5u"`
	Jwk  json.RawMessage `json:"jwk"`
	X5c  json.RawMessage `json:"x5c"`
	Enc  json.RawMessage `json:"enc"`
	Zip  json.RawMessage `json:"zip"`
}

// Validate checks token and returns its claims. The order is fixed: size,
// compact form, header rules, key, signature, and only then the claims. Every
// rejection wraps ErrInvalidToken (expiry also ErrExpired); keys that
// cannot be loaded give ErrUnavailable.
//
// A token that passed is remembered (Config.CacheSize): presented again,
// it is answered from memory while it is unexpired, past its nbf and its
// key is still published. The Claims returned are the caller's own, never
// shared with another call.
func (v *Validator) Validate(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, errEmptyToken
	}
	if len(token) > MaxTokenSize {
		return nil, errTooLarge
	}
	if v.cache == nil {
		claims, _, err := v.validate(ctx, token, nil)
		return claims, err
	}
	h, signed, ok := hashToken(token)
	if !ok {
		return nil, errNotCompact
	}
	if claims := v.remembered(ctx, &h); claims != nil {
		return claims, nil
	}
	claims, verdict, err := v.validate(ctx, token, &signed)
	if err != nil {
		return nil, err
	}
	v.cache.put(&h, verdict)
	return claims.clone(), nil
}

// remembered returns a copy of the claims of the token hashed to h if it
// is remembered and every rule of cache.go still holds for it.
func (v *Validator) remembered(ctx context.Context, h *tokenHash) *Claims {
	t, ok := v.cache.get(h)
	if !ok {
		return nil
	}
	now := v.cfg.Now()
	if !now.Before(t.deadline) {
		v.cache.remove(h, t)
		return nil
	}
	if nbf := t.claims.NotBefore; !nbf.IsZero() && now.Add(v.cfg.Leeway).Before(nbf) {
		return nil
	}
	if key, err := v.keys.key(ctx, t.kid, now); err != nil || key != t.key {
		v.cache.remove(h, t)
		return nil
	}
	return t.claims.clone()
}

// validate runs every check on token, and returns its claims and the
// verdict to remember. The verdict holds the same claims: the caller
// hands out a clone if it stores them. signed, if not nil, is a SHA-256
// of a prefix of token, used for the signature when it is the signing
// input's and the algorithm's hash.
func (v *Validator) validate(ctx context.Context, token string, signed *signedDigest) (*Claims, cachedToken, error) {
	// One copy of the token; every part below is a slice of it.
	buf := []byte(token)
	dot1 := bytes.IndexByte(buf, '.')
	if dot1 < 0 {
		return nil, cachedToken{}, errNotCompact
	}
	dot2 := dot1 + 1 + bytes.IndexByte(buf[dot1+1:], '.')
	if dot2 == dot1 || bytes.IndexByte(buf[dot2+1:], '.') >= 0 {
		return nil, cachedToken{}, errNotCompact
	}
	headerPart, payloadPart, sigPart := buf[:dot1], buf[dot1+1:dot2], buf[dot2+1:]
	if len(headerPart) == 0 || len(payloadPart) == 0 || len(sigPart) == 0 {
		return nil, cachedToken{}, errNotCompact
	}

	h, cached := v.cachedHeader(headerPart)
	if !cached {
		var err error
		if h, err = v.decodeHeader(headerPart); err != nil {
			return nil, cachedToken{}, err
		}
	}

	// Payload and signature share one allocation.
	dec := base64.RawURLEncoding.Strict()
	pl := dec.DecodedLen(len(payloadPart))
	out := make([]byte, pl+dec.DecodedLen(len(sigPart)))
	n, err := dec.Decode(out, payloadPart)
	if err != nil {
		return nil, cachedToken{}, errEncoding
	}
	payload := out[:n]
	n, err = dec.Decode(out[pl:], sigPart)
	if err != nil {
		return nil, cachedToken{}, errEncoding
	}
	sig := out[pl : pl+n]

	key, err := v.keys.key(ctx, h.Kid, v.cfg.Now())
	if err != nil {
		return nil, cachedToken{}, err
	}
	if key.alg != "" && key.alg != h.Alg {
		return nil, cachedToken{}, errAlgMismatch
	}
	if !key.fits(h.Alg) {
		return nil, cachedToken{}, errKeyTypeMismatch
	}
	if !verifySignature(key, h.Alg, buf[:dot2], sig, signed) {
		return nil, cachedToken{}, errSignature
	}
	if !cached {
		v.cacheHeader(headerPart, h)
	}

	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, cachedToken{}, err
	}
	if err := v.checkClaims(claims); err != nil {
		return nil, cachedToken{}, err
	}
	return claims, cachedToken{claims: claims, kid: h.Kid, key: key, deadline: claims.ExpiresAt.Add(v.cfg.Leeway)}, nil
}

func (v *Validator) cachedHeader(segment []byte) (*header, bool) {
	m := v.headers.Load()
	if m == nil {
		return nil, false
	}
	h, ok := (*m)[string(segment)]
	return h, ok
}

func (v *Validator) cacheHeader(segment []byte, h *header) {
	v.headerMu.Lock()
	defer v.headerMu.Unlock()
	old := v.headers.Load()
	if old != nil && len(*old) >= maxCachedHeaders {
		return
	}
	m := make(map[string]*header, 1+lenOf(old))
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[string(segment)] = h
	v.headers.Store(&m)
}

func lenOf(m *map[string]*header) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

func (v *Validator) decodeHeader(segment []byte) (*header, error) {
	raw, err := base64.RawURLEncoding.Strict().AppendDecode(nil, segment)
	if err != nil {
		return nil, errEncoding
	}
	h := new(header)
	if err := json.Unmarshal(raw, h); err != nil {
		return nil, errHeader
	}
	if !headerMembers.check(raw) {
		return nil, errMemberNames
	}
	if err := v.checkHeader(h); err != nil {
		return nil, err
	}
	return h, nil
}

func (v *Validator) checkHeader(h *header) error {
	switch {
	case h.Enc != nil || h.Zip != nil:
		return errEncrypted
	case h.Crit != nil:
		// No extension is understood here, so any crit must fail (RFC 7515 §4.1.11).
		return errCrit
	case h.Jku != nil || h.X5u != nil || h.Jwk != nil || h.X5c != nil:
		return errKeyInHeader
	case !slices.Contains(v.cfg.Algorithms, h.Alg):
		return errAlgorithm
	case h.Kid == "":
		return errNoKid
	}
	return nil
}

func verifySignature(key *publicKey, alg string, signingInput, sig []byte, signed *signedDigest) bool {
	var buf [sha512.Size]byte
	var hash crypto.Hash
	var digest []byte
	if signed != nil && signed.end == len(signingInput) && alg[2:] == "256" {
		hash, digest = crypto.SHA256, buf[:copy(buf[:], signed.sum[:])]
	} else {
		hash, digest = digestOf(&buf, alg, signingInput)
	}
	switch alg[:2] {
	case "RS":
		return rsa.VerifyPKCS1v15(key.rsa, hash, digest, sig) == nil
	case "PS":
		return rsa.VerifyPSS(key.rsa, hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case "ES":
		// JWS carries r||s, each the curve's byte size (RFC 7518 §3.4).
		size := (key.ec.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(key.ec, digest, r, s)
	}
	return false
}

func (v *Validator) checkClaims(c *Claims) error {
	now := v.cfg.Now()
	if !now.Before(c.ExpiresAt.Add(v.cfg.Leeway)) {
		return ErrExpired
	}
	if !c.NotBefore.IsZero() && now.Add(v.cfg.Leeway).Before(c.NotBefore) {
		return errNotYetValid
	}
	if !slices.Contains(v.cfg.Issuers, c.Issuer) {
		return errIssuer
	}
	if v.cfg.TokenUse != "" && c.TokenUse != v.cfg.TokenUse {
		return errTokenUse
	}
	if v.cfg.SkipAudienceCheck {
		return nil
	}
	if v.cfg.TokenUse == "access" {
		// Cognito access tokens name their app client in client_id and
		// carry no aud.
		if !slices.Contains(v.cfg.Audiences, c.ClientID) {
			return errClientID
		}
		return nil
	}
	if v.cfg.TokenUse == "id" && c.wire.Aud.array {
		// Cognito writes an ID token's aud as a string, naming its one
		// app client.
		return errAudience
	}
	for _, aud := range c.Audience {
		if slices.Contains(v.cfg.Audiences, aud) {
			return nil
		}
	}
	return errAudience
}
