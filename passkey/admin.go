package passkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// The admin API is for a service's back office, not for users: it takes a
// username, trusts its caller, and is mounted on no route. Call it from
// code that has already decided the user must go.

// RevokeUser revokes every passkey of username (they stay listed in the
// store, marked Revoked, and never sign in again) and signs the user out
// everywhere: Cognito revokes the user's refresh tokens
// (AdminUserGlobalSignOut) and the user's pending grants end. The Cognito
// user itself is kept: the owner gets back in by proving the address and
// registering a new passkey.
//
// A user with no passkeys here is still signed out, and passkeys whose
// Cognito user is gone are still revoked; a username that names neither
// is ErrInvalidRequest. Anything else that fails is returned, and the
// call can be repeated.
func (rp *RelyingParty) RevokeUser(ctx context.Context, username string) error {
	return rp.onAccount(ctx, "revoke user", "passkey: user revoked", username, rp.revokeUser)
}

func (rp *RelyingParty) revokeUser(ctx context.Context, a account) error {
	if a.cognito.Status == cognitobridge.StatusNotExists && a.record == nil {
		// Most likely a typo (or the wrong case on a case-sensitive
		// pool): say so rather than report a revocation of no one.
		return fmt.Errorf("%w: no Cognito user and no passkeys under this username", ErrInvalidRequest)
	}
	if err := rp.revokeAll(ctx, a.username, "revoked by an administrator"); err != nil {
		return err
	}
	// Grants are this relying party's own state: they end even when
	// Cognito fails below, and the call is repeated.
	if err := rp.endAccountGrants(ctx, a); err != nil {
		return err
	}
	if a.cognito.Status == cognitobridge.StatusNotExists {
		return nil
	}
	// A user deleted since Status has no tokens left to revoke.
	if err := rp.store.AdminSignOut(ctx, a.username); err != nil && !errors.Is(err, cognitobridge.ErrUserNotFound) {
		return cognitoError(err)
	}
	return nil
}

// DeleteUserRecords deletes every record this relying party keeps of
// username: the user's passkeys and handle in the credential store, and
// pending grants. Call it when the service deletes the user from Cognito
// (AdminDeleteUser); a passkey of a deleted user does not sign in either
// way (its sub is gone), but the records would keep the address, and
// outlive the account. Deleting a user that has no records is not an
// error.
func (rp *RelyingParty) DeleteUserRecords(ctx context.Context, username string) error {
	return rp.onAccount(ctx, "delete user records", "passkey: user records deleted", username, rp.deleteUserRecords)
}

func (rp *RelyingParty) deleteUserRecords(ctx context.Context, a account) error {
	if err := rp.endAccountGrants(ctx, a); err != nil {
		return err
	}
	if err := rp.creds.DeleteUser(ctx, a.username); err != nil && !errors.Is(err, ErrNotFound) {
		return credentialStoreError("delete user", err)
	}
	return nil
}

// account is what an admin call acts on.
type account struct {
	username string              // normalized
	cognito  *cognitobridge.User // Status's answer; StatusNotExists for none
	record   *User               // the passkey record; nil for none
	// subs are the subs the user's grants may be bound to: the Cognito
	// user's now, and the one the record was bound to, if another.
	subs []string
}

// onAccount is an admin call: it reads username's account, runs act on
// it, and logs the outcome under op (a failure) or done (a success).
func (rp *RelyingParty) onAccount(ctx context.Context, op, done, username string, act func(context.Context, account) error) error {
	u, err := rp.normalize(username)
	if err == nil {
		var a account
		if a, err = rp.accountOf(ctx, u); err == nil {
			err = act(ctx, a)
		}
	}
	if err != nil {
		return rp.failed(ctx, op, u, err)
	}
	rp.log.InfoContext(ctx, done, slog.String("user", cognitobridge.UserRef(u)))
	return nil
}

// accountOf returns username's account.
func (rp *RelyingParty) accountOf(ctx context.Context, username string) (account, error) {
	a := account{username: username}
	cu, err := rp.store.Status(ctx, username)
	if err != nil {
		return a, cognitoError(err)
	}
	a.cognito = cu
	if cu.Sub != "" {
		a.subs = append(a.subs, cu.Sub)
	}
	rec, err := rp.creds.UserByName(ctx, username)
	switch {
	case errors.Is(err, ErrNotFound):
		return a, nil
	case err != nil:
		return a, credentialStoreError("user by name", err)
	case rec.Sub != "" && rec.Sub != cu.Sub:
		a.subs = append(a.subs, rec.Sub)
	}
	a.record = rec
	return a, nil
}

// endAccountGrants ends the grants of every sub of a.
func (rp *RelyingParty) endAccountGrants(ctx context.Context, a account) error {
	for _, sub := range a.subs {
		if err := rp.endGrants(ctx, sub); err != nil {
			return err
		}
	}
	return nil
}
