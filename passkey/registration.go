package passkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// BeginRegistration starts a registration ceremony and returns the options
// for navigator.credentials.create. A grant is the only way in:
//
//   - a proof grant (VerifyEmailProof): a new account, an account without
//     usable passkeys, or a recovery;
//   - a step-up grant (FinishLogin, FinishDiscoverableLogin): a fresh
//     sign-in with one of the account's passkeys;
//   - a password grant (SignInWithPassword), which only an account with no
//     passkey gets, and which registers its first.
//
// The grant names the user. It is spent by FinishRegistration, so a
// ceremony the user cancelled can be begun again with it. A missing grant
// is ErrStepUpRequired; an unknown, expired, spent or signed-out one
// ErrNotAuthorized; a password grant of an account that has passkeys
// meanwhile ErrStepUpRequired.
func (rp *RelyingParty) BeginRegistration(ctx context.Context, grantID string) (*CreationOptions, error) {
	const op = "begin registration"
	c, user, err := rp.authorizeRegistration(ctx, grantID)
	if err != nil {
		return nil, rp.failed(ctx, op, c.Username, err)
	}
	usable := webauthnCredentials(user.Credentials)
	creation, session, err := rp.wa.BeginRegistration(webauthnUser{user},
		// The authenticator refuses to make a second passkey for an
		// account it already holds one for.
		webauthn.WithExclusions(webauthn.Credentials(usable).CredentialDescriptors()),
	)
	if err != nil {
		return nil, rp.failed(ctx, op, c.Username, fmt.Errorf("passkey: begin registration: %w", err))
	}
	c.Session = *session
	id, err := rp.putCeremony(ctx, c)
	if err != nil {
		return nil, rp.failed(ctx, op, c.Username, err)
	}
	return &CreationOptions{Ceremony: id, PublicKey: creation.Response}, nil
}

// authorizeRegistration checks the grant and returns the ceremony to be
// (without its session data) and the user the passkey will belong to,
// holding only the credentials that still count.
func (rp *RelyingParty) authorizeRegistration(ctx context.Context, grantID string) (ceremony, *User, error) {
	c := ceremony{Kind: kindRegistration}
	g, key, err := rp.peekGrant(ctx, grantID)
	if err != nil {
		return c, nil, err
	}
	c.Username, c.Sub, c.GrantKey = g.Username, g.Sub, key
	user, err := rp.boundUser(ctx, g)
	if err != nil {
		return c, nil, err
	}
	if g.Kind == grantPassword && len(user.Credentials) > 0 {
		return c, nil, fmt.Errorf("%w: a password grant, and the account has passkeys", ErrStepUpRequired)
	}
	c.Handle = user.Handle
	return c, user, nil
}

// boundUser returns the credential record of g's user as a registration
// sees it: a new one (with a fresh handle) when there is none, and without
// the credentials that are revoked or belong to another Cognito user.
func (rp *RelyingParty) boundUser(ctx context.Context, g grant) (*User, error) {
	rec, err := rp.creds.UserByName(ctx, g.Username)
	switch {
	case errors.Is(err, ErrNotFound):
		h, err := newHandle()
		if err != nil {
			return nil, fmt.Errorf("passkey: user handle: %w", err)
		}
		return &User{Username: g.Username, Handle: h, Sub: g.Sub}, nil
	case err != nil:
		return nil, credentialStoreError("user by name", err)
	}
	view := &User{Username: rec.Username, Handle: rec.Handle, Sub: g.Sub}
	if rec.Sub == "" || rec.Sub == g.Sub {
		view.Credentials = usableCredentials(rec)
	}
	return view, nil
}

// FinishRegistration verifies the new credential (the JSON of the
// browser's credential.toJSON()) against the ceremony begun with
// ceremonyID, spends the grant, stores the passkey bound to the grant's
// Cognito user, and signs the user in. The address gets a notice. Each
// ceremony can be finished once, however the attempt ends.
func (rp *RelyingParty) FinishRegistration(ctx context.Context, ceremonyID string, credential []byte) (*cognitobridge.Session, error) {
	const op = "finish registration"
	c, err := rp.takeCeremony(ctx, ceremonyID, kindRegistration)
	if err != nil {
		return nil, rp.failed(ctx, op, "", err)
	}
	sess, err := rp.finishRegistration(ctx, c, credential)
	if err != nil {
		return nil, rp.failed(ctx, op, c.Username, err)
	}
	return sess, nil
}

func (rp *RelyingParty) finishRegistration(ctx context.Context, c ceremony, credential []byte) (*cognitobridge.Session, error) {
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return nil, fmt.Errorf("%w: credential does not parse: %w", ErrInvalidRequest, err)
	}
	cred, err := rp.wa.CreateCredential(webauthnUser{&User{Username: c.Username, Handle: c.Handle}}, c.Session, parsed)
	if err != nil {
		return nil, verificationError(err)
	}
	// The grant is spent only now, so a ceremony the user cancelled can
	// be begun again with it; it still registers one passkey.
	g, err := rp.spendGrant(ctx, c.GrantKey, c.Username, c.Sub)
	if err != nil {
		return nil, err
	}
	user, err := rp.boundUser(ctx, g)
	if err != nil {
		return nil, err
	}
	if g.Kind == grantPassword && len(user.Credentials) > 0 {
		return nil, fmt.Errorf("%w: a password grant, and the account has passkeys", ErrStepUpRequired)
	}
	// The session the grant was earned with must still be live: a grant
	// dies with a sign-out made anywhere. Its refresh is the session the
	// user gets; no user is ever created here.
	sess, err := rp.grantSession(ctx, g)
	if err != nil {
		return nil, err
	}
	// Passkeys of a Cognito user the address no longer names stop
	// counting before one for the new user is stored.
	if err := rp.revokeForeign(ctx, c.Username, c.Sub); err != nil {
		return nil, err
	}
	stored := newCredential(cred, rp.now())
	if err := rp.creds.AddCredential(ctx, c.Username, c.Handle, c.Sub, stored); err != nil {
		if errors.Is(err, ErrHandleConflict) {
			return nil, fmt.Errorf("%w: %w", ErrUserExists, err)
		}
		return nil, credentialStoreError("add credential", err)
	}
	rp.log.InfoContext(ctx, "passkey: passkey registered",
		slog.String("user", cognitobridge.UserRef(c.Username)),
		slog.String("grant", string(g.Kind)),
		slog.Bool("backup_eligible", cred.Flags.BackupEligible))
	rp.notify(ctx, c.Username, NoticeAdded, displayName(stored))

	return sess, nil
}

// revokeForeign revokes username's credentials when its record is bound
// to another sub than sub.
func (rp *RelyingParty) revokeForeign(ctx context.Context, username, sub string) error {
	rec, err := rp.creds.UserByName(ctx, username)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return credentialStoreError("user by name", err)
	case rec.Sub == "" || rec.Sub == sub:
		return nil
	}
	return rp.revokeAll(ctx, username, "another sub")
}

// webauthnCredentials converts records for go-webauthn.
func webauthnCredentials(creds []Credential) []webauthn.Credential {
	out := make([]webauthn.Credential, len(creds))
	for i, c := range creds {
		out[i] = c.webauthn()
	}
	return out
}
