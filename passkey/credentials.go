package passkey

import (
	"bytes"
	"context"
	"crypto/rand"
	"slices"
	"strings"

	"github.com/go-webauthn/webauthn/webauthn"
)

// HandleSize is the length of the random user handles New users get, in
// bytes. WebAuthn allows at most 64.
const HandleSize = 32

// maxHandleSize is WebAuthn's limit on user handles.
const maxHandleSize = 64

// User is a user's record in a CredentialStore: the username (the Cognito
// username, an email address), the WebAuthn user handle the passkeys carry,
// and the passkeys.
//
// The handle is random, made when the user registers a first passkey here,
// and never changes; it is what a discoverable login names the user by.
// It is not the email address, so authenticators and whoever reads them
// never learn it from the handle.
type User struct {
	Username    string
	Handle      []byte
	Credentials []webauthn.Credential
}

// CredentialStore keeps users' passkeys. Implementations must be safe for
// concurrent use, and the RelyingParty relies on the promises below to
// stay safe. FileStore and DynamoStore keep them; one table of tests in
// this package (store_test.go) checks both.
type CredentialStore interface {
	// UserByName returns the user stored under username, with all of the
	// user's credentials, or an error wrapping ErrNotFound.
	UserByName(ctx context.Context, username string) (*User, error)

	// UserByHandle returns the user whose handle is handle, or an error
	// wrapping ErrNotFound.
	UserByHandle(ctx context.Context, handle []byte) (*User, error)

	// AddCredential stores cred for username. A username the store does
	// not know is created with handle. A known username must have exactly
	// this handle, or the call fails with ErrHandleConflict and stores
	// nothing: this is how two concurrent first registrations of one
	// username are told apart. A credential ID that is stored already, for
	// anyone, fails with ErrCredentialExists and is never overwritten.
	AddCredential(ctx context.Context, username string, handle []byte, cred webauthn.Credential) error

	// UpdateCredential replaces the stored credential with cred's ID after
	// a login (sign counter, flags). It never lowers the signature counter:
	// when cred's counter is not above the stored one (unless both are 0,
	// the value of authenticators without a counter) it fails with
	// ErrSignCount and changes nothing, so that two racing logins cannot
	// roll the counter back. An unknown credential fails with ErrNotFound.
	UpdateCredential(ctx context.Context, username string, cred webauthn.Credential) error
}

// signCountAdvances reports whether a credential whose stored counter is
// stored may be updated to next: the rule of UpdateCredential.
func signCountAdvances(stored, next uint32) bool {
	return next > stored || (next == 0 && stored == 0)
}

// newHandle returns a fresh random user handle.
func newHandle() ([]byte, error) {
	h := make([]byte, HandleSize)
	if _, err := rand.Read(h); err != nil {
		return nil, err
	}
	return h, nil
}

// maxUsernameLength is the longest email address SMTP allows.
const maxUsernameLength = 254

// normalizeUsername trims and lower-cases an email-address username and
// reports whether it is plausible: one @ with something on each side, no
// spaces or control characters. Lower-casing keeps one account per address
// (Cognito pools should be case-insensitive, the default for new pools).
func normalizeUsername(s string) (string, bool) {
	u := strings.ToLower(strings.TrimSpace(s))
	if u == "" || len(u) > maxUsernameLength {
		return "", false
	}
	at := strings.IndexByte(u, '@')
	if at <= 0 || at == len(u)-1 || strings.Count(u, "@") != 1 {
		return "", false
	}
	for _, c := range u {
		if c <= ' ' || c == 0x7f {
			return "", false
		}
	}
	return u, true
}

// hasCredential reports whether creds holds a credential with this ID.
func hasCredential(creds []webauthn.Credential, id []byte) bool {
	return slices.ContainsFunc(creds, func(c webauthn.Credential) bool { return bytes.Equal(c.ID, id) })
}

// webauthnUser adapts a User to go-webauthn's User interface.
type webauthnUser struct{ u *User }

func (w webauthnUser) WebAuthnID() []byte                         { return w.u.Handle }
func (w webauthnUser) WebAuthnName() string                       { return w.u.Username }
func (w webauthnUser) WebAuthnDisplayName() string                { return w.u.Username }
func (w webauthnUser) WebAuthnCredentials() []webauthn.Credential { return w.u.Credentials }

// cloneUser returns a deep copy of u, so stores hand out values callers
// cannot use to change what is stored.
func cloneUser(u *User) *User {
	c := &User{Username: u.Username, Handle: bytes.Clone(u.Handle)}
	c.Credentials = make([]webauthn.Credential, len(u.Credentials))
	for i, cred := range u.Credentials {
		c.Credentials[i] = cloneCredential(cred)
	}
	return c
}

// cloneCredential copies the byte slices a caller might change in place.
func cloneCredential(c webauthn.Credential) webauthn.Credential {
	c.ID = bytes.Clone(c.ID)
	c.PublicKey = bytes.Clone(c.PublicKey)
	c.Transport = slices.Clone(c.Transport)
	c.Authenticator.AAGUID = bytes.Clone(c.Authenticator.AAGUID)
	c.Attestation.ClientDataJSON = bytes.Clone(c.Attestation.ClientDataJSON)
	c.Attestation.ClientDataHash = bytes.Clone(c.Attestation.ClientDataHash)
	c.Attestation.AuthenticatorData = bytes.Clone(c.Attestation.AuthenticatorData)
	c.Attestation.Object = bytes.Clone(c.Attestation.Object)
	c.Extensions.RK = clonePtr(c.Extensions.RK)
	c.Extensions.MinPinLength = clonePtr(c.Extensions.MinPinLength)
	c.Extensions.PRFEnabled = clonePtr(c.Extensions.PRFEnabled)
	c.Extensions.LargeBlobSupported = clonePtr(c.Extensions.LargeBlobSupported)
	c.Extensions.HMACSecret = clonePtr(c.Extensions.HMACSecret)
	c.Extensions.CredBlobSet = clonePtr(c.Extensions.CredBlobSet)
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
