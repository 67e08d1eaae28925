package corbado

import (
	"context"
	"errors"
	"fmt"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// UserStatus is the answer to Corbado's authMethods webhook: whether the
// user exists in the application's own user store.
type UserStatus string

// The statuses Corbado's v1 webhooks accept (Corbado's Node SDK 1.x
// webhook service: ALLOWED_STATUS = ["exists", "not_exists", "blocked"]).
const (
	// StatusExists: the user has an account with a password; Corbado offers
	// the password login and, after passwordVerify, passkey creation.
	StatusExists UserStatus = "exists"
	// StatusNotExists: no such user (or one that never had a password);
	// Corbado treats the login as a sign-up or a passkey-only user.
	StatusNotExists UserStatus = "not_exists"
	// StatusBlocked: the user exists but must not sign in.
	StatusBlocked UserStatus = "blocked"
)

func (s UserStatus) valid() bool {
	return s == StatusExists || s == StatusNotExists || s == StatusBlocked
}

// UserDirectory answers Corbado's v1 webhooks from the application's user
// store. Implementations must be safe for concurrent use. An error means
// the store could not answer (an outage); the webhook then answers 500 and
// logs the error's text, so it must not contain the password.
type UserDirectory interface {
	// UserStatus reports whether username exists, does not exist, or is
	// blocked.
	UserStatus(ctx context.Context, username string) (UserStatus, error)
	// VerifyPassword reports whether password is username's password:
	// (false, nil) for a wrong password or an unknown user.
	VerifyPassword(ctx context.Context, username, password string) (bool, error)
}

// CognitoDirectory adapts a cognitobridge.Store to Corbado's webhooks, as
// the seed's getUserStatus and verifyPassword did:
//
//   - a user Cognito does not know answers not_exists;
//   - a user the bridge created for the passkey provider (the provider
//     attribute, custom:createdByCorbado by default, is "true") answers
//     not_exists too: its password is a random one nobody knows, so Corbado
//     must not offer it a password login;
//   - a disabled user answers blocked, whoever created it (blocked wins, so
//     an administrator's "disable" also stops passkey-only users);
//   - everyone else answers exists.
//
// VerifyPassword is Store.VerifyPassword: one Cognito sign-in with the
// password; throttling and outages are errors (the seed answered them
// "wrong password").
//
// Both pass the username through Store.Normalize first, as every path
// into the store does; a username it refuses cannot be anybody's
// (not_exists, and a wrong password), and costs no Cognito call.
func CognitoDirectory(s *cognitobridge.Store) UserDirectory {
	return cognitoDirectory{store: s}
}

type cognitoDirectory struct {
	store *cognitobridge.Store
}

var errNilStore = errors.New("corbado: CognitoDirectory has a nil store")

func (d cognitoDirectory) UserStatus(ctx context.Context, username string) (UserStatus, error) {
	if d.store == nil {
		return "", errNilStore
	}
	name, err := d.store.Normalize(username)
	if err != nil {
		return StatusNotExists, nil
	}
	u, err := d.store.Status(ctx, name)
	if err != nil {
		return "", err
	}
	switch u.Status {
	case cognitobridge.StatusNotExists:
		return StatusNotExists, nil
	case cognitobridge.StatusDisabled:
		return StatusBlocked, nil
	case cognitobridge.StatusExists:
		if u.CreatedByProvider {
			return StatusNotExists, nil
		}
		return StatusExists, nil
	default:
		return "", fmt.Errorf("corbado: cognitobridge reported an unknown status %q", u.Status)
	}
}

func (d cognitoDirectory) VerifyPassword(ctx context.Context, username, password string) (bool, error) {
	if d.store == nil {
		return false, errNilStore
	}
	name, err := d.store.Normalize(username)
	if err != nil {
		return false, nil
	}
	return d.store.VerifyPassword(ctx, name, password)
}
