package passkey_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/passkey"
)

func TestRevokeUser(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const email = "ada@example.com"
	a := h.authenticator()
	h.newUser(a, email)
	_, sess := h.addPasskey(a, email)
	held := h.loginWithName(a, email)
	other := h.authenticator()
	otherSess := h.newUser(other, "bob@example.com")

	require.NoError(t, h.rp.RevokeUser(ctx, "  ADA@example.com "), "the username is normalised")

	// Both passkeys are revoked, kept in the store, and sign in no more.
	rec, err := h.creds.UserByName(ctx, email)
	require.NoError(t, err)
	require.Len(t, rec.Credentials, 2)
	for _, c := range rec.Credentials {
		assert.False(t, c.Revoked.IsZero())
	}
	h.signsInNowhere(t, a, email)
	assert.Empty(t, h.list(sess.IDToken), "revoked passkeys are not listed")

	// The user is signed out everywhere: refresh tokens and grants are dead.
	for _, s := range []string{sess.RefreshToken, held.Session.RefreshToken} {
		_, err := h.store.Refresh(ctx, email, s)
		assert.Error(t, err)
	}
	r := h.post("registration/begin", map[string]string{"grant": held.Grant})
	assert.Equal(t, http.StatusUnauthorized, r.status)

	// Nobody else is touched.
	h.loginDiscoverable(other, other.creds[0])
	_, err = h.store.Refresh(ctx, "bob@example.com", otherSess.RefreshToken)
	assert.NoError(t, err)

	// The Cognito user is kept; the owner gets back in by proving the
	// address and registers a new passkey.
	_, ok := h.cognito.User(email)
	require.True(t, ok)
	s := h.signUp(email)
	assert.False(t, s.Recovery, "no usable passkey is left: a plain proof")
	fresh := h.authenticator()
	newSess := h.register(fresh, s.Grant)
	assert.Len(t, h.list(newSess.IDToken), 1)
	h.loginDiscoverable(fresh, fresh.creds[0])

	// Revoking again, or a user without passkeys, is fine; a username
	// that names no one is refused.
	require.NoError(t, h.rp.RevokeUser(ctx, email))
	h.passwordUser("pat@example.com", "Correct-Horse-1-Battery")
	require.NoError(t, h.rp.RevokeUser(ctx, "pat@example.com"))
	for _, nobody := range []string{"nobody@example.com", "not an address", ""} {
		assert.ErrorIs(t, h.rp.RevokeUser(ctx, nobody), passkey.ErrInvalidRequest, "%q", nobody)
	}
}

func TestRevokeUserCognitoDown(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const email = "ada@example.com"
	a := h.authenticator()
	h.newUser(a, email)
	held := h.loginWithName(a, email)

	h.cognito.FailNext("AdminUserGlobalSignOut", 10, cognitotest.FaultInternal)
	err := h.rp.RevokeUser(ctx, email)
	require.ErrorIs(t, err, passkey.ErrUnavailable)
	h.cognito.ClearFaults()

	// What could be done is done: the passkeys and grants are dead, and
	// a second call finishes the sign-out.
	assert.Zero(t, h.storedCredentials(email))
	r := h.post("registration/begin", map[string]string{"grant": held.Grant})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	_, err = h.store.Refresh(ctx, email, held.Session.RefreshToken)
	require.NoError(t, err, "Cognito never signed the user out")

	require.NoError(t, h.rp.RevokeUser(ctx, email))
	_, err = h.store.Refresh(ctx, email, held.Session.RefreshToken)
	assert.Error(t, err)
}

func TestDeleteUserRecords(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const email = "ada@example.com"
	a := h.authenticator()
	h.newUser(a, email)
	held := h.loginWithName(a, email)
	other := h.authenticator()
	h.newUser(other, "bob@example.com")

	// The service deletes the user: first from Cognito, then here.
	h.deleteUser(email)
	require.NoError(t, h.rp.DeleteUserRecords(ctx, email))

	_, err := h.creds.UserByName(ctx, email)
	assert.ErrorIs(t, err, passkey.ErrNotFound, "no record keeps the address")
	_, err = h.creds.UserByHandle(ctx, a.creds[0].userHandle)
	assert.ErrorIs(t, err, passkey.ErrNotFound, "nor the handle")
	h.signsInNowhere(t, a, email)
	r := h.post("registration/begin", map[string]string{"grant": held.Grant})
	assert.Equal(t, http.StatusUnauthorized, r.status, "the user's grants are dead")
	_, exists := h.cognito.User(email)
	assert.False(t, exists, "nothing re-created the user")

	// Bob is untouched; deleting again is no error.
	h.loginDiscoverable(other, other.creds[0])
	require.NoError(t, h.rp.DeleteUserRecords(ctx, email))
	require.NoError(t, h.rp.DeleteUserRecords(ctx, "nobody@example.com"))
	assert.ErrorIs(t, h.rp.DeleteUserRecords(ctx, ""), passkey.ErrInvalidRequest)

	// The address may sign up again, as a new account with a new handle.
	fresh := h.authenticator()
	sess := h.newUser(fresh, email)
	assert.NotEqual(t, a.creds[0].userHandle, fresh.creds[0].userHandle)
	assert.Len(t, h.list(sess.IDToken), 1)
}

func ExampleRelyingParty_RevokeUser() {
	dir, _ := os.MkdirTemp("", "passkey-example")
	defer os.RemoveAll(dir)
	rp, pool := exampleRP(dir)
	defer pool.Close()
	ctx := context.Background()
	seedPasswordUser(pool, "grace@example.com", "Old-Password-1")
	res, err := rp.SignInWithPassword(ctx, "grace@example.com", "Old-Password-1")
	if err != nil {
		log.Fatal(err)
	}

	// The back office decided the account was taken over: its passkeys
	// are revoked, its refresh tokens and grants end.
	if err := rp.RevokeUser(ctx, "grace@example.com"); err != nil {
		log.Fatal(err)
	}
	_, err = rp.BeginRegistration(ctx, res.Grant)
	fmt.Println(errors.Is(err, passkey.ErrNotAuthorized))
	// Output: true
}

func ExampleRelyingParty_DeleteUserRecords() {
	dir, _ := os.MkdirTemp("", "passkey-example")
	defer os.RemoveAll(dir)
	rp, pool := exampleRP(dir)
	defer pool.Close()
	ctx := context.Background()
	seedPasswordUser(pool, "grace@example.com", "Old-Password-1")

	// The service deletes the user from Cognito, then the relying
	// party's records of it. Both steps may be repeated.
	if _, err := pool.Client().AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{
		UserPoolId: aws.String(pool.UserPoolID()), Username: aws.String("grace@example.com"),
	}); err != nil {
		log.Fatal(err)
	}
	if err := rp.DeleteUserRecords(ctx, "grace@example.com"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted")
	// Output: deleted
}
