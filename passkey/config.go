package passkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/passkey/mail"
)

// Defaults for the optional Config fields.
const (
	// DefaultCeremonyTimeout is how long a begun ceremony can be finished,
	// and the timeout the browser is given.
	DefaultCeremonyTimeout = 5 * time.Minute

	// DefaultGrantTimeout is how long a grant (to register a passkey) can
	// be used.
	DefaultGrantTimeout = 5 * time.Minute

	// DefaultMaxAuthAge is how recent the sign-in behind an ID token must
	// be for the management routes that change passkeys.
	DefaultMaxAuthAge = 10 * time.Minute

	// DefaultProofTimeout is how long an emailed code and link work.
	DefaultProofTimeout = 10 * time.Minute

	// DefaultMaxCodeTries is how many codes may be tried for one mail;
	// the one after the last is refused even when it is right.
	DefaultMaxCodeTries = 5

	// DefaultCodeDigits is the length of the emailed codes.
	DefaultCodeDigits = 8

	// DefaultSendWindow is the window the send limits count in.
	DefaultSendWindow = time.Hour

	// DefaultMaxSendsPerAddress is how many proof mails one address gets
	// in a DefaultSendWindow.
	DefaultMaxSendsPerAddress = 5

	// DefaultMaxSendsPerClient is how many proof mails one client
	// (Config.ClientKey) may ask for in a DefaultSendWindow.
	DefaultMaxSendsPerClient = 20

	// maxTimeout caps the timeouts: state that outlives a coffee break is
	// state an attacker has time to find.
	maxTimeout = 15 * time.Minute

	// minCodeDigits keeps codes from being guessed within the tries.
	minCodeDigits = 6
)

// AccountStore is what the RelyingParty needs of the Cognito user store.
// *cognitobridge.Store implements it; tests may put something else in.
type AccountStore interface {
	// Normalize returns the one form of a username (an email address)
	// the store keeps, or an error wrapping cognitobridge.ErrInvalidUsername.
	Normalize(username string) (string, error)
	// Status reports whether the user exists, is disabled, and its sub.
	Status(ctx context.Context, username string) (*cognitobridge.User, error)
	// Login creates the user if needed (as opts says) and signs it in.
	Login(ctx context.Context, username string, opts cognitobridge.CreateOptions) (*cognitobridge.Session, error)
	// StartSession signs in a user that exists; it never creates one.
	StartSession(ctx context.Context, username string) (*cognitobridge.Session, error)
	// Refresh renews a session with its refresh token; a signed-out one
	// fails with cognitobridge.ErrNotAuthorized.
	Refresh(ctx context.Context, username, refreshToken string) (*cognitobridge.Session, error)
	// SignInWithPassword checks a password and signs in with one call.
	SignInWithPassword(ctx context.Context, username, password string) (*cognitobridge.Session, error)
	// SignOut revokes the access token's user's tokens (GlobalSignOut).
	SignOut(ctx context.Context, accessToken string) error
	// AdminSignOut revokes every token of username (AdminUserGlobalSignOut).
	AdminSignOut(ctx context.Context, username string) error
}

var _ AccountStore = (*cognitobridge.Store)(nil)

// Config configures a RelyingParty. RPID, RPDisplayName, RPOrigins, Store and
// Credentials are required, and Mailer with LinkURL for the email routes;
// the zero value of every other field is the safe choice.
type Config struct {
	// RPID is the WebAuthn relying party ID: the registrable domain the
	// passkeys are bound to, such as "example.com" ("localhost" for local
	// development). Passkeys cannot move to another RP ID, so choose it
	// once. Required; never derived from a request.
	RPID string

	// RPDisplayName is the name the browser shows when it asks for a
	// passkey, such as "Example Corp", and the name mails are signed with.
	// Required.
	RPDisplayName string

	// RPOrigins are the exact origins the pages that run the ceremonies are
	// served from, such as "https://example.com" or "https://app.example.com":
	// scheme, host and port, no path. Each host must be the RPID or a
	// subdomain of it, and the scheme https unless the host is localhost.
	// Required; never derived from a request.
	RPOrigins []string

	// Store creates and signs in Cognito users, reports their status, and
	// checks legacy passwords: a *cognitobridge.Store. Required.
	Store AccountStore

	// Credentials keeps the passkeys. Required: OpenBoltStore for one
	// machine, a *DynamoStore for many, or an implementation of one's own.
	Credentials CredentialStore

	// State keeps ceremonies, grants, email proofs and the counters that
	// limit them. Nil means NewMemoryState: one instance only. Several
	// instances share one (NewDynamoState), or a finish may land on an
	// instance that never saw its begin.
	State StateStore

	// Mailer sends the proof mails (a code and a magic link) and the
	// notices (a passkey added, an account recovered): mail.NewSMTP or
	// mail.NewSES. Nil means the email routes answer ErrUnavailable, and
	// new users cannot sign up.
	Mailer mail.Mailer

	// Templates renders the mails. Nil means mail.DefaultTemplates().
	Templates *mail.Templates

	// LinkURL is the page magic links open, such as
	// "https://example.com/signin": absolute, https (http only for
	// localhost), no fragment. The link is LinkURL#link=<secret>: the
	// secret is in the fragment, so it reaches no server log or Referer;
	// the page posts it to email/verify. Links are built from this, never
	// from a request's Host. Required with Mailer.
	LinkURL string

	// ProofKey keys the HMAC under which codes and link secrets are kept
	// (never the secrets themselves); at least 32 bytes. Nil means a key
	// made at random by New: then proofs begun on one instance cannot be
	// verified on another, and a restart voids the mails in flight.
	// Several instances must share a configured key.
	ProofKey []byte

	// ClientKey names the client a request comes from, for the per-client
	// budgets of the State and the mail limits. Nil means the host of
	// the request's RemoteAddr. Behind a trusted proxy, return the
	// address the proxy reports (never a header a client can set itself).
	// Methods called without a handler read the key from the context
	// (WithClient).
	ClientKey func(*http.Request) string

	// SkipLinkBrowserCheck lets a magic link work in any browser. By
	// default it works only in the browser that asked for it (a cookie
	// email/start sets), so a link forwarded, or read by a mail scanner,
	// signs nobody in elsewhere; the code still works anywhere.
	SkipLinkBrowserCheck bool

	// IDTokens checks the Cognito ID tokens a signed-in user presents to
	// the management routes (Authorization: Bearer). It must be
	// jwks.CognitoConfig(pool, "id", client) for the Store's pool. Nil
	// means those routes refuse every request. An ID token never adds a
	// passkey: that takes a grant.
	IDTokens *jwks.Validator

	// MaxAuthAge is how long after signing in (the ID token's auth_time,
	// which refreshes keep) a session may change its passkeys. Zero means
	// DefaultMaxAuthAge.
	MaxAuthAge time.Duration

	// CeremonyTimeout is how long a begun ceremony may take to finish.
	// Zero means DefaultCeremonyTimeout; at most 15 minutes.
	CeremonyTimeout time.Duration

	// GrantTimeout is how long a grant to register a passkey stays valid.
	// Zero means DefaultGrantTimeout; at most 15 minutes.
	GrantTimeout time.Duration

	// ProofTimeout is how long an emailed code and link work. Zero means
	// DefaultProofTimeout; at most 15 minutes.
	ProofTimeout time.Duration

	// MaxCodeTries is how many codes may be tried for one mail. Zero
	// means DefaultMaxCodeTries.
	MaxCodeTries int

	// CodeDigits is the length of the emailed codes, at least 6. Zero
	// means DefaultCodeDigits.
	CodeDigits int

	// MaxSendsPerAddress and MaxSendsPerClient limit the proof mails sent
	// to one address, and asked for by one client, within SendWindow.
	// Past them email/start answers ErrBusy. Zero means the defaults.
	MaxSendsPerAddress, MaxSendsPerClient int

	// SendWindow is the window the send limits count in. Zero means
	// DefaultSendWindow.
	SendWindow time.Duration

	// MaxPending bounds the entries one client may hold in the default
	// State (NewMemoryState); past it the client's oldest go. Zero means
	// the memory state's default. Ignored when State is set.
	MaxPending int

	// Now is the clock for ceremony, grant and proof expiry. Nil means
	// time.Now.
	Now func() time.Time

	// Logger receives one line for every failed request (the cause, never
	// a secret) and for every passkey registered. Usernames appear only as
	// cognitobridge.UserRef pseudonyms. Nil discards the logs.
	Logger *slog.Logger
}

// minProofKeySize is the shortest Config.ProofKey.
const minProofKeySize = 32

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
	if cfg.Mailer != nil && cfg.LinkURL == "" {
		errs = append(errs, errors.New("LinkURL is empty; mails need it for their links"))
	}
	if cfg.LinkURL != "" {
		if err := validateLinkURL(cfg.LinkURL); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.ProofKey != nil && len(cfg.ProofKey) < minProofKeySize {
		errs = append(errs, fmt.Errorf("ProofKey is shorter than %d bytes", minProofKeySize))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"CeremonyTimeout", cfg.CeremonyTimeout}, {"GrantTimeout", cfg.GrantTimeout}, {"ProofTimeout", cfg.ProofTimeout}} {
		if d.v < 0 || d.v > maxTimeout {
			errs = append(errs, fmt.Errorf("%s %v is outside 0–%v", d.name, d.v, maxTimeout))
		}
	}
	if cfg.MaxAuthAge < 0 {
		errs = append(errs, errors.New("MaxAuthAge is negative"))
	}
	if cfg.SendWindow < 0 {
		errs = append(errs, errors.New("SendWindow is negative"))
	}
	if cfg.CodeDigits != 0 && (cfg.CodeDigits < minCodeDigits || cfg.CodeDigits > 18) {
		errs = append(errs, fmt.Errorf("CodeDigits %d is outside %d–18", cfg.CodeDigits, minCodeDigits))
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"MaxPending", cfg.MaxPending}, {"MaxCodeTries", cfg.MaxCodeTries}, {"MaxSendsPerAddress", cfg.MaxSendsPerAddress}, {"MaxSendsPerClient", cfg.MaxSendsPerClient}} {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("%s %d is negative", n.name, n.v))
		}
	}
	return errors.Join(errs...)
}

// validateLinkURL accepts an absolute https URL (http for localhost)
// without a fragment, which the link's secret goes into.
func validateLinkURL(link string) error {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil {
		return fmt.Errorf("LinkURL %q is not an absolute URL", link)
	}
	if u.Fragment != "" || strings.Contains(link, "#") {
		return fmt.Errorf("LinkURL %q has a fragment; the link's secret goes there", link)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLocalhost(u.Hostname()):
	default:
		return fmt.Errorf("LinkURL %q must use https (http only for localhost)", link)
	}
	return nil
}

// isLocalhost reports whether host is the loopback name browsers treat as
// a secure context over http.
func isLocalhost(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
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
