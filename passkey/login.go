package passkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// BeginLogin starts a login for username and returns the options for
// navigator.credentials.get, listing the user's passkeys. A user without
// usable passkeys here gets ErrNoPasskeys.
//
// This tells whoever asks whether an address has a passkey. Use
// BeginDiscoverableLogin where that matters: it names no one.
func (rp *RelyingParty) BeginLogin(ctx context.Context, username string) (*RequestOptions, error) {
	const op = "begin login"
	u, err := rp.normalize(username)
	if err != nil {
		return nil, rp.failed(ctx, op, "", err)
	}
	user, err := rp.creds.UserByName(ctx, u)
	switch {
	case errors.Is(err, ErrNotFound):
		err = ErrNoPasskeys
	case err != nil:
		err = credentialStoreError("user by name", err)
	case len(usableCredentials(user)) == 0:
		err = ErrNoPasskeys
	}
	if err != nil {
		return nil, rp.failed(ctx, op, u, err)
	}
	view := &User{Username: user.Username, Handle: user.Handle, Sub: user.Sub, Credentials: usableCredentials(user)}
	assertion, session, err := rp.wa.BeginLogin(webauthnUser{view}, webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, rp.failed(ctx, op, u, fmt.Errorf("passkey: begin login: %w", err))
	}
	return rp.putLogin(ctx, op, ceremony{Kind: kindLogin, Session: *session, Username: u}, assertion)
}

// BeginDiscoverableLogin starts a login in which the passkey names the
// user ("sign in with a passkey" without typing an address) and returns the
// options for navigator.credentials.get.
func (rp *RelyingParty) BeginDiscoverableLogin(ctx context.Context) (*RequestOptions, error) {
	const op = "begin discoverable login"
	assertion, session, err := rp.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, rp.failed(ctx, op, "", fmt.Errorf("passkey: begin discoverable login: %w", err))
	}
	return rp.putLogin(ctx, op, ceremony{Kind: kindDiscoverable, Session: *session}, assertion)
}

func (rp *RelyingParty) putLogin(ctx context.Context, op string, c ceremony, assertion *protocol.CredentialAssertion) (*RequestOptions, error) {
	id, err := rp.putCeremony(ctx, c)
	if err != nil {
		return nil, rp.failed(ctx, op, c.Username, err)
	}
	return &RequestOptions{Ceremony: id, PublicKey: assertion.Response}, nil
}

// FinishLogin verifies the assertion (the JSON of the browser's
// credential.toJSON()) against the login begun with ceremonyID by
// BeginLogin, records the credential's new counter and flags, and signs
// the user in to Cognito. The SignIn's grant is a step-up: it registers
// another passkey, once, within Config.GrantTimeout.
//
// The passkey must still belong to its Cognito user: when that user is
// gone, disabled or has another sub than the one the passkey was
// registered for, the login fails (ErrRevoked, ErrUserDisabled), nothing
// is created, and the user's passkeys are marked revoked. A record
// written before passkeys were bound gets the user's sub now.
//
// It fails with ErrUnknownCredential for a passkey that is not the user's,
// ErrSignCount when the counter did not increase (the record stays as it
// was), and ErrVerification for anything else go-webauthn rejects. A
// passkey registered not backup eligible that now is (BE 0→1, iCloud
// Keychain before it synced) keeps working and the new flags are stored.
func (rp *RelyingParty) FinishLogin(ctx context.Context, ceremonyID string, assertion []byte) (*SignIn, error) {
	return rp.finishLogin(ctx, "finish login", kindLogin, ceremonyID, assertion)
}

// FinishDiscoverableLogin is FinishLogin for a ceremony begun by
// BeginDiscoverableLogin: the user is the one whose handle the passkey
// returns.
func (rp *RelyingParty) FinishDiscoverableLogin(ctx context.Context, ceremonyID string, assertion []byte) (*SignIn, error) {
	return rp.finishLogin(ctx, "finish discoverable login", kindDiscoverable, ceremonyID, assertion)
}

func (rp *RelyingParty) finishLogin(ctx context.Context, op string, kind ceremonyKind, ceremonyID string, assertion []byte) (*SignIn, error) {
	c, err := rp.takeCeremony(ctx, ceremonyID, kind)
	if err != nil {
		return nil, rp.failed(ctx, op, "", err)
	}
	user, cred, err := rp.verifyAssertion(ctx, c, assertion)
	if err == nil {
		var res *SignIn
		if res, err = rp.signIn(ctx, user, cred); err == nil {
			return res, nil
		}
	}
	name := c.Username
	if user != nil {
		name = user.Username
	}
	return nil, rp.failed(ctx, op, name, err)
}

// verifyAssertion checks the assertion against c and returns the user it
// signs in and the credential as go-webauthn updated it.
func (rp *RelyingParty) verifyAssertion(ctx context.Context, c ceremony, assertion []byte) (*User, *webauthn.Credential, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(assertion)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: assertion does not parse: %w", ErrInvalidRequest, err)
	}
	flags := parsed.Response.AuthenticatorData.Flags

	if c.Kind == kindLogin {
		user, err := rp.creds.UserByName(ctx, c.Username)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, nil, fmt.Errorf("%w: %w", ErrUnknownCredential, err)
			}
			return nil, nil, credentialStoreError("user by name", err)
		}
		if err := checkUsable(user, parsed.RawID); err != nil {
			return user, nil, err
		}
		cred, err := rp.wa.ValidateLogin(webauthnUser{loginView(user, flags)}, c.Session, parsed)
		if err != nil {
			return user, nil, verificationError(err)
		}
		return user, cred, nil
	}

	var user *User
	lookup := func(rawID, handle []byte) (webauthn.User, error) {
		if len(handle) > maxHandleSize {
			// No handle this relying party made; and stores need not
			// accept keys of any size.
			return nil, fmt.Errorf("%w: user handle over %d bytes", ErrUnknownCredential, maxHandleSize)
		}
		u, err := rp.creds.UserByHandle(ctx, handle)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, fmt.Errorf("%w: %w", ErrUnknownCredential, err)
			}
			return nil, credentialStoreError("user by handle", err)
		}
		user = u
		if err := checkUsable(u, rawID); err != nil {
			return nil, err
		}
		return webauthnUser{loginView(u, flags)}, nil
	}
	_, cred, err := rp.wa.ValidatePasskeyLogin(lookup, c.Session, parsed)
	if err != nil {
		return user, nil, verificationError(err)
	}
	return user, cred, nil
}

// checkUsable fails a credential the user does not have, or has revoked.
func checkUsable(u *User, id []byte) error {
	for _, c := range u.Credentials {
		if bytes.Equal(c.ID, id) {
			if !c.usable() {
				return fmt.Errorf("%w: the credential was revoked", ErrRevoked)
			}
			return nil
		}
	}
	return ErrUnknownCredential
}

// loginView is the user as go-webauthn gets it for one assertion with
// these flags. go-webauthn refuses any assertion whose backup-eligible
// flag differs from the stored one; but authenticators that sync later
// (iCloud Keychain) register with BE=0 and assert with BE=1. WebAuthn
// forbids BE changing for one credential, yet a BE that rises takes no
// security from the record: the key is the same, and only the claim that
// it may be copied elsewhere is new. So a stored BE=0 is shown as 1 when
// the assertion says 1; a BE that falls (1→0) is still refused, and so is
// BS=1 with BE=0 (go-webauthn checks it). The stored flags are updated
// after the login (signIn).
func loginView(u *User, flags protocol.AuthenticatorFlags) *User {
	if !flags.HasBackupEligible() {
		return u
	}
	v := *u
	// A copy, so that the view never writes into the record.
	v.Credentials = slices.Clone(u.Credentials)
	for i := range v.Credentials {
		v.Credentials[i].BackupEligible = true
	}
	return &v
}

// usableCredentials returns u's credentials that are not revoked.
func usableCredentials(u *User) []Credential {
	var out []Credential
	for _, c := range u.Credentials {
		if c.usable() {
			out = append(out, c)
		}
	}
	return out
}

// errNothingRevoked is what the change of revokeAll returns when there is
// nothing to revoke.
var errNothingRevoked = errors.New("passkey: nothing to revoke")

// revokeAll marks every credential of username revoked, because its
// Cognito user is gone, disabled or another one.
func (rp *RelyingParty) revokeAll(ctx context.Context, username, reason string) error {
	now := rp.now()
	err := rp.creds.UpdateUser(ctx, username, func(u *User) error {
		changed := false
		for i := range u.Credentials {
			if u.Credentials[i].Revoked.IsZero() {
				u.Credentials[i].Revoked = now
				changed = true
			}
		}
		if !changed {
			return errNothingRevoked
		}
		return nil
	})
	switch {
	case err == nil:
		rp.log.WarnContext(ctx, "passkey: passkeys revoked",
			slog.String("user", cognitobridge.UserRef(username)), slog.String("reason", reason))
	case errors.Is(err, errNothingRevoked), errors.Is(err, ErrNotFound):
	default:
		return credentialStoreError("revoke", err)
	}
	return nil
}

// signIn checks that the passkey still belongs to its Cognito user,
// records cred's new state, starts the user's Cognito session (never
// creating a user) and issues a step-up grant.
func (rp *RelyingParty) signIn(ctx context.Context, user *User, cred *webauthn.Credential) (*SignIn, error) {
	// go-webauthn does not fail a login whose counter went backwards; it
	// sets CloneWarning and leaves the decision to the relying party.
	// This one refuses: a passkey whose counter regresses may have a twin.
	if cred.Authenticator.CloneWarning {
		return nil, ErrSignCount
	}
	st, err := rp.store.Status(ctx, user.Username)
	if err != nil {
		return nil, cognitoError(err)
	}
	switch {
	case st.Status == cognitobridge.StatusNotExists:
		return nil, rp.refuse(ctx, user.Username, "user gone", ErrRevoked)
	case st.Status == cognitobridge.StatusDisabled:
		return nil, rp.refuse(ctx, user.Username, "user disabled", ErrUserDisabled)
	case st.Sub == "":
		return nil, fmt.Errorf("%w: passkey: Cognito reported no sub", ErrInternal)
	case user.Sub != "" && user.Sub != st.Sub:
		return nil, rp.refuse(ctx, user.Username, "another sub", ErrRevoked)
	}

	now := rp.now()
	err = rp.creds.UpdateUser(ctx, user.Username, func(u *User) error {
		if u.Sub != "" && u.Sub != st.Sub {
			return fmt.Errorf("%w: the record was bound to another sub meanwhile", ErrRevoked)
		}
		// Records written before passkeys were bound get the sub of the
		// user they sign in now: the one the address names in Cognito.
		u.Sub = st.Sub
		for i := range u.Credentials {
			c := &u.Credentials[i]
			if !bytes.Equal(c.ID, cred.ID) {
				continue
			}
			if !c.Revoked.IsZero() {
				return fmt.Errorf("%w: the credential was revoked meanwhile", ErrRevoked)
			}
			if !signCountAdvances(c.SignCount, cred.Authenticator.SignCount) {
				// A login that raced this one stored a counter at least
				// as high: one of the two used a copy of the key, or
				// replayed.
				return ErrSignCount
			}
			c.SignCount = cred.Authenticator.SignCount
			c.BackupEligible = cred.Flags.BackupEligible
			c.BackupState = cred.Flags.BackupState
			c.UserVerified = c.UserVerified || cred.Flags.UserVerified
			c.LastUsed = now
			return nil
		}
		return ErrUnknownCredential
	})
	if err != nil {
		return nil, credentialStoreError("update user", err)
	}
	sess, err := rp.store.StartSession(ctx, user.Username)
	if err != nil {
		if errors.Is(err, cognitobridge.ErrUserNotFound) {
			// Gone since Status: still nothing is created.
			return nil, rp.refuse(ctx, user.Username, "user gone", ErrRevoked)
		}
		return nil, cognitoError(err)
	}
	id, expires, err := rp.issueGrant(ctx, user.Username, sess, grantPasskey)
	if err != nil {
		return nil, err
	}
	rp.log.DebugContext(ctx, "passkey: signed in", slog.String("user", cognitobridge.UserRef(user.Username)))
	return &SignIn{Session: sess, Grant: id, GrantExpires: expires}, nil
}

// refuse revokes username's passkeys and returns sentinel.
func (rp *RelyingParty) refuse(ctx context.Context, username, reason string, sentinel error) error {
	if err := rp.revokeAll(ctx, username, reason); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", sentinel, reason)
}
