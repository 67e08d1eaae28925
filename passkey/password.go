package passkey

import (
	"context"
	"fmt"
	"time"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// maxPasswordLength is Cognito's limit.
const maxPasswordLength = 256

// PasswordSignIn is the result of SignInWithPassword.
type PasswordSignIn struct {
	// Grant lets this browser register a first passkey for the user, once,
	// until GrantExpires. It is a secret: keep it in the page's memory.
	Grant        string
	GrantExpires time.Time
	// Session is the user's Cognito session.
	Session *cognitobridge.Session
}

// SignInWithPassword is the migration path of password users: it checks
// username's Cognito password (cognitobridge.Store.VerifyPassword), signs
// the user in, and returns a grant with which the same browser can
// register the user's first passkey (RegistrationRequest.Grant). The grant
// is held server-side, bound to username, lives Config.GrantTimeout and is
// spent by the registration it authorizes.
//
// A wrong password, or an unknown, disabled or unconfirmed user, is
// ErrWrongPassword; Cognito's lockout after repeated failures applies.
// The password is never logged or kept.
func (rp *RelyingParty) SignInWithPassword(ctx context.Context, username, password string) (*PasswordSignIn, error) {
	const op = "password sign-in"
	res, u, err := rp.signInWithPassword(ctx, username, password)
	if err != nil {
		rp.logFailure(ctx, op, u, err)
		return nil, err
	}
	return res, nil
}

func (rp *RelyingParty) signInWithPassword(ctx context.Context, username, password string) (*PasswordSignIn, string, error) {
	u, ok := normalizeUsername(username)
	if !ok {
		return nil, "", fmt.Errorf("%w: implausible username", ErrInvalidRequest)
	}
	if password == "" || len(password) > maxPasswordLength {
		return nil, u, fmt.Errorf("%w: password empty or too long", ErrInvalidRequest)
	}
	ok, err := rp.store.VerifyPassword(ctx, u, password)
	if err != nil {
		return nil, u, cognitoError(err)
	}
	if !ok {
		return nil, u, ErrWrongPassword
	}
	sess, err := rp.store.Login(ctx, u, cognitobridge.CreateOptions{})
	if err != nil {
		return nil, u, cognitoError(err)
	}
	id, expires, err := rp.grants.put(grant{username: u})
	if err != nil {
		return nil, u, err
	}
	return &PasswordSignIn{Grant: id, GrantExpires: expires, Session: sess}, u, nil
}
