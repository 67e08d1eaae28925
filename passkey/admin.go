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
	const op = "revoke user"
	u, err := rp.revokeUser(ctx, username)
	if err != nil {
		return rp.failed(ctx, op, u, err)
	}
	rp.log.InfoContext(ctx, "passkey: user revoked", slog.String("user", cognitobridge.UserRef(u)))
	return nil
}

func (rp *RelyingParty) revokeUser(ctx context.Context, username string) (string, error) {
	u, err := rp.normalize(username)
	if err != nil {
		return "", err
	}
	cu, rec, subs, err := rp.accountOf(ctx, u)
	if err != nil {
		return u, err
	}
	if cu.Status == cognitobridge.StatusNotExists && rec == nil {
		// Most likely a typo (or the wrong case on a case-sensitive
		// pool): say so rather than report a revocation of no one.
		return u, fmt.Errorf("%w: no Cognito user and no passkeys under this username", ErrInvalidRequest)
	}
	if err := rp.revokeAll(ctx, u, "revoked by an administrator"); err != nil {
		return u, err
	}
	// Grants are this relying party's own state: they end even when
	// Cognito fails below, and the call is repeated.
	for _, sub := range subs {
		if err := rp.endGrants(ctx, sub); err != nil {
			return u, err
		}
	}
	if cu.Status == cognitobridge.StatusNotExists {
		return u, nil
	}
	// A user deleted since Status has no tokens left to revoke.
	if err := rp.store.AdminSignOut(ctx, u); err != nil && !errors.Is(err, cognitobridge.ErrUserNotFound) {
		return u, cognitoError(err)
	}
	return u, nil
}

// accountOf returns username's Cognito user, its passkey record (nil for
// none) and the subs its grants may be bound to: the Cognito user's now,
// and the one the record was bound to, if another.
func (rp *RelyingParty) accountOf(ctx context.Context, username string) (*cognitobridge.User, *User, []string, error) {
	var subs []string
	cu, err := rp.store.Status(ctx, username)
	if err != nil {
		return nil, nil, nil, cognitoError(err)
	}
	if cu.Sub != "" {
		subs = append(subs, cu.Sub)
	}
	rec, err := rp.creds.UserByName(ctx, username)
	switch {
	case errors.Is(err, ErrNotFound):
		rec = nil
	case err != nil:
		return nil, nil, nil, credentialStoreError("user by name", err)
	case rec.Sub != "" && rec.Sub != cu.Sub:
		subs = append(subs, rec.Sub)
	}
	return cu, rec, subs, nil
}

// DeleteUserRecords deletes every record this relying party keeps of
// username: the user's passkeys and handle in the credential store, and
// pending grants. Call it when the service deletes the user from Cognito
// (AdminDeleteUser); a passkey of a deleted user does not sign in either
// way (its sub is gone), but the records would keep the address, and
// outlive the account. Deleting a user that has no records is not an
// error.
func (rp *RelyingParty) DeleteUserRecords(ctx context.Context, username string) error {
	const op = "delete user records"
	u, err := rp.deleteUserRecords(ctx, username)
	if err != nil {
		return rp.failed(ctx, op, u, err)
	}
	rp.log.InfoContext(ctx, "passkey: user records deleted", slog.String("user", cognitobridge.UserRef(u)))
	return nil
}

func (rp *RelyingParty) deleteUserRecords(ctx context.Context, username string) (string, error) {
	u, err := rp.normalize(username)
	if err != nil {
		return "", err
	}
	_, _, subs, err := rp.accountOf(ctx, u)
	if err != nil {
		return u, err
	}
	for _, sub := range subs {
		if err := rp.endGrants(ctx, sub); err != nil {
			return u, err
		}
	}
	if err := rp.creds.DeleteUser(ctx, u); err != nil && !errors.Is(err, ErrNotFound) {
		return u, credentialStoreError("delete user", err)
	}
	return u, nil
}
