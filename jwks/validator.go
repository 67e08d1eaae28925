package jwks

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
)

// Validator checks JWTs against the keys of one JWKS and the claims rules
// of its Config. It is safe for concurrent use.
type Validator struct {
	cfg  Config
	keys keySource
}

// New checks cfg and returns a Validator. Static keys (Config.Keys) are
// parsed here; remote keys are fetched on first use or by Warm.
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
		v.keys = &remoteKeys{
			url:        c.JWKSURL,
			client:     c.HTTPClient,
			timeout:    c.FetchTimeout,
			minRefresh: c.MinRefreshInterval,
			maxAge:     c.MaxKeyAge,
			now:        c.Now,
			algorithms: c.Algorithms,
		}
	}
	return v, nil
}

// Warm loads the remote keys now, so the first Validate does not wait for
// them and a misconfigured URL shows at start-up. For static keys it does
// nothing.
func (v *Validator) Warm(ctx context.Context) error {
	return v.keys.warm(ctx)
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
func (v *Validator) Validate(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, errEmptyToken
	}
	if len(token) > MaxTokenSize {
		return nil, errTooLarge
	}
	// One copy of the token; every part below is a slice of it.
	buf := []byte(token)
	dot1 := bytes.IndexByte(buf, '.')
	if dot1 < 0 {
		return nil, errNotCompact
	}
	dot2 := dot1 + 1 + bytes.IndexByte(buf[dot1+1:], '.')
	if dot2 == dot1 || bytes.IndexByte(buf[dot2+1:], '.') >= 0 {
		return nil, errNotCompact
	}
	headerPart, payloadPart, sigPart := buf[:dot1], buf[dot1+1:dot2], buf[dot2+1:]
	if len(headerPart) == 0 || len(payloadPart) == 0 || len(sigPart) == 0 {
		return nil, errNotCompact
	}

	// Decoded parts share one allocation.
	dec := base64.RawURLEncoding.Strict()
	hl, pl := dec.DecodedLen(len(headerPart)), dec.DecodedLen(len(payloadPart))
	out := make([]byte, hl+pl+dec.DecodedLen(len(sigPart)))
	n, err := dec.Decode(out, headerPart)
	if err != nil {
		return nil, errEncoding
	}
	rawHeader := out[:n]
	n, err = dec.Decode(out[hl:], payloadPart)
	if err != nil {
		return nil, errEncoding
	}
	payload := out[hl : hl+n]
	n, err = dec.Decode(out[hl+pl:], sigPart)
	if err != nil {
		return nil, errEncoding
	}
	sig := out[hl+pl : hl+pl+n]

	var h header
	if err := json.Unmarshal(rawHeader, &h); err != nil {
		return nil, errHeader
	}
	if err := v.checkHeader(&h); err != nil {
		return nil, err
	}
	key, err := v.keys.key(ctx, h.Kid)
	if err != nil {
		return nil, err
	}
	if key.alg != "" && key.alg != h.Alg {
		return nil, errAlgMismatch
	}
	if !key.fits(h.Alg) {
		return nil, errKeyTypeMismatch
	}
	if !verifySignature(key, h.Alg, buf[:dot2], sig) {
		return nil, errSignature
	}

	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, err
	}
	if err := v.checkClaims(claims); err != nil {
		return nil, err
	}
	return claims, nil
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

func verifySignature(key *publicKey, alg string, signingInput, sig []byte) bool {
	hash := hashFor(alg)
	hasher := hash.New()
	hasher.Write(signingInput)
	digest := hasher.Sum(nil)
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
	for _, aud := range c.Audience {
		if slices.Contains(v.cfg.Audiences, aud) {
			return nil
		}
	}
	return errAudience
}
