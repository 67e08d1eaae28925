package passkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// BeginLogin starts a login for username and returns the options for
// navigator.credentials.get, listing the user's passkeys. A user without
// passkeys here gets ErrNoPasskeys.
//
// This tells whoever asks whether an address has a passkey; so does
// BeginRegistration, which must tell a new account from an existing one.
// Use BeginDiscoverableLogin where that matters: it names no one.
func (rp *RelyingParty) BeginLogin(ctx context.Context, username string) (*RequestOptions, error) {
	const op = "begin login"
	u, ok := normalizeUsername(username)
	if !ok {
		err := fmt.Errorf("%w: implausible username", ErrInvalidRequest)
		rp.logFailure(ctx, op, "", err)
		return nil, err
	}
	user, err := rp.creds.UserByName(ctx, u)
	switch {
	case errors.Is(err, ErrNotFound):
		err = ErrNoPasskeys
	case err != nil:
		err = credentialStoreError("user by name", err)
	case len(user.Credentials) == 0:
		err = ErrNoPasskeys
	}
	if err != nil {
		rp.logFailure(ctx, op, u, err)
		return nil, err
	}
	assertion, session, err := rp.wa.BeginLogin(webauthnUser{user}, webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		err = fmt.Errorf("passkey: begin login: %w", err)
		rp.logFailure(ctx, op, u, err)
		return nil, err
	}
	return rp.putLogin(ctx, op, ceremony{kind: kindLogin, session: *session, username: u}, assertion)
}

// BeginDiscoverableLogin starts a login in which the passkey names the
// user ("sign in with a passkey" without typing an address) and returns the
// options for navigator.credentials.get.
func (rp *RelyingParty) BeginDiscoverableLogin(ctx context.Context) (*RequestOptions, error) {
	const op = "begin discoverable login"
	assertion, session, err := rp.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		err = fmt.Errorf("passkey: begin discoverable login: %w", err)
		rp.logFailure(ctx, op, "", err)
		return nil, err
	}
	return rp.putLogin(ctx, op, ceremony{kind: kindDiscoverable, session: *session}, assertion)
}

func (rp *RelyingParty) putLogin(ctx context.Context, op string, c ceremony, assertion *protocol.CredentialAssertion) (*RequestOptions, error) {
	id, _, err := rp.ceremonies.put(c)
	if err != nil {
		rp.logFailure(ctx, op, c.username, err)
		return nil, err
	}
	return &RequestOptions{Ceremony: id, PublicKey: assertion.Response}, nil
}

// FinishLogin verifies the assertion (the JSON of the browser's
// credential.toJSON()) against the login begun with ceremonyID by
// BeginLogin, records the credential's new signature counter, and signs
// the user in to Cognito.
//
// It fails with ErrUnknownCredential for a passkey that is not the user's,
// ErrSignCount when the counter did not increase (the record stays as it
// was), and ErrVerification for anything else go-webauthn rejects,
// including backup-eligibility flags that changed since registration.
func (rp *RelyingParty) FinishLogin(ctx context.Context, ceremonyID string, assertion []byte) (*cognitobridge.Session, error) {
	return rp.finishLogin(ctx, "finish login", kindLogin, ceremonyID, assertion)
}

// FinishDiscoverableLogin is FinishLogin for a ceremony begun by
// BeginDiscoverableLogin: the user is the one whose handle the passkey
// returns.
func (rp *RelyingParty) FinishDiscoverableLogin(ctx context.Context, ceremonyID string, assertion []byte) (*cognitobridge.Session, error) {
	return rp.finishLogin(ctx, "finish discoverable login", kindDiscoverable, ceremonyID, assertion)
}

func (rp *RelyingParty) finishLogin(ctx context.Context, op string, kind ceremonyKind, ceremonyID string, assertion []byte) (*cognitobridge.Session, error) {
	c, ok := rp.ceremonies.take(ceremonyID)
	if !ok || c.kind != kind {
		rp.logFailure(ctx, op, "", ErrCeremony)
		return nil, ErrCeremony
	}
	user, cred, err := rp.verifyAssertion(ctx, c, assertion)
	if err == nil {
		var sess *cognitobridge.Session
		if sess, err = rp.signIn(ctx, user, cred); err == nil {
			return sess, nil
		}
	}
	name := c.username
	if user != nil {
		name = user.Username
	}
	rp.logFailure(ctx, op, name, err)
	return nil, err
}

// verifyAssertion checks the assertion against c and returns the user it
// signs in and the credential as go-webauthn updated it.
func (rp *RelyingParty) verifyAssertion(ctx context.Context, c ceremony, assertion []byte) (*User, *webauthn.Credential, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(assertion)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: assertion does not parse: %w", ErrInvalidRequest, err)
	}

	if c.kind == kindLogin {
		user, err := rp.creds.UserByName(ctx, c.username)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, nil, fmt.Errorf("%w: %w", ErrUnknownCredential, err)
			}
			return nil, nil, credentialStoreError("user by name", err)
		}
		if !hasCredential(user.Credentials, parsed.RawID) {
			return user, nil, ErrUnknownCredential
		}
		cred, err := rp.wa.ValidateLogin(webauthnUser{user}, c.session, parsed)
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
		if !hasCredential(u.Credentials, rawID) {
			return nil, ErrUnknownCredential
		}
		return webauthnUser{u}, nil
	}
	_, cred, err := rp.wa.ValidatePasskeyLogin(lookup, c.session, parsed)
	if err != nil {
		return user, nil, verificationError(err)
	}
	return user, cred, nil
}

// signIn records cred's new state and starts the user's Cognito session.
func (rp *RelyingParty) signIn(ctx context.Context, user *User, cred *webauthn.Credential) (*cognitobridge.Session, error) {
	// go-webauthn does not fail a login whose counter went backwards; it
	// sets CloneWarning and leaves the decision to the relying party.
	// This one refuses: a passkey whose counter regresses may have a twin.
	if cred.Authenticator.CloneWarning {
		return nil, ErrSignCount
	}
	err := rp.creds.UpdateUser(ctx, user.Username, func(u *User) error {
		for i := range u.Credentials {
			c := &u.Credentials[i]
			if !bytes.Equal(c.ID, cred.ID) {
				continue
			}
			if !signCountAdvances(c.SignCount, cred.Authenticator.SignCount) {
				return ErrSignCount
			}
			c.SignCount = cred.Authenticator.SignCount
			c.BackupState = cred.Flags.BackupState
			c.LastUsed = rp.now().UTC()
			return nil
		}
		return ErrNotFound
	})
	if err != nil {
		if errors.Is(err, ErrSignCount) {
			// A login that raced this one stored a counter at least as
			// high: one of the two used a copy of the key, or replayed.
			return nil, fmt.Errorf("%w: %w", ErrSignCount, err)
		}
		return nil, credentialStoreError("update credential", err)
	}
	sess, err := rp.store.Login(ctx, user.Username, cognitobridge.CreateOptions{})
	if err != nil {
		return nil, cognitoError(err)
	}
	rp.log.DebugContext(ctx, "passkey: signed in", slog.String("user", cognitobridge.UserRef(user.Username)))
	return sess, nil
}
