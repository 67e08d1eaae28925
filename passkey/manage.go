package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/passkey/mail"
)

// MaxPasskeyNameLength is the longest name RenamePasskey accepts, in
// characters.
const MaxPasskeyNameLength = 64

// ErrLastPasskey means DeletePasskey was asked to delete the last passkey
// of an account that has no other way in: no password (Cognito created
// it for the passkey provider) and an address Cognito does not hold as
// verified, so no emailed code could bring its owner back. HTTP 409.
var ErrLastPasskey = errors.New("passkey: last passkey of an account without another way in")

// Passkey is one of a user's passkeys as ListPasskeys describes it to the
// user. It holds nothing secret: no key, no counter.
type Passkey struct {
	// ID is the credential ID, base64url without padding: the browser's
	// credential.id, and what RenamePasskey and DeletePasskey take.
	ID string `json:"id"`

	// Name is the user's name for the passkey, "" until they give one;
	// a page shows Authenticator then.
	Name string `json:"name"`

	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"lastUsed,omitzero"` // zero: not used since it was made

	// Transports are the ways the browser said it can reach the
	// authenticator (protocol.AuthenticatorTransport values: "internal",
	// "hybrid", "usb" …).
	Transports []string `json:"transports"`

	// BackupEligible and BackupState are the authenticator's flags at the
	// last use: a passkey that may be synced (BE), and is (BS).
	BackupEligible bool `json:"backupEligible"`
	BackupState    bool `json:"backupState"`

	// Authenticator is the passkey provider's name ("Google Password
	// Manager", "1Password" …) when the AAGUID it reported is a
	// well-known one, else "". It is for display only: with "none"
	// attestation nobody vouches for an AAGUID.
	Authenticator string `json:"authenticator,omitempty"`
}

// manager is the signed-in user a management call acts for: the Cognito
// user the ID token names, as Cognito has it now.
type manager struct {
	username string // the credential store's key
	sub      string
	cognito  *cognitobridge.User
}

// ListPasskeys returns the usable passkeys of the user whose Cognito ID
// token idToken is, oldest first. The token must pass Config.IDTokens and
// name a Cognito user that still exists, is enabled and has the token's
// sub; passkeys revoked or bound to an earlier account of the same
// address are not listed.
func (rp *RelyingParty) ListPasskeys(ctx context.Context, idToken string) ([]Passkey, error) {
	const op = "list passkeys"
	m, err := rp.manager(ctx, idToken)
	if err != nil {
		return nil, rp.failed(ctx, op, "", err)
	}
	user, err := rp.creds.UserByName(ctx, m.username)
	switch {
	case errors.Is(err, ErrNotFound):
		return []Passkey{}, nil
	case err != nil:
		return nil, rp.failed(ctx, op, m.username, credentialStoreError("user by name", err))
	}
	out := []Passkey{}
	for _, c := range ownCredentials(user, m.sub) {
		out = append(out, describePasskey(c))
	}
	slices.SortStableFunc(out, func(a, b Passkey) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// RenamePasskey gives the passkey with credential ID id (base64url, as
// ListPasskeys returns it) of idToken's user a new name. Surrounding
// spaces are trimmed; "" clears the name. A name longer than
// MaxPasskeyNameLength characters, or holding control characters, is
// ErrInvalidRequest. A passkey that is not one of the user's usable ones
// is ErrUnknownCredential, and nothing changes.
func (rp *RelyingParty) RenamePasskey(ctx context.Context, idToken, id, name string) error {
	const op = "rename passkey"
	m, err := rp.manager(ctx, idToken)
	if err != nil {
		return rp.failed(ctx, op, "", err)
	}
	if err := rp.renamePasskey(ctx, m, id, name); err != nil {
		return rp.failed(ctx, op, m.username, err)
	}
	return nil
}

func (rp *RelyingParty) renamePasskey(ctx context.Context, m *manager, id, name string) error {
	credID, err := parseCredentialID(id)
	if err != nil {
		return err
	}
	name, err = cleanPasskeyName(name)
	if err != nil {
		return err
	}
	return rp.changeOwnCredential(ctx, m, credID, func(u *User, i int) error {
		u.Credentials[i].Name = name
		return nil
	})
}

// DeletePasskey deletes the passkey with credential ID id (base64url) of
// idToken's user. A passkey that is not one of the user's usable ones is
// ErrUnknownCredential, and nothing changes.
//
// The last usable passkey of an account may go only if the account keeps
// a way in: a password (the user was not created by the passkey
// provider) or an address Cognito holds as verified (email_verified, read
// from Cognito at the time of the call, not from the token), to which an
// emailed code or link signs the user in again. Otherwise the call fails
// with ErrLastPasskey: deleting it could lock the owner out for good, or
// let whoever took over the session do so. The rule reads Cognito's
// email_verified and nothing else: this relying party creates users only
// after an address proof, with email_verified=true, so it binds accounts
// made elsewhere (an import, an administrator) whose address nobody
// confirmed; the service confirms such an address in Cognito
// (AdminUpdateUserAttributes) when it has reason to. The address gets a
// notice mail.
//
// Like every management call, it takes an ID token, which Cognito cannot
// revoke: a signed-out session's ID token still manages passkeys until it
// expires (an hour by default). What it can do is bounded by the rule
// above, and each deletion is mailed to the address.
func (rp *RelyingParty) DeletePasskey(ctx context.Context, idToken, id string) error {
	const op = "delete passkey"
	m, err := rp.manager(ctx, idToken)
	if err != nil {
		return rp.failed(ctx, op, "", err)
	}
	name, err := rp.deletePasskey(ctx, m, id)
	if err != nil {
		return rp.failed(ctx, op, m.username, err)
	}
	rp.log.InfoContext(ctx, "passkey: passkey deleted", slog.String("user", cognitobridge.UserRef(m.username)))
	rp.notify(ctx, m.username, NoticeRemoved, name)
	return nil
}

func (rp *RelyingParty) deletePasskey(ctx context.Context, m *manager, id string) (name string, err error) {
	credID, err := parseCredentialID(id)
	if err != nil {
		return "", err
	}
	otherWayIn := !m.cognito.CreatedByProvider || m.cognito.EmailVerified
	err = rp.changeOwnCredential(ctx, m, credID, func(u *User, i int) error {
		// Counted inside the store's transaction, so that two deletes
		// racing for the last two passkeys cannot both succeed.
		if len(ownCredentials(u, m.sub)) == 1 && !otherWayIn {
			return ErrLastPasskey
		}
		name = displayName(u.Credentials[i])
		u.Credentials = slices.Delete(u.Credentials, i, i+1)
		return nil
	})
	return name, err
}

// changeOwnCredential applies change, in one store update, to the
// credential credID of m's user: the index it gets is that credential's in
// u.Credentials. A credential that is not one of m's usable ones (another
// user's, a revoked one, an unknown ID) fails with ErrUnknownCredential and
// changes nothing.
func (rp *RelyingParty) changeOwnCredential(ctx context.Context, m *manager, credID []byte, change func(u *User, i int) error) error {
	err := rp.creds.UpdateUser(ctx, m.username, func(u *User) error {
		if !ownsRecords(u, m.sub) {
			return ErrUnknownCredential
		}
		i := slices.IndexFunc(u.Credentials, func(c Credential) bool { return bytes.Equal(c.ID, credID) })
		if i < 0 || !u.Credentials[i].Revoked.IsZero() {
			return ErrUnknownCredential
		}
		return change(u, i)
	})
	switch {
	case err == nil, errors.Is(err, ErrUnknownCredential), errors.Is(err, ErrLastPasskey):
		return err
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: the user has no passkeys", ErrUnknownCredential)
	}
	return credentialStoreError("update user", err)
}

// manager checks a management call's ID token and returns the user it
// acts for. The token must be valid (signature, issuer, audience,
// expiry) and its Cognito user must exist now, be enabled and have the
// token's sub: a deleted or disabled user's tokens, and those of an
// earlier account under the same address, manage nothing.
func (rp *RelyingParty) manager(ctx context.Context, idToken string) (*manager, error) {
	if idToken == "" {
		return nil, fmt.Errorf("%w: no ID token", ErrNotAuthorized)
	}
	if rp.idTokens == nil {
		return nil, fmt.Errorf("%w: ID tokens are not accepted (Config.IDTokens is nil)", ErrNotAuthorized)
	}
	claims, err := rp.idTokens.Validate(ctx, idToken)
	switch {
	case errors.Is(err, jwks.ErrUnavailable):
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrNotAuthorized, err)
	}
	if claims.Subject == "" {
		return nil, fmt.Errorf("%w: the ID token has no sub", ErrNotAuthorized)
	}
	// The credential store keys users by address; on pools with email as
	// a username attribute cognito:username is a UUID.
	address := claims.Email
	if address == "" {
		address = claims.Username
	}
	username, err := rp.store.Normalize(address)
	if err != nil {
		return nil, fmt.Errorf("%w: the ID token names no valid address: %w", ErrNotAuthorized, err)
	}
	cu, err := rp.store.Status(ctx, username)
	if err != nil {
		return nil, cognitoError(err)
	}
	switch {
	case cu.Status == cognitobridge.StatusNotExists:
		return nil, fmt.Errorf("%w: the ID token's user is gone", ErrNotAuthorized)
	case cu.Status == cognitobridge.StatusDisabled:
		return nil, ErrUserDisabled
	case cu.Sub != claims.Subject:
		return nil, fmt.Errorf("%w: the ID token is an earlier account's (sub changed)", ErrNotAuthorized)
	}
	return &manager{username: username, sub: claims.Subject, cognito: cu}, nil
}

// ownsRecords reports whether u's passkeys belong to the Cognito user with
// this sub. Records made before passkeys were bound (Sub "") are taken to
// be the current account's: a login binds them.
func ownsRecords(u *User, sub string) bool {
	return u.Sub == "" || u.Sub == sub
}

// ownCredentials returns u's usable (not revoked) credentials, or none
// when they belong to another sub.
func ownCredentials(u *User, sub string) []Credential {
	if !ownsRecords(u, sub) {
		return nil
	}
	return usableCredentials(u)
}

func describePasskey(c Credential) Passkey {
	transports := slices.Clone(c.Transports)
	if transports == nil {
		transports = []string{}
	}
	return Passkey{
		ID:             base64.RawURLEncoding.EncodeToString(c.ID),
		Name:           c.Name,
		Created:        c.Created,
		LastUsed:       c.LastUsed,
		Transports:     transports,
		BackupEligible: c.BackupEligible,
		BackupState:    c.BackupState,
		Authenticator:  authenticatorName(c.AAGUID),
	}
}

// displayName is what a notice calls a passkey: the user's name for it,
// else its provider's.
func displayName(c Credential) string {
	if c.Name != "" {
		return c.Name
	}
	return authenticatorName(c.AAGUID)
}

// parseCredentialID decodes a base64url credential ID (padding tolerated).
func parseCredentialID(id string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if err != nil || len(b) == 0 || len(b) > maxCredentialIDLength {
		return nil, fmt.Errorf("%w: passkey id is not a base64url credential ID", ErrInvalidRequest)
	}
	return b, nil
}

// maxCredentialIDLength is WebAuthn's limit on credential IDs.
const maxCredentialIDLength = 1023

// cleanPasskeyName trims name and checks it is short and printable.
func cleanPasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxPasskeyNameLength {
		return "", fmt.Errorf("%w: passkey name longer than %d characters or not UTF-8", ErrInvalidRequest, MaxPasskeyNameLength)
	}
	if strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) {
		return "", fmt.Errorf("%w: passkey name holds control characters", ErrInvalidRequest)
	}
	return name, nil
}

// The events of the notice mails the RelyingParty sends to an account's
// address.
const (
	NoticeAdded    = mail.EventAdded    // a passkey was registered
	NoticeRemoved  = mail.EventRemoved  // DeletePasskey deleted one
	NoticeRecovery = mail.EventRecovery // an address proof signed in an account that has passkeys
)

// notify mails username's address that a passkey named passkeyName ("":
// unnamed) was added or removed, or that the account was recovered. A
// notice that cannot be sent is logged and does not undo what it tells of:
// the change is made, and refusing it now would help no one.
func (rp *RelyingParty) notify(ctx context.Context, username string, event mail.Event, passkeyName string) {
	if rp.mailer == nil {
		return
	}
	m, err := rp.templates.Notice(username, mail.NoticeData{
		RPName:      rp.rpName,
		Event:       event,
		PasskeyName: passkeyName,
		When:        rp.now(),
	})
	if err == nil {
		err = rp.mailer.Send(ctx, m)
	}
	if err != nil {
		rp.log.ErrorContext(ctx, "passkey: notice mail failed",
			slog.String("user", cognitobridge.UserRef(username)),
			slog.String("event", string(event)),
			slog.String("error", err.Error()))
	}
}
