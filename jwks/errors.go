package jwks

import "errors"

// ErrInvalidToken is wrapped by every rejection of a token: callers answer
// it with 401. The wrapping error names the check that failed and never
// quotes the token or a value taken from it.
var ErrInvalidToken = errors.New("jwks: invalid token")

// ErrExpired is the rejection of a token whose exp, after the leeway, has
// passed. It wraps ErrInvalidToken.
var ErrExpired error = rejection("token expired")

// ErrUnavailable means the keys needed to check a token could not be
// loaded (the JWKS endpoint is down, slow, or answers garbage) and none
// were cached. It is not a judgement on the token, so it does not wrap
// ErrInvalidToken: callers answer it with 503, not 401.
var ErrUnavailable = errors.New("jwks: keys unavailable")

// rejection is a token rejection with a fixed description. Fixed strings
// keep attacker-chosen bytes out of logs and cost no allocation.
type rejection string

func (r rejection) Error() string { return "jwks: invalid token: " + string(r) }

// Is makes every rejection match ErrInvalidToken.
func (r rejection) Is(target error) bool { return target == ErrInvalidToken }

const (
	errTooLarge        = rejection("token larger than 16 KiB")
	errNotCompact      = rejection("not a compact JWS (want three base64url parts)")
	errEncoding        = rejection("malformed base64url")
	errHeader          = rejection("malformed header")
	errCrit            = rejection("header lists critical extensions (crit)")
	errKeyInHeader     = rejection("header carries a key or key URL (jwk, jku, x5u, x5c)")
	errEncrypted       = rejection("encrypted tokens (JWE) are not accepted")
	errNoKid           = rejection("header has no kid")
	errAlgorithm       = rejection("algorithm not allowed")
	errAlgMismatch     = rejection("header alg differs from the key's alg")
	errUnknownKid      = rejection("no key with that kid")
	errSignature       = rejection("signature does not verify")
	errClaims          = rejection("malformed claims")
	errNoExp           = rejection("token has no exp")
	errNotYetValid     = rejection("token not valid yet (nbf)")
	errIssuer          = rejection("issuer not accepted")
	errAudience        = rejection("audience not accepted")
	errClientID        = rejection("client_id not accepted")
	errTokenUse        = rejection("token_use not accepted")
	errEmptyToken      = rejection("empty token")
	errKeyTypeMismatch = rejection("key type does not fit the algorithm")
	errMemberNames     = rejection("member name in another case, or a registered claim null")
)
