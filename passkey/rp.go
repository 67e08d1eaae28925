package passkey

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/passkey/mail"
)

// RelyingParty is a self-hosted WebAuthn relying party that signs users in
// to Cognito. It is safe for concurrent use.
//
// Its short-lived state (ceremonies, grants, email proofs, counters) lives
// in Config.State, its passkeys in Config.Credentials: instances that
// share both (and Config.ProofKey) serve any request of any browser.
type RelyingParty struct {
	wa           *webauthn.WebAuthn
	origins      []string
	store        AccountStore
	creds        CredentialStore
	state        StateStore
	mailer       mail.Mailer
	templates    *mail.Templates
	rpName       string
	linkURL      string
	proofKey     []byte
	clientKey    func(*http.Request) string
	anyBrowser   bool
	idTokens     *jwks.Validator
	maxAuthAge   time.Duration
	now          func() time.Time
	log          *slog.Logger
	secureCookie bool

	ceremonyTimeout, grantTimeout, proofTimeout, sendWindow time.Duration
	maxCodeTries, codeDigits, maxSendsAddr, maxSendsClient  int
}

// New checks cfg and returns a RelyingParty built on a copy of it.
func New(cfg Config) (*RelyingParty, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("passkey: invalid config: %w", err)
	}
	ceremonyTimeout := orDefault(cfg.CeremonyTimeout, DefaultCeremonyTimeout)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	state := cfg.State
	if state == nil {
		state = NewMemoryState(MemoryStateConfig{MaxPerClient: cfg.MaxPending, Now: now})
	}
	templates := cfg.Templates
	if templates == nil {
		templates = mail.DefaultTemplates()
	}
	proofKey := bytes.Clone(cfg.ProofKey)
	if proofKey == nil {
		// Per process: see Config.ProofKey for what that costs.
		proofKey = make([]byte, minProofKeySize)
		if _, err := rand.Read(proofKey); err != nil {
			return nil, fmt.Errorf("passkey: proof key: %w", err)
		}
	}
	clientKey := cfg.ClientKey
	if clientKey == nil {
		clientKey = remoteHost
	}
	secureCookie := true
	if u, err := url.Parse(cfg.LinkURL); err == nil && cfg.LinkURL != "" && isLocalhost(u.Hostname()) {
		secureCookie = false
	}

	origins := slices.Clone(cfg.RPOrigins)
	timeout := webauthn.TimeoutConfig{Timeout: ceremonyTimeout, TimeoutUVD: ceremonyTimeout}
	// go-webauthn validates (and fills in) the Config it is given and keeps
	// the pointer: it gets a Config of its own, never the caller's.
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          cfg.RPID,
		RPDisplayName: cfg.RPDisplayName,
		RPOrigins:     slices.Clone(origins),
		// Passkeys: discoverable credentials, and the user verified (PIN,
		// biometrics) every time, since the passkey is the only factor.
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationRequired,
		},
		// No attestation: this relying party trusts no particular
		// authenticator model, and "none" asks the user no extra question.
		AttestationPreference: protocol.PreferNoAttestation,
		// Expiry is enforced here, with Config.Now, not by go-webauthn
		// (which reads time.Now); these values only tell the browser.
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: invalid config: %w", err)
	}
	return &RelyingParty{
		wa:              wa,
		origins:         origins,
		store:           cfg.Store,
		creds:           cfg.Credentials,
		state:           state,
		mailer:          cfg.Mailer,
		templates:       templates,
		rpName:          cfg.RPDisplayName,
		linkURL:         cfg.LinkURL,
		proofKey:        proofKey,
		clientKey:       clientKey,
		anyBrowser:      cfg.SkipLinkBrowserCheck,
		idTokens:        cfg.IDTokens,
		maxAuthAge:      orDefault(cfg.MaxAuthAge, DefaultMaxAuthAge),
		now:             now,
		log:             log,
		secureCookie:    secureCookie,
		ceremonyTimeout: ceremonyTimeout,
		grantTimeout:    orDefault(cfg.GrantTimeout, DefaultGrantTimeout),
		proofTimeout:    orDefault(cfg.ProofTimeout, DefaultProofTimeout),
		sendWindow:      orDefault(cfg.SendWindow, DefaultSendWindow),
		maxCodeTries:    orDefault(cfg.MaxCodeTries, DefaultMaxCodeTries),
		codeDigits:      orDefault(cfg.CodeDigits, DefaultCodeDigits),
		maxSendsAddr:    orDefault(cfg.MaxSendsPerAddress, DefaultMaxSendsPerAddress),
		maxSendsClient:  orDefault(cfg.MaxSendsPerClient, DefaultMaxSendsPerClient),
	}, nil
}

// remoteHost is the default Config.ClientKey: the host of the peer's
// address.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// normalize returns the Store's form of username, or ErrInvalidRequest.
func (rp *RelyingParty) normalize(username string) (string, error) {
	if strings.TrimSpace(username) == "" {
		return "", fmt.Errorf("%w: username missing", ErrInvalidRequest)
	}
	u, err := rp.store.Normalize(username)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return u, nil
}

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// CreationOptions is what BeginRegistration returns: the ceremony's ID,
// which the browser sends back with the new credential, and the options for
// navigator.credentials.create in their JSON form
// (PublicKeyCredential.parseCreationOptionsFromJSON takes PublicKey as is).
type CreationOptions struct {
	Ceremony  string                                      `json:"ceremony"`
	PublicKey protocol.PublicKeyCredentialCreationOptions `json:"publicKey"`
}

// RequestOptions is what BeginLogin and BeginDiscoverableLogin return: the
// ceremony's ID and the options for navigator.credentials.get in their JSON
// form (for PublicKeyCredential.parseRequestOptionsFromJSON).
type RequestOptions struct {
	Ceremony  string                                     `json:"ceremony"`
	PublicKey protocol.PublicKeyCredentialRequestOptions `json:"publicKey"`
}

// cognitoError translates an error of the Cognito store into exactly one
// of this package's sentinels, keeping the cause.
func cognitoError(err error) error {
	var sentinel error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cognitobridge.ErrUserDisabled):
		sentinel = ErrUserDisabled
	case errors.Is(err, cognitobridge.ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		sentinel = ErrUnavailable
	case errors.Is(err, cognitobridge.ErrWrongPassword):
		sentinel = ErrWrongPassword
	case errors.Is(err, cognitobridge.ErrInvalidUsername):
		sentinel = ErrInvalidRequest
	case errors.Is(err, cognitobridge.ErrUserNotFound), errors.Is(err, cognitobridge.ErrNotAuthorized):
		// A user gone between two calls, or a custom challenge Cognito
		// refused (with PreventUserExistenceErrors, also a missing user).
		sentinel = ErrNotAuthorized
	default:
		// ErrMisconfigured, and what cognitobridge has no name for.
		sentinel = ErrInternal
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// credentialStoreError makes sure a store's error says "passkey: …"; the
// store's own sentinels (and ErrUnavailable) stay in the chain.
func credentialStoreError(op string, err error) error {
	if wrapsPublic(err) {
		return fmt.Errorf("passkey: credential store: %s: %w", op, err)
	}
	return fmt.Errorf("%w: passkey: credential store: %s: %w", ErrUnavailable, op, err)
}

// verificationError translates what go-webauthn (and the lookups it calls
// back) reported about a response.
func verificationError(err error) error {
	var unknown *protocol.ErrorUnknownCredential
	switch {
	case wrapsPublic(err):
		// A lookup's own verdict (ErrUnknownCredential, ErrRevoked,
		// ErrUnavailable), passed through go-webauthn.
		return err
	case errors.As(err, &unknown), errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: %w", ErrUnknownCredential, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", ErrVerification, err)
}

// logAttrs returns the attributes that describe a failure of op for a log
// line: the user's pseudonym and, for go-webauthn's errors, their type and
// developer detail (origins, flags; never a key or a secret).
func logAttrs(op, username string, err error) []any {
	attrs := []any{slog.String("op", op)}
	if username != "" {
		attrs = append(attrs, slog.String("user", cognitobridge.UserRef(username)))
	}
	attrs = append(attrs, slog.String("error", err.Error()))
	var pe *protocol.Error
	if errors.As(err, &pe) {
		attrs = append(attrs, slog.String("webauthn_type", pe.Type))
		// The detail names origins, flags and hashes; that of a challenge
		// mismatch quotes the challenges, and is left out.
		if pe.DevInfo != "" && !strings.Contains(strings.ToLower(pe.Details), "challenge") {
			attrs = append(attrs, slog.String("webauthn_detail", pe.DevInfo))
		}
	}
	return attrs
}

// failed makes err wrap exactly one public sentinel, logs it, and returns
// it: the last step of every RelyingParty method that fails.
func (rp *RelyingParty) failed(ctx context.Context, op, username string, err error) error {
	err = asPublic(err)
	rp.logFailure(ctx, op, username, err)
	return err
}

// logFailure logs a failed operation at a level that fits its cause:
// Error for what an operator must look at, Warn for a possibly cloned
// authenticator, Info for the user's or the client's own failures.
func (rp *RelyingParty) logFailure(ctx context.Context, op, username string, err error) {
	level := slog.LevelInfo
	switch pe := publicErrorFor(err); {
	case errors.Is(err, ErrSignCount):
		level = slog.LevelWarn
	case pe.status >= 500 && !errors.Is(err, context.Canceled):
		level = slog.LevelError
	}
	rp.log.Log(ctx, level, "passkey: "+op+" failed", logAttrs(op, username, err)...)
}
