package passkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/jwks"
)

// RegistrationRequest asks to register a passkey.
//
// Who may register a passkey for Username:
//
//   - anyone, when Cognito has no such user and the store no passkey for
//     it: a new account, passkey first, with no password ever;
//   - the user of an existing account without passkeys here (a password
//     user), with a Grant from SignInWithPassword for that username, or
//     with an IDToken of theirs;
//   - the user of an account with passkeys, only with an IDToken of
//     theirs: a password is not enough to add a passkey to an account
//     that has given up passwords for passkeys.
type RegistrationRequest struct {
	// Username is the account's email address. It may be empty when
	// IDToken is set: the token names the user.
	Username string `json:"username"`

	// Grant is the grant SignInWithPassword returned for Username.
	Grant string `json:"grant,omitempty"`

	// IDToken is a Cognito ID token of the signed-in user (the handler
	// reads it from "Authorization: Bearer"). Needs Config.IDTokens.
	IDToken string `json:"-"`
}

// BeginRegistration starts a registration ceremony for req's user and
// returns the options for navigator.credentials.create. See
// RegistrationRequest for who may register; the others get
// ErrSignInRequired, ErrSessionRequired or ErrNotAuthorized.
func (rp *RelyingParty) BeginRegistration(ctx context.Context, req RegistrationRequest) (*CreationOptions, error) {
	const op = "begin registration"
	c, user, err := rp.authorizeRegistration(ctx, req)
	if err != nil {
		rp.logFailure(ctx, op, c.username, err)
		return nil, err
	}
	creation, session, err := rp.wa.BeginRegistration(webauthnUser{user},
		// The authenticator refuses to make a second passkey for an
		// account it already holds one for.
		webauthn.WithExclusions(webauthn.Credentials(webauthnUser{user}.WebAuthnCredentials()).CredentialDescriptors()),
	)
	if err != nil {
		err = fmt.Errorf("passkey: begin registration: %w", err)
		rp.logFailure(ctx, op, c.username, err)
		return nil, err
	}
	c.session = *session
	id, _, err := rp.ceremonies.put(c)
	if err != nil {
		rp.logFailure(ctx, op, c.username, err)
		return nil, err
	}
	return &CreationOptions{Ceremony: id, PublicKey: creation.Response}, nil
}

// authorizeRegistration decides whether req may register a passkey and
// returns the ceremony to be (without its session data) and the user the
// passkey will belong to. The ceremony's username is set as soon as it is
// known, for the logs.
func (rp *RelyingParty) authorizeRegistration(ctx context.Context, req RegistrationRequest) (ceremony, *User, error) {
	c := ceremony{kind: kindRegistration}
	if req.Username != "" {
		u, ok := normalizeUsername(req.Username)
		if !ok {
			return c, nil, fmt.Errorf("%w: implausible username", ErrInvalidRequest)
		}
		c.username = u
	}

	bySession := false
	if req.IDToken != "" {
		u, err := rp.sessionUser(ctx, req.IDToken)
		if err != nil {
			return c, nil, err
		}
		if c.username != "" && c.username != u {
			return c, nil, fmt.Errorf("%w: the ID token is another user's", ErrNotAuthorized)
		}
		c.username, bySession = u, true
	}
	if c.username == "" {
		return c, nil, fmt.Errorf("%w: username missing", ErrInvalidRequest)
	}

	byGrant := false
	if req.Grant != "" {
		g, ok := rp.grants.peek(req.Grant)
		if !ok || g.username != c.username {
			return c, nil, fmt.Errorf("%w: password grant unknown, expired, used or another user's", ErrNotAuthorized)
		}
		c.grant, byGrant = req.Grant, true
	}

	user, err := rp.creds.UserByName(ctx, c.username)
	switch {
	case errors.Is(err, ErrNotFound):
		user = nil
	case err != nil:
		return c, nil, credentialStoreError("user by name", err)
	}

	switch {
	case user != nil && len(user.Credentials) > 0:
		if !bySession {
			return c, nil, ErrSessionRequired
		}
		// A session is enough; a grant that came along is left unused.
		c.grant = ""
	case bySession || byGrant:
		// An existing account, proven by its password or a session.
	default:
		// No proof: only a new account may register.
		status, err := rp.accountStatus(ctx, c.username)
		if err != nil {
			return c, nil, err
		}
		if status == cognitobridge.StatusExists {
			return c, nil, ErrSignInRequired
		}
		c.newUser = true
	}

	if user == nil {
		h, err := newHandle()
		if err != nil {
			return c, nil, fmt.Errorf("passkey: user handle: %w", err)
		}
		user = &User{Username: c.username, Handle: h}
	}
	c.handle = user.Handle
	return c, user, nil
}

// sessionUser returns the username of a valid Cognito ID token.
func (rp *RelyingParty) sessionUser(ctx context.Context, idToken string) (string, error) {
	if rp.idTokens == nil {
		return "", fmt.Errorf("%w: ID tokens are not accepted (Config.IDTokens is nil)", ErrNotAuthorized)
	}
	claims, err := rp.idTokens.Validate(ctx, idToken)
	switch {
	case errors.Is(err, jwks.ErrUnavailable):
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	case errors.Is(err, context.Canceled):
		return "", err
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrNotAuthorized, err)
	}
	if claims.AuthTime.IsZero() || rp.now().Sub(claims.AuthTime) > rp.maxAuthAge {
		return "", fmt.Errorf("%w: the session's sign-in is older than MaxAuthAge", ErrNotAuthorized)
	}
	u, ok := normalizeUsername(claims.Username)
	if !ok {
		return "", fmt.Errorf("%w: the ID token's cognito:username is not an email address", ErrNotAuthorized)
	}
	return u, nil
}

// accountStatus asks Cognito whether username exists; a disabled user is
// ErrUserDisabled.
func (rp *RelyingParty) accountStatus(ctx context.Context, username string) (cognitobridge.Status, error) {
	u, err := rp.store.Status(ctx, username)
	if err != nil {
		return "", cognitoError(err)
	}
	if u.Status == cognitobridge.StatusDisabled {
		return "", ErrUserDisabled
	}
	return u.Status, nil
}

// FinishRegistration verifies the new credential (the JSON of the
// browser's credential.toJSON()) against the ceremony begun with
// ceremonyID, stores it, and signs the user in to Cognito, creating a new
// account's Cognito user. Each ceremony can be finished once, however the
// attempt ends.
func (rp *RelyingParty) FinishRegistration(ctx context.Context, ceremonyID string, credential []byte) (*cognitobridge.Session, error) {
	const op = "finish registration"
	c, ok := rp.ceremonies.take(ceremonyID)
	if !ok || c.kind != kindRegistration {
		rp.logFailure(ctx, op, "", ErrCeremony)
		return nil, ErrCeremony
	}
	sess, err := rp.finishRegistration(ctx, c, credential)
	if err != nil {
		rp.logFailure(ctx, op, c.username, err)
		return nil, err
	}
	return sess, nil
}

func (rp *RelyingParty) finishRegistration(ctx context.Context, c ceremony, credential []byte) (*cognitobridge.Session, error) {
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return nil, fmt.Errorf("%w: credential does not parse: %w", ErrInvalidRequest, err)
	}
	user := &User{Username: c.username, Handle: c.handle}
	cred, err := rp.wa.CreateCredential(webauthnUser{user}, c.session, parsed)
	if err != nil {
		return nil, verificationError(err)
	}

	if c.newUser {
		// Begin saw no account. One made since (by an administrator, say)
		// is not this browser's to claim.
		status, err := rp.accountStatus(ctx, c.username)
		if err != nil {
			return nil, err
		}
		if status == cognitobridge.StatusExists {
			return nil, fmt.Errorf("%w: the account was created during the ceremony", ErrUserExists)
		}
	}
	if c.grant != "" {
		// The grant is spent only now, so a ceremony the user cancelled
		// can be begun again with it; it still registers one passkey.
		if g, ok := rp.grants.take(c.grant); !ok || g.username != c.username {
			return nil, fmt.Errorf("%w: password grant expired or already used", ErrNotAuthorized)
		}
	}

	// The credential is stored before Cognito hears of a new user: the
	// store decides who wins a race for a username (ErrHandleConflict),
	// and a Cognito user made for the loser would be an account without a
	// passkey or a password anyone knows.
	if err := rp.creds.AddCredential(ctx, c.username, c.handle, "", newCredential(cred, rp.now())); err != nil {
		if errors.Is(err, ErrHandleConflict) {
			return nil, fmt.Errorf("%w: %w", ErrUserExists, err)
		}
		return nil, credentialStoreError("add credential", err)
	}
	rp.log.InfoContext(ctx, "passkey: passkey registered",
		slog.String("user", cognitobridge.UserRef(c.username)),
		slog.Bool("new_user", c.newUser),
		slog.Bool("backup_eligible", cred.Flags.BackupEligible))

	sess, err := rp.store.Login(ctx, c.username, cognitobridge.CreateOptions{})
	if err != nil {
		return nil, cognitoError(err)
	}
	return sess, nil
}
