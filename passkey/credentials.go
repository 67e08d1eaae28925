package passkey

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// HandleSize is the length of the random user handles New users get, in
// bytes. WebAuthn allows at most 64.
const HandleSize = 32

// maxHandleSize is WebAuthn's limit on user handles.
const maxHandleSize = 64

// recordVersion is the version of the records below as the stores write
// them: 2. Version 1 was go-webauthn's Credential struct as JSON (see
// migrate.go, which reads it).
const recordVersion = 2

// Credential is one passkey as package passkey stores it: our own
// versioned record, not go-webauthn's struct, so that what is on disk
// changes only when this package says so.
type Credential struct {
	ID        []byte `json:"id"`
	PublicKey []byte `json:"publicKey"` // COSE_Key, as the authenticator sent it

	AttestationType string   `json:"attestationType,omitempty"`
	Transports      []string `json:"transports,omitempty"` // protocol.AuthenticatorTransport values
	AAGUID          []byte   `json:"aaguid,omitempty"`
	SignCount       uint32   `json:"signCount"`

	UserVerified   bool `json:"userVerified"`
	BackupEligible bool `json:"backupEligible"`
	BackupState    bool `json:"backupState"`

	// Name is the user's name for the passkey: "" until renamed (the UI
	// then shows the authenticator's name).
	Name string `json:"name,omitempty"`

	// Created is when the passkey was registered; zero in records written
	// before version 2, which did not say. LastUsed is the last login
	// with it (zero: none yet).
	Created  time.Time `json:"created,omitzero"`
	LastUsed time.Time `json:"lastUsed,omitzero"`

	// Revoked is zero while the passkey may sign in. It is set when its
	// Cognito user is gone, disabled or has another sub, or by an admin;
	// a revoked passkey never signs in again.
	Revoked time.Time `json:"revoked,omitzero"`
}

// User is a user's record in a CredentialStore: the username, the WebAuthn
// user handle the passkeys carry, the Cognito sub they are bound to, and
// the passkeys.
//
// The handle is random, made when the user registers a first passkey here,
// and never changes; it is what a discoverable login names the user by.
// It is not the email address, so authenticators and whoever reads them
// never learn it from the handle.
type User struct {
	// Username is the form cognitobridge.Store.Normalize returns.
	Username string `json:"username"`
	Handle   []byte `json:"handle"`
	// Sub is the Cognito sub the passkeys are bound to; "" in records
	// written before binding, which get it at their next login.
	Sub         string       `json:"sub,omitempty"`
	Credentials []Credential `json:"credentials"`
}

// CredentialStore keeps users' passkeys. Implementations must be safe for
// concurrent use, and the RelyingParty relies on the promises below to
// stay safe. BoltStore, FileStore and DynamoStore keep them; one table of
// tests in this package (store_test.go) checks every one.
type CredentialStore interface {
	// UserByName returns the user stored under username, with all of the
	// user's credentials, or an error wrapping ErrNotFound.
	UserByName(ctx context.Context, username string) (*User, error)

	// UserByHandle returns the user whose handle is handle, or an error
	// wrapping ErrNotFound.
	UserByHandle(ctx context.Context, handle []byte) (*User, error)

	// UserBySub returns the user most recently bound to the Cognito sub,
	// or an error wrapping ErrNotFound.
	UserBySub(ctx context.Context, sub string) (*User, error)

	// AddCredential stores cred for username. A username the store does
	// not know is created with handle. A known username must have exactly
	// this handle, or the call fails with ErrHandleConflict and stores
	// nothing: this is how two concurrent first registrations of one
	// username are told apart. A credential ID that is stored already, for
	// anyone, fails with ErrCredentialExists and is never overwritten.
	// The record's Sub becomes sub.
	AddCredential(ctx context.Context, username string, handle []byte, sub string, cred Credential) error

	// UpdateUser applies change to a copy of the stored user and stores
	// the result atomically: of two concurrent UpdateUsers of one user,
	// each sees the other's result or runs before it. If change returns an
	// error nothing is stored and that error is returned. change may edit
	// or remove credentials and set Sub; if it adds a credential ID or
	// changes Username or Handle, nothing is stored and the error wraps
	// ErrInvalidRequest. change may run more than once (a store that lost
	// a race runs it again on the newer record), so it must not have
	// other effects. An unknown user fails with ErrNotFound.
	UpdateUser(ctx context.Context, username string, change func(*User) error) error

	// DeleteUser removes the user and every credential and index entry,
	// or fails with ErrNotFound.
	DeleteUser(ctx context.Context, username string) error
}

// signCountAdvances reports whether a credential whose stored counter is
// stored may be updated to next: next is above it, or both are 0 (the
// value of authenticators without a counter). The RelyingParty checks it
// inside its UpdateUser change, so two racing logins cannot roll the
// counter back.
func signCountAdvances(stored, next uint32) bool {
	return next > stored || (next == 0 && stored == 0)
}

// newCredential makes the record of a credential go-webauthn has just
// verified at registration.
func newCredential(wc *webauthn.Credential, now time.Time) Credential {
	c := Credential{
		ID:              bytes.Clone(wc.ID),
		PublicKey:       bytes.Clone(wc.PublicKey),
		AttestationType: wc.AttestationType,
		AAGUID:          bytes.Clone(wc.Authenticator.AAGUID),
		SignCount:       wc.Authenticator.SignCount,
		UserVerified:    wc.Flags.UserVerified,
		BackupEligible:  wc.Flags.BackupEligible,
		BackupState:     wc.Flags.BackupState,
		Created:         now.UTC(),
	}
	for _, t := range wc.Transport {
		c.Transports = append(c.Transports, string(t))
	}
	return c
}

// webauthn returns c as go-webauthn's login ceremony reads it. Every
// passkey stored here was made with user presence.
func (c Credential) webauthn() webauthn.Credential {
	wc := webauthn.Credential{
		ID:              bytes.Clone(c.ID),
		PublicKey:       bytes.Clone(c.PublicKey),
		AttestationType: c.AttestationType,
		Flags: webauthn.CredentialFlags{
			UserPresent:    true,
			UserVerified:   c.UserVerified,
			BackupEligible: c.BackupEligible,
			BackupState:    c.BackupState,
		},
		Authenticator: webauthn.Authenticator{AAGUID: bytes.Clone(c.AAGUID), SignCount: c.SignCount},
	}
	for _, t := range c.Transports {
		wc.Transport = append(wc.Transport, protocol.AuthenticatorTransport(t))
	}
	return wc
}

// usable reports whether c may sign in.
func (c Credential) usable() bool { return c.Revoked.IsZero() }

// checkUserChange reports why next may not replace old as an UpdateUser
// result, or nil: the name and handle stay, credential IDs are only
// removed, never added or doubled.
func checkUserChange(old, next *User) error {
	if next.Username != old.Username || !bytes.Equal(next.Handle, old.Handle) {
		return fmt.Errorf("%w: an update may not change the username or handle", ErrInvalidRequest)
	}
	for i, c := range next.Credentials {
		if !hasCredential(old.Credentials, c.ID) {
			return fmt.Errorf("%w: an update may not add a credential", ErrInvalidRequest)
		}
		if hasCredential(next.Credentials[:i], c.ID) {
			return fmt.Errorf("%w: an update may not store a credential twice", ErrInvalidRequest)
		}
	}
	return nil
}

// applyChange runs change on a copy of u and checks the result.
func applyChange(u *User, change func(*User) error) (*User, error) {
	next := cloneUser(u)
	if err := change(next); err != nil {
		return nil, err
	}
	if err := checkUserChange(u, next); err != nil {
		return nil, err
	}
	return cloneUser(next), nil
}

// checkAdd reports a missing argument of AddCredential.
func checkAdd(store, username string, handle []byte, cred Credential) error {
	if username == "" || len(handle) == 0 || len(cred.ID) == 0 {
		return fmt.Errorf("%w: passkey: %s: username, handle and credential ID are required", ErrInvalidRequest, store)
	}
	return nil
}

// newHandle returns a fresh random user handle.
func newHandle() ([]byte, error) {
	h := make([]byte, HandleSize)
	if _, err := rand.Read(h); err != nil {
		return nil, err
	}
	return h, nil
}

// hasCredential reports whether creds holds a credential with this ID.
func hasCredential(creds []Credential, id []byte) bool {
	return slices.ContainsFunc(creds, func(c Credential) bool { return bytes.Equal(c.ID, id) })
}

// webauthnUser adapts a User to go-webauthn's User interface.
type webauthnUser struct{ u *User }

func (w webauthnUser) WebAuthnID() []byte          { return w.u.Handle }
func (w webauthnUser) WebAuthnName() string        { return w.u.Username }
func (w webauthnUser) WebAuthnDisplayName() string { return w.u.Username }
func (w webauthnUser) WebAuthnCredentials() []webauthn.Credential {
	creds := make([]webauthn.Credential, len(w.u.Credentials))
	for i, c := range w.u.Credentials {
		creds[i] = c.webauthn()
	}
	return creds
}

// cloneUser returns a deep copy of u, so stores hand out values callers
// cannot use to change what is stored.
func cloneUser(u *User) *User {
	c := &User{Username: u.Username, Handle: bytes.Clone(u.Handle), Sub: u.Sub}
	c.Credentials = make([]Credential, len(u.Credentials))
	for i, cred := range u.Credentials {
		c.Credentials[i] = cloneCredential(cred)
	}
	return c
}

// cloneCredential copies the slices a caller might change in place.
func cloneCredential(c Credential) Credential {
	c.ID = bytes.Clone(c.ID)
	c.PublicKey = bytes.Clone(c.PublicKey)
	c.Transports = slices.Clone(c.Transports)
	c.AAGUID = bytes.Clone(c.AAGUID)
	return c
}
