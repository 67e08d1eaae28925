package passkey

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/jwks"
)

// Defaults for the optional Config fields.
const (
	// DefaultCeremonyTimeout is how long a begun ceremony can be finished,
	// and the timeout the browser is given.
	DefaultCeremonyTimeout = 5 * time.Minute

	// DefaultGrantTimeout is how long a password grant can be used to
	// register a passkey.
	DefaultGrantTimeout = 5 * time.Minute

	// DefaultMaxAuthAge is how recent the sign-in behind an ID token must
	// be for that token to add a passkey.
	DefaultMaxAuthAge = 10 * time.Minute

	// DefaultMaxPending bounds the ceremonies, and separately the grants,
	// held in memory at once.
	DefaultMaxPending = 10000

	// maxTimeout caps both timeouts: state that outlives a coffee break is
	// state an attacker has time to find.
	maxTimeout = 15 * time.Minute
)

// Config configures a RelyingParty. RPID, RPDisplayName, RPOrigins, Store and
// Credentials are required; the zero value of every other field is the safe
// choice.
type Config struct {
	// RPID is the WebAuthn relying party ID: the registrable domain the
	// passkeys are bound to, such as "example.com" ("localhost" for local
	// development). Passkeys cannot move to another RP ID, so choose it
	// once. Required; never derived from a request.
	RPID string

	// RPDisplayName is the name the browser shows when it asks for a
	// passkey, such as "Example Corp". Required.
	RPDisplayName string

	// RPOrigins are the exact origins the pages that run the ceremonies are
	// served from, such as "https://example.com" or "https://app.example.com":
	// scheme, host and port, no path. Each host must be the RPID or a
	// subdomain of it, and the scheme https unless the host is localhost.
	// Required; never derived from a request.
	RPOrigins []string

	// Store signs users in to Cognito once a ceremony succeeded, looks up
	// whether an account exists, and checks legacy passwords. Required.
	Store *cognitobridge.Store

	// Credentials keeps the passkeys. Required: a *FileStore for one
	// machine, a *DynamoStore for many, or an implementation of one's own.
	Credentials CredentialStore

	// IDTokens checks the Cognito ID tokens a signed-in user presents to
	// add another passkey (Authorization: Bearer). It must be
	// jwks.CognitoConfig(pool, "id", client) for the Store's pool. Nil
	// means adding passkeys with a session is refused, so a user with
	// passkeys cannot add more.
	IDTokens *jwks.Validator

	// MaxAuthAge is how long after signing in (the ID token's auth_time,
	// which refreshes keep) a session may add a passkey. A stolen or
	// forgotten session is worth less when it cannot plant a passkey of
	// its own an hour later. Zero means DefaultMaxAuthAge.
	MaxAuthAge time.Duration

	// CeremonyTimeout is how long a begun ceremony may take to finish.
	// Zero means DefaultCeremonyTimeout; at most 15 minutes.
	CeremonyTimeout time.Duration

	// GrantTimeout is how long a password grant stays valid. Zero means
	// DefaultGrantTimeout; at most 15 minutes.
	GrantTimeout time.Duration

	// MaxPending bounds the pending ceremonies, and separately the pending
	// grants; beyond it begin calls fail with ErrBusy. Zero means
	// DefaultMaxPending.
	MaxPending int

	// Now is the clock for ceremony and grant expiry. Nil means time.Now.
	Now func() time.Time

	// Logger receives one line for every failed request (the cause, never
	// a secret) and for every passkey registered. Usernames appear only as
	// cognitobridge.UserRef pseudonyms. Nil discards the logs.
	Logger *slog.Logger
}

// validate checks cfg and returns the errors, joined.
func (cfg *Config) validate() error {
	var errs []error
	if cfg.RPID == "" {
		errs = append(errs, errors.New("RPID is empty"))
	} else if err := validateRPID(cfg.RPID); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(cfg.RPDisplayName) == "" {
		errs = append(errs, errors.New("RPDisplayName is empty"))
	}
	if len(cfg.RPOrigins) == 0 {
		errs = append(errs, errors.New("RPOrigins is empty"))
	}
	for _, o := range cfg.RPOrigins {
		if err := validateOrigin(o, cfg.RPID); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.Store == nil {
		errs = append(errs, errors.New("Store is nil"))
	}
	if cfg.Credentials == nil {
		errs = append(errs, errors.New("Credentials is nil"))
	}
	if cfg.CeremonyTimeout < 0 || cfg.CeremonyTimeout > maxTimeout {
		errs = append(errs, fmt.Errorf("CeremonyTimeout %v is outside 0–%v", cfg.CeremonyTimeout, maxTimeout))
	}
	if cfg.GrantTimeout < 0 || cfg.GrantTimeout > maxTimeout {
		errs = append(errs, fmt.Errorf("GrantTimeout %v is outside 0–%v", cfg.GrantTimeout, maxTimeout))
	}
	if cfg.MaxAuthAge < 0 {
		errs = append(errs, errors.New("MaxAuthAge is negative"))
	}
	if cfg.MaxPending < 0 {
		errs = append(errs, fmt.Errorf("MaxPending %d is negative", cfg.MaxPending))
	}
	return errors.Join(errs...)
}

// validateRPID accepts a lower-case domain name: labels of letters, digits
// and hyphens. IP addresses are not valid RP IDs.
func validateRPID(id string) error {
	if id != strings.ToLower(id) || strings.HasPrefix(id, ".") || strings.HasSuffix(id, ".") || len(id) > 253 {
		return fmt.Errorf("RPID %q is not a lower-case domain name", id)
	}
	if net.ParseIP(id) != nil {
		return fmt.Errorf("RPID %q is an IP address; use a domain name (localhost for local development)", id)
	}
	for _, label := range strings.Split(id, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("RPID %q is not a lower-case domain name", id)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("RPID %q is not a lower-case domain name", id)
			}
		}
	}
	return nil
}

// validateOrigin accepts scheme://host[:port] whose host is rpID or a
// subdomain of it, over https (or http for localhost, which browsers treat
// as a secure context).
func validateOrigin(origin, rpID string) error {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("RPOrigins: %q is not an origin (scheme://host[:port])", origin)
	}
	if strings.HasSuffix(origin, "/") {
		return fmt.Errorf("RPOrigins: %q has a trailing slash; browsers send origins without one", origin)
	}
	host := u.Hostname()
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && host == "localhost":
	default:
		return fmt.Errorf("RPOrigins: %q must use https (http only for localhost)", origin)
	}
	if rpID != "" && host != rpID && !strings.HasSuffix(host, "."+rpID) {
		return fmt.Errorf("RPOrigins: host of %q is neither RPID %q nor a subdomain of it", origin, rpID)
	}
	return nil
}
