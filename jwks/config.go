package jwks

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Config says which tokens a Validator accepts and where their keys come
// from. The zero value of every optional field is the strict choice.
type Config struct {
	// Issuers lists the accepted iss values, matched exactly. Required.
	Issuers []string
	// JWKSURL is where remote keys are fetched. Exactly one of JWKSURL and
	// Keys must be set. Validators in one process whose JWKSURL,
	// HTTPClient, Algorithms, FetchTimeout, MinRefreshInterval and
	// MaxKeyAge are equal share one key cache: a pool's ID-token and
	// access-token validators fetch its keys once.
	JWKSURL string
	// Keys is a JWKS document used as static, offline keys (the seed's
	// COGNITO_JWKS).
	Keys []byte
	// Audiences lists the accepted audiences: matched against aud, or
	// against client_id for Cognito access tokens (TokenUse "access").
	// Required unless SkipAudienceCheck is set.
	Audiences []string
	// SkipAudienceCheck accepts tokens for any audience. Only for issuers
	// that mint tokens for a single relying party (a passkey provider's
	// per-project issuer), never for a shared issuer.
	SkipAudienceCheck bool
	// TokenUse, when set, must equal the token_use claim: "id" or "access"
	// for Cognito; "" for issuers without that claim. With "id", aud must
	// be a single string, as Cognito writes it (and AWS's aws-jwt-verify
	// requires), not an array.
	TokenUse string
	// Algorithms is the allowlist of JWS algorithms. Default ["RS256"].
	// Supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512.
	Algorithms []string
	// Leeway is the clock skew allowed on exp and nbf. Default 0.
	Leeway time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// HTTPClient fetches remote keys. Default http.DefaultClient; the
	// fetch is bounded by FetchTimeout either way.
	HTTPClient *http.Client
	// FetchTimeout bounds one JWKS fetch, independent of any caller's
	// context. Default 10s.
	FetchTimeout time.Duration
	// MinRefreshInterval is the least time between two refetches caused by
	// an unknown kid or by stale keys, per key cache (see JWKSURL).
	// Default 1 minute.
	MinRefreshInterval time.Duration
	// MaxKeyAge is how long fetched keys are used before they are fetched
	// again, so a key the issuer withdrew stops being trusted. When the
	// refetch fails the old keys stay in use. Default 1 hour.
	MaxKeyAge time.Duration
	// Logger receives the cause of failures the Middleware answers with a
	// fixed body. Default: discard.
	Logger *slog.Logger
	// CacheSize is how many verified tokens the Validator remembers, so
	// that a token presented again (a session's access token on every API
	// request) costs a hash and a lookup instead of a signature check. A
	// remembered token is still refused once exp (plus Leeway) passes,
	// before its nbf, and as soon as its key is no longer published.
	// Zero means DefaultCacheSize: the zero Config is the recommended
	// one, so "off" is a negative value rather than zero.
	CacheSize int
	// CognitoReplicaRegions lists the regions a Cognito user pool is
	// replicated to (Multi-Region replication). A replica's tokens can
	// name its own region in the original issuer form,
	// https://cognito-idp.<replica-region>.amazonaws.com/<pool ID>, while
	// the pool ID keeps the primary region; each region given adds that
	// issuer. The keys are the pool's, so JWKSURL stays. Only for a Config
	// made by CognitoConfig.
	CognitoReplicaRegions []string

	cognitoPoolID string // set by CognitoConfig
}

const (
	// MaxTokenSize is the largest token Validate will look at; longer
	// input is rejected before any parsing.
	MaxTokenSize = 16 << 10
	// MaxJWKSSize caps the JWKS document read from the network.
	MaxJWKSSize = 1 << 20

	// DefaultCacheSize is the number of verified tokens a Validator
	// remembers when Config.CacheSize is zero. An entry holds the parsed
	// claims and the decoded payload: about 1.8 KB for a 1 KB Cognito ID
	// token (measured), so some 18 MB when full.
	DefaultCacheSize = 10_000

	defaultFetchTimeout       = 10 * time.Second
	defaultMinRefreshInterval = time.Minute
	defaultMaxKeyAge          = time.Hour
)

// cognitoRegion is the shape of an AWS region (eu-west-1, us-gov-west-1);
// cognitoPoolID is <region>_<id>, the shape of every Cognito user pool ID.
var (
	cognitoRegion = regexp.MustCompile(`^[a-z]{2}(?:-[a-z]+)+-[0-9]+$`)
	cognitoPoolID = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-[0-9]+)_[0-9A-Za-z]+$`)
)

// CognitoConfig returns the Config for tokens of the Cognito user pool
// userPoolID: both issuer forms Cognito uses, the pool's JWKS URL, the
// region read from the pool ID, tokenUse ("id" or "access") and the app
// client IDs accepted (aud for ID tokens, client_id for access tokens).
// Change fields of the result before passing it to New, for instance
// JWKSURL to point at an emulator, or CognitoReplicaRegions for a
// replicated pool. A pool ID not of the form <region>_<id> or a token
// use other than "id" and "access" is an error, found without any
// network call, so a mistyped setting fails at start-up.
func CognitoConfig(userPoolID, tokenUse string, clientIDs ...string) (Config, error) {
	m := cognitoPoolID.FindStringSubmatch(userPoolID)
	if m == nil {
		return Config{}, fmt.Errorf("jwks: cognito user pool ID %q must look like <region>_<id>, as in eu-west-1_AbC123", userPoolID)
	}
	if tokenUse != "id" && tokenUse != "access" {
		return Config{}, errors.New(`jwks: cognito token use must be "id" or "access"`)
	}
	region := m[1]
	issuer := cognitoIssuer(region, userPoolID)
	return Config{
		Issuers: []string{
			issuer,
			"https://issuer-cognito-idp." + region + ".amazonaws.com/" + userPoolID,
		},
		JWKSURL:       issuer + "/.well-known/jwks.json",
		Audiences:     slices.Clone(clientIDs),
		TokenUse:      tokenUse,
		cognitoPoolID: userPoolID,
	}, nil
}

func cognitoIssuer(region, userPoolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + userPoolID
}

// algorithms known to this package, by JWS name.
var knownAlgorithms = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true,
	"PS256": true, "PS384": true, "PS512": true,
	"ES256": true, "ES384": true, "ES512": true,
}

// normalize checks cfg and returns a copy with defaults filled in, sharing
// no slice with the caller's value.
func (cfg Config) normalize() (Config, error) {
	c := cfg
	c.Issuers = slices.Clone(cfg.Issuers)
	c.Audiences = slices.Clone(cfg.Audiences)
	c.Keys = slices.Clone(cfg.Keys)
	c.Algorithms = slices.Clone(cfg.Algorithms)
	c.CognitoReplicaRegions = slices.Clone(cfg.CognitoReplicaRegions)
	if len(c.CognitoReplicaRegions) > 0 {
		if c.cognitoPoolID == "" {
			return Config{}, errors.New("jwks: Config.CognitoReplicaRegions needs a Config made by CognitoConfig")
		}
		for _, region := range c.CognitoReplicaRegions {
			if !cognitoRegion.MatchString(region) {
				return Config{}, fmt.Errorf("jwks: replica region %q must look like eu-west-1", region)
			}
			if iss := cognitoIssuer(region, c.cognitoPoolID); !slices.Contains(c.Issuers, iss) {
				c.Issuers = append(c.Issuers, iss)
			}
		}
	}

	if len(c.Issuers) == 0 || slices.Contains(c.Issuers, "") {
		return Config{}, errors.New("jwks: Config.Issuers must list at least one non-empty issuer")
	}
	if (c.JWKSURL == "") == (len(c.Keys) == 0) {
		return Config{}, errors.New("jwks: set exactly one of Config.JWKSURL and Config.Keys")
	}
	if c.JWKSURL != "" && !strings.HasPrefix(c.JWKSURL, "https://") && !strings.HasPrefix(c.JWKSURL, "http://") {
		return Config{}, errors.New("jwks: Config.JWKSURL must be an http(s) URL")
	}
	if !c.SkipAudienceCheck && (len(c.Audiences) == 0 || slices.Contains(c.Audiences, "")) {
		return Config{}, errors.New("jwks: Config.Audiences must list the accepted client IDs (or set SkipAudienceCheck)")
	}
	switch c.TokenUse {
	case "", "id", "access":
	default:
		return Config{}, fmt.Errorf("jwks: Config.TokenUse must be \"id\", \"access\" or empty")
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = []string{"RS256"}
	}
	for _, alg := range c.Algorithms {
		if !knownAlgorithms[alg] {
			return Config{}, fmt.Errorf("jwks: algorithm %q is not supported (symmetric and none never are)", alg)
		}
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.Leeway < 0 || c.FetchTimeout < 0 || c.MinRefreshInterval < 0 || c.MaxKeyAge < 0 {
		return Config{}, errors.New("jwks: durations in Config must not be negative")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	if c.FetchTimeout == 0 {
		c.FetchTimeout = defaultFetchTimeout
	}
	if c.MinRefreshInterval == 0 {
		c.MinRefreshInterval = defaultMinRefreshInterval
	}
	if c.MaxKeyAge == 0 {
		c.MaxKeyAge = defaultMaxKeyAge
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
