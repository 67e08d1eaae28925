package passkey

import (
	"context"
	"errors"
	"fmt"
)

// maxPasswordLength is Cognito's limit.
const maxPasswordLength = 256

// SignInWithPassword is the migration path of password users: it signs
// username in with the Cognito password (one call, one session) and, when
// the account has no usable passkey here, returns a grant with which the
// same browser can register its first passkey (BeginRegistration). An
// account with passkeys gets its session and no grant: a password never
// adds a passkey to an account that has one.
//
// A wrong password, or an unknown user, is ErrWrongPassword; a disabled
// user ErrUserDisabled; Cognito's lockout after repeated failures applies.
// The password is never logged or kept.
func (rp *RelyingParty) SignInWithPassword(ctx context.Context, username, password string) (*SignIn, error) {
	const op = "password sign-in"
	res, u, err := rp.signInWithPassword(ctx, username, password)
	if err != nil {
		return nil, rp.failed(ctx, op, u, err)
	}
	return res, nil
}

func (rp *RelyingParty) signInWithPassword(ctx context.Context, username, password string) (*SignIn, string, error) {
	u, err := rp.normalize(username)
	if err != nil {
		return nil, "", err
	}
	if password == "" || len(password) > maxPasswordLength {
		return nil, u, fmt.Errorf("%w: password empty or too long", ErrInvalidRequest)
	}
	sess, err := rp.store.SignInWithPassword(ctx, u, password)
	if err != nil {
		return nil, u, cognitoError(err)
	}
	res := &SignIn{Session: sess}
	rec, err := rp.creds.UserByName(ctx, u)
	switch {
	case errors.Is(err, ErrNotFound):
		rec = nil
	case err != nil:
		return nil, u, credentialStoreError("user by name", err)
	}
	if rec != nil && (rec.Sub == "" || rec.Sub == sess.Sub) && len(usableCredentials(rec)) > 0 {
		return res, u, nil
	}
	res.Grant, res.GrantExpires, err = rp.issueGrant(ctx, u, sess, grantPassword)
	if err != nil {
		return nil, u, err
	}
	return res, u, nil
}
