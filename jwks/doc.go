// Package jwks validates JWTs signed by keys published as a JWKS: Amazon
// Cognito ID and access tokens first, and tokens of any other issuer, such
// as a passkey provider's session tokens.
//
// A Validator for a Cognito pool's ID tokens:
//
//	cfg, err := jwks.CognitoConfig("eu-central-1_AbCdEf123", "id", appClientID)
//	if err != nil { ... } // a mistyped pool ID or token use, found offline
//	v, err := jwks.New(cfg)
//	if err != nil { ... }
//	if err := v.Warm(ctx); err != nil { ... } // optional: load the keys now
//	claims, err := v.Validate(ctx, idToken)
//	switch {
//	case errors.Is(err, jwks.ErrUnavailable): // keys cannot be loaded: 503
//	case errors.Is(err, jwks.ErrExpired):     // ask the client to refresh: 401
//	case err != nil:                          // any other rejection: 401
//	}
//	fmt.Println(claims.Username, claims.Email, claims.Custom["custom:createdByCorbado"])
//
// To protect an API with the access tokens Cognito issues:
//
//	cfg, err := jwks.CognitoConfig(poolID, "access", appClientID)
//	if err != nil { ... }
//	v, err := jwks.New(cfg) // shares the pool's keys with the ID-token Validator
//	if err != nil { ... }
//	mux.Handle("/api/", v.Middleware(api))
//	// in api: claims, _ := jwks.ClaimsFromContext(r.Context())
//
// # What is checked
//
// In this order, each failure wrapping ErrInvalidToken and naming the
// check (never quoting the token): size (at most 16 KiB), compact JWS form
// (JWE and the JSON serialisation are refused), strict base64url, the
// header (alg on the allowlist, RS256 by default; kid present; crit, jku,
// x5u, x5c and jwk refused rather than followed), the key (by kid; its alg,
// when the JWK names one, must equal the header's), the signature, and
// only then the claims: exp required, exp and nbf with Config.Leeway, iss
// exact, token_use, and aud (client_id for Cognito access tokens; a single
// string for ID tokens). Header and claim names are read exactly: a member
// this package reads spelled in another case ("EXP", "Kid") is refused, and
// so is null for a registered claim, so that no token reads differently
// here than in AWS's aws-jwt-verify (see internal/attack).
//
// Keys are parsed once, when loaded, with github.com/lestrrat-go/jwx/v3;
// keys not meant for signatures (use, key_ops), symmetric keys, RSA keys
// under 2048 bits and keys that share a kid are never used. The per-token
// path parses the compact form itself and decodes claims into a typed
// struct: no JWT library runs there.
//
// # Remote keys
//
// Keys from Config.JWKSURL are fetched on first use (or by Warm), into
// one key cache per URL (and fetch settings) in the process, shared by
// every Validator of that URL: a pool's ID-token and access-token
// validators fetch its keys once, and a rotation one of them notices
// serves both. One fetch is in flight however many callers wait; each
// caller waits only as long as its own context allows, while the fetch
// runs under Config.FetchTimeout. Bodies are capped at 1 MiB; only
// successful fetches are cached, but while none has succeeded a failed
// fetch makes the next wait a second (callers get its error meanwhile),
// so a burst of tokens against a failing endpoint is not a burst of
// fetches. An unknown kid or keys older than Config.MaxKeyAge cause a
// refetch, at most one per Config.MinRefreshInterval, so a flood of
// random kids cannot become a flood of fetches. While the endpoint is
// down, keys already fetched keep working.
//
// # Remembered tokens
//
// A session sends the same access token with every request, so a
// Validator remembers the tokens that passed (Config.CacheSize, 10,000 by
// default; negative turns it off), keyed by a SHA-256 of the whole token.
// A repeat costs that hash and a lookup, not a signature check: under
// 0.05× of the bare RSA verification (README, "Measured figures"). A remembered
// token is refused as soon as a fresh check would refuse it for time or
// key: at exp plus Leeway, before nbf, and once its key is no longer
// published under its kid (a refreshed JWKS dropped or replaced it). Each
// call gets its own copy of the claims. Memory is bounded (CLOCK
// replacement, no timers or goroutines per entry).
//
// # Multi-Region replicas
//
// Tokens a replica region issues may name that region in the original
// issuer form while the pool ID keeps the primary one; list the replica
// regions in Config.CognitoReplicaRegions to accept them.
//
// Package jwkstest makes keys, serves them over httptest and signs
// tokens, for testing code that relies on this package.
package jwks
