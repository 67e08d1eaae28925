package passkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/jwks"
)

// RelyingParty is a self-hosted WebAuthn relying party that signs users in
// to Cognito. It is safe for concurrent use.
//
// Ceremonies and password grants live in this process's memory: behind a
// load balancer, route a browser's begin and finish to the same instance
// (sticky sessions), or run one instance. Credentials live in the
// CredentialStore and are shared.
type RelyingParty struct {
	wa         *webauthn.WebAuthn
	origins    []string
	store      *cognitobridge.Store
	creds      CredentialStore
	idTokens   *jwks.Validator
	maxAuthAge time.Duration
	now        func() time.Time
	ceremonies *pending[ceremony]
	grants     *pending[grant]
	log        *slog.Logger
}

// New checks cfg and returns a RelyingParty built on a copy of it.
func New(cfg Config) (*RelyingParty, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("passkey: invalid config: %w", err)
	}
	ceremonyTimeout := orDefault(cfg.CeremonyTimeout, DefaultCeremonyTimeout)
	grantTimeout := orDefault(cfg.GrantTimeout, DefaultGrantTimeout)
	maxPending := orDefault(cfg.MaxPending, DefaultMaxPending)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
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
		wa:         wa,
		origins:    origins,
		store:      cfg.Store,
		creds:      cfg.Credentials,
		idTokens:   cfg.IDTokens,
		maxAuthAge: orDefault(cfg.MaxAuthAge, DefaultMaxAuthAge),
		now:        now,
		ceremonies: newPending[ceremony](maxPending, ceremonyTimeout, now),
		grants:     newPending[grant](maxPending, grantTimeout, now),
		log:        log,
	}, nil
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

// cognitoError translates an error of the Cognito store into this
// package's sentinels, keeping the cause.
func cognitoError(err error) error {
	switch {
	case errors.Is(err, cognitobridge.ErrUserDisabled):
		return fmt.Errorf("%w: %w", ErrUserDisabled, err)
	case errors.Is(err, cognitobridge.ErrUnavailable):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// credentialStoreError makes sure a store's error says "passkey: …"; the
// store's own sentinels (and ErrUnavailable) stay in the chain.
func credentialStoreError(op string, err error) error {
	return fmt.Errorf("passkey: credential store: %s: %w", op, err)
}

// verificationError translates what go-webauthn (and the lookups it calls
// back) reported about a response.
func verificationError(err error) error {
	var unknown *protocol.ErrorUnknownCredential
	switch {
	case errors.Is(err, ErrUnknownCredential):
		return err
	case errors.As(err, &unknown), errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: %w", ErrUnknownCredential, err)
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
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
