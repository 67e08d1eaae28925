package corbado

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/passkeybridge/bridge/jwks"
)

// The cookies Corbado's front-end components store the session token in:
// cbo_session_token since the v2 components, cbo_short_session before.
const (
	SessionCookie       = "cbo_session_token"
	LegacySessionCookie = "cbo_short_session"
)

// SessionConfig configures a SessionValidator for Corbado's v2 session
// tokens: RS256 JWTs signed by the project's Frontend API.
type SessionConfig struct {
	// ProjectID is the Corbado project ("pro-…"). Required.
	ProjectID string
	// FrontendAPI is the project's Frontend API: the keys are fetched from
	// FrontendAPI + "/.well-known/jwks", and FrontendAPI itself is an
	// accepted issuer, which covers a custom domain (CNAME). Default
	// "https://<ProjectID>.frontendapi.cloud.corbado.io". Plain http is
	// accepted only for loopback hosts (tests).
	FrontendAPI string
	// Issuers lists further accepted iss values, matched exactly. Both of
	// Corbado's own forms, https://<ProjectID>.frontendapi.cloud.corbado.io
	// and the older https://<ProjectID>.frontendapi.corbado.io, are always
	// accepted, as Corbado's SDKs do.
	Issuers []string
	// Keys, when set, is a JWKS document used instead of fetching the keys
	// (offline use, tests).
	Keys []byte
	// HTTPClient fetches the keys. Default http.DefaultClient. Requests
	// carry X-Corbado-ProjectID, as Corbado's SDKs send it.
	HTTPClient *http.Client
	// Leeway is the clock skew allowed on exp and nbf. Default 0.
	Leeway time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// SessionValidator checks Corbado v2 session tokens. It is safe for
// concurrent use, also across Lambda invocations: the keys are fetched once
// and cached (see package jwks for the refresh rules).
type SessionValidator struct {
	tokens *jwks.Validator
}

// SessionUser is the user a valid session token stands for.
type SessionUser struct {
	// UserID is Corbado's user ID (sub, "usr-…").
	UserID string
	// Name is the user's full name (name), may be "".
	Name string
	// Email is the email claim: the address Corbado verified for the
	// user. "" when the token has none; then the token signs nobody in.
	Email string
	// LoginIdentifier is orig: the identifier the user typed. It is never
	// used as the address: Corbado does not say it verified it, so a token
	// whose orig names someone else's address must not sign in as them.
	LoginIdentifier string
	// PhoneNumber is phone_number, may be "".
	PhoneNumber string
	// Issuer is the token's iss.
	Issuer string
	// ExpiresAt is the token's exp.
	ExpiresAt time.Time
}

// NewSessionValidator checks cfg and returns a validator built on a copy.
// Remote keys are fetched on first use, or by Warm.
func NewSessionValidator(cfg SessionConfig) (*SessionValidator, error) {
	if !validProjectID(cfg.ProjectID) {
		return nil, errors.New("corbado: invalid session config: ProjectID must look like pro-<digits>")
	}
	frontend := cfg.FrontendAPI
	if frontend == "" {
		frontend = "https://" + cfg.ProjectID + ".frontendapi.cloud.corbado.io"
	}
	frontend = strings.TrimRight(frontend, "/")
	if err := checkFrontendAPI(frontend); err != nil {
		return nil, err
	}
	issuers := []string{
		"https://" + cfg.ProjectID + ".frontendapi.cloud.corbado.io",
		"https://" + cfg.ProjectID + ".frontendapi.corbado.io",
	}
	for _, iss := range append([]string{frontend}, cfg.Issuers...) {
		if iss == "" {
			return nil, errors.New("corbado: invalid session config: Issuers holds an empty issuer")
		}
		if !slices.Contains(issuers, iss) {
			issuers = append(issuers, iss)
		}
	}

	jc := jwks.Config{
		Issuers: issuers,
		// Corbado mints session tokens for its one project: the issuer is
		// per project, and the tokens carry no aud to check.
		SkipAudienceCheck: true,
		Algorithms:        []string{"RS256"},
		Leeway:            cfg.Leeway,
		Now:               cfg.Now,
	}
	if len(cfg.Keys) > 0 {
		jc.Keys = cfg.Keys
	} else {
		jc.JWKSURL = frontend + "/.well-known/jwks"
		jc.HTTPClient = withProjectHeader(cfg.HTTPClient, cfg.ProjectID)
	}
	v, err := jwks.New(jc)
	if err != nil {
		return nil, fmt.Errorf("corbado: invalid session config: %w", err)
	}
	return &SessionValidator{tokens: v}, nil
}

// checkFrontendAPI insists on https, except for loopback hosts.
func checkFrontendAPI(frontend string) error {
	u, err := url.Parse(frontend)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("corbado: invalid session config: FrontendAPI must be an absolute URL without credentials, query or fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return errors.New("corbado: invalid session config: FrontendAPI must use https (http only on loopback)")
}

// Warm fetches the keys now, so the first Validate does not wait for them
// and a wrong FrontendAPI shows at start-up.
func (v *SessionValidator) Warm(ctx context.Context) error {
	if err := v.tokens.Warm(ctx); err != nil {
		return &tokenError{kind: ErrUnavailable, cause: err}
	}
	return nil
}

// Validate checks token (signature, algorithm RS256, issuer, exp and nbf)
// and returns its user. Rejections wrap ErrInvalidToken and the jwks
// error that names the check (expiry also jwks.ErrExpired); keys that
// cannot be loaded give ErrUnavailable. No error text quotes the token.
func (v *SessionValidator) Validate(ctx context.Context, token string) (*SessionUser, error) {
	claims, err := v.tokens.Validate(ctx, token)
	if err != nil {
		switch {
		case errors.Is(err, jwks.ErrInvalidToken):
			return nil, &tokenError{kind: ErrInvalidToken, cause: err}
		case errors.Is(err, context.Canceled):
			return nil, fmt.Errorf("corbado: validate session token: %w", err)
		default:
			return nil, &tokenError{kind: ErrUnavailable, cause: err}
		}
	}
	if claims.Subject == "" {
		return nil, &tokenError{kind: ErrInvalidToken, cause: errors.New("corbado: session token has no sub")}
	}
	var extra struct {
		Orig        string `json:"orig"`
		PhoneNumber string `json:"phone_number"`
	}
	// The payload decoded once already; a type mismatch here is a token
	// Corbado did not mint.
	if err := claims.Decode(&extra); err != nil {
		return nil, &tokenError{kind: ErrInvalidToken, cause: errors.New("corbado: session token claims malformed")}
	}
	u := &SessionUser{
		UserID:          claims.Subject,
		Name:            claims.Name,
		Email:           claims.Email,
		LoginIdentifier: extra.Orig,
		PhoneNumber:     extra.PhoneNumber,
		Issuer:          claims.Issuer,
		ExpiresAt:       claims.ExpiresAt,
	}
	return u, nil
}

// FromRequest validates the session token r carries (see SessionToken);
// ErrNoToken when it carries none.
func (v *SessionValidator) FromRequest(r *http.Request) (*SessionUser, error) {
	token, ok := SessionToken(r)
	if !ok {
		return nil, ErrNoToken
	}
	return v.Validate(r.Context(), token)
}

// SessionToken returns the session token of r: the bearer token of the
// Authorization header if there is one, else the cbo_session_token cookie,
// else the older cbo_short_session cookie. An explicit header wins over
// cookies, which the browser adds on its own.
func SessionToken(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		const scheme = "bearer "
		if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
			if t := strings.TrimSpace(h[len(scheme):]); t != "" {
				return t, true
			}
		}
	}
	for _, name := range []string{SessionCookie, LegacySessionCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value, true
		}
	}
	return "", false
}

// withProjectHeader returns a copy of c (or of http.DefaultClient) whose
// requests carry X-Corbado-ProjectID.
func withProjectHeader(c *http.Client, projectID string) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	cp := *c
	base := cp.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = projectHeader{base: base, projectID: projectID}
	return &cp
}

type projectHeader struct {
	base      http.RoundTripper
	projectID string
}

func (p projectHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Corbado-ProjectID", p.projectID)
	return p.base.RoundTrip(r)
}
