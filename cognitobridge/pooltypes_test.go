package cognitobridge_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
)

// strictest is the most demanding policy a pool can have: the store's
// generated passwords must pass it.
var strictest = &cognitotest.PasswordPolicy{MinimumLength: 99, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true}

// Every flow of the store on every pool type of the one table: the user
// types the address in a case of their own, and the store must find,
// create, sign in, refresh and sign out the one Cognito user that address
// belongs to, whatever Cognito calls it.
func TestPoolTypes(t *testing.T) {
	for _, pt := range testtools.PoolTypes {
		t.Run(pt.Name, func(t *testing.T) {
			t.Run("first login and after", func(t *testing.T) { testPoolFirstLogin(t, pt) })
			t.Run("legacy password user", func(t *testing.T) { testPoolLegacyUser(t, pt) })
			t.Run("half-created user", func(t *testing.T) { testPoolHalfCreated(t, pt) })
			t.Run("unproven address", func(t *testing.T) { testPoolUnproven(t, pt) })
			t.Run("provider token", func(t *testing.T) { testPoolProviderToken(t, pt) })
		})
	}
}

func poolEnv(t *testing.T, pt testtools.PoolType, opts ...envOption) *env {
	return newEnv(t, append([]envOption{withPoolType(pt), func(c *envConfig) {
		c.pool.SkipIDTokenCheck = false
		c.pool.Server.PasswordPolicy = strictest
	}}, opts...)...)
}

// typed is how the user types their address; stored is how the store
// should hold it after Normalize.
func typedAddress(pt testtools.PoolType) (typed, stored string) {
	if pt.CaseSensitive {
		return "Carol@Example.com", "Carol@Example.com"
	}
	return "Carol@Example.com", "carol@example.com"
}

func testPoolFirstLogin(t *testing.T, pt testtools.PoolType) {
	e := poolEnv(t, pt)
	ctx := context.Background()
	typed, want := typedAddress(pt)
	name, err := e.store.Normalize(typed)
	require.NoError(t, err)
	assert.Equal(t, want, name)

	u, err := e.store.Status(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, cognitobridge.StatusNotExists, u.Status)

	sess, err := e.store.Login(ctx, name, cognitobridge.CreateOptions{EmailVerified: true})
	require.NoError(t, err)
	e.session(sess)
	users := e.srv.Users()
	require.Len(t, users, 1)
	cu := users[0]
	assert.Equal(t, cu.Sub, sess.Sub)
	assert.Equal(t, cu.Username, sess.Username, "Session.Username is Cognito's username")
	assert.Equal(t, name, sess.Email)
	assert.Equal(t, name, cu.Attributes["email"])
	assert.Equal(t, "true", cu.Attributes["email_verified"])
	assert.Equal(t, types.UserStatusTypeConfirmed, cu.Status, "the 99-character password passed the strictest policy")
	switch {
	case len(pt.UsernameAttributes) > 0:
		assert.Equal(t, cu.Sub, cu.Username, "email-username pools name users by their sub")
	case len(pt.AliasAttributes) > 0:
		assert.NotEqual(t, name, cu.Username, "alias pools refuse the address as username")
	default:
		assert.Equal(t, name, cu.Username)
	}

	// Whatever the case typed next time (where the pool allows it), the
	// same user signs in and nobody is created.
	again := []string{name}
	if !pt.CaseSensitive {
		again = append(again, "CAROL@EXAMPLE.COM", "carol@example.com")
	}
	for _, typed := range again {
		n, err := e.store.Normalize(typed)
		require.NoError(t, err)
		s2, err := e.store.Login(ctx, n, cognitobridge.CreateOptions{EmailVerified: true})
		require.NoError(t, err, typed)
		e.session(s2)
		assert.Equal(t, sess.Sub, s2.Sub)
	}
	assert.Len(t, e.srv.Users(), 1)

	st, err := e.store.Status(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, cognitobridge.StatusExists, st.Status)
	assert.True(t, st.CreatedByProvider)
	assert.True(t, st.EmailVerified)
	assert.Equal(t, cu.Username, st.Username)
	assert.Equal(t, cu.Sub, st.Sub)

	// Refresh by Cognito's username: one call. By the address: SECRET_HASH
	// over the address is wrong where the username differs, and the store
	// finds the right name itself.
	e.srv.ResetCalls()
	next, err := e.store.Refresh(ctx, sess.Username, sess.RefreshToken)
	require.NoError(t, err)
	e.session(next)
	assert.Equal(t, 1, e.srv.Calls(""))
	assert.Equal(t, sess.Sub, next.Sub)
	next, err = e.store.Refresh(ctx, name, sess.RefreshToken)
	require.NoError(t, err)
	e.session(next)
	assert.Equal(t, sess.Username, next.Username)

	require.NoError(t, e.store.SignOut(ctx, next.AccessToken))
	_, err = e.store.Refresh(ctx, sess.Username, sess.RefreshToken)
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)

	s3, err := e.store.StartSession(ctx, name)
	require.NoError(t, err)
	e.session(s3)
	require.NoError(t, e.store.AdminSignOut(ctx, name))
	_, err = e.store.Refresh(ctx, s3.Username, s3.RefreshToken)
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized, "AdminSignOut by address ends the session")
}

func testPoolLegacyUser(t *testing.T, pt testtools.PoolType) {
	e := poolEnv(t, pt)
	ctx := context.Background()
	const legacy = "Bob@Example.com"
	pw := strings.Repeat("Horse-9-", 13) // passes the strictest policy too
	internal := e.pool.PasswordUser(t, legacy, pw)
	e.secret(pw)

	typed := []string{legacy}
	if !pt.CaseSensitive {
		typed = append(typed, "bob@example.com", " BOB@example.COM ")
	}
	for _, in := range typed {
		name, err := e.store.Normalize(in)
		require.NoError(t, err)
		u, err := e.store.Status(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, cognitobridge.StatusExists, u.Status, in)
		assert.False(t, u.CreatedByProvider)
		assert.Equal(t, internal, u.Username)

		ok, err := e.store.VerifyPassword(ctx, name, pw)
		require.NoError(t, err)
		assert.True(t, ok, in)
		ok, err = e.store.VerifyPassword(ctx, name, wrongPW)
		require.NoError(t, err)
		assert.False(t, ok)

		sess, err := e.store.SignInWithPassword(ctx, name, pw)
		require.NoError(t, err, in)
		e.session(sess)
		assert.Equal(t, internal, sess.Username)
		assert.Equal(t, u.Sub, sess.Sub)
		_, err = e.store.SignInWithPassword(ctx, name, wrongPW)
		require.ErrorIs(t, err, cognitobridge.ErrWrongPassword)

		sess, err = e.store.Login(ctx, name, cognitobridge.CreateOptions{EmailVerified: true})
		require.NoError(t, err, in)
		e.session(sess)
		assert.Equal(t, u.Sub, sess.Sub, "the passkey login reaches the legacy user")
	}
	assert.Len(t, e.srv.Users(), 1, "no second user for the legacy address")
	assert.Equal(t, 0, e.srv.Calls("AdminSetUserPassword"), "the legacy password is kept")
}

// A CreateUser that died between AdminCreateUser and AdminSetUserPassword
// left the user in FORCE_CHANGE_PASSWORD; Cognito answers its custom
// challenge with NEW_PASSWORD_REQUIRED, and Login repairs it.
func testPoolHalfCreated(t *testing.T, pt testtools.PoolType) {
	e := poolEnv(t, pt)
	ctx := context.Background()
	_, name := typedAddress(pt)
	e.srv.FailNext("AdminSetUserPassword", 100, cognitotest.FaultInternal)
	_, err := e.store.CreateUser(ctx, name, cognitobridge.CreateOptions{EmailVerified: true})
	require.ErrorIs(t, err, cognitobridge.ErrUnavailable)
	e.srv.ClearFaults()
	users := e.srv.Users()
	require.Len(t, users, 1)
	require.Equal(t, types.UserStatusTypeForceChangePassword, users[0].Status)

	sess, err := e.store.Login(ctx, name, cognitobridge.CreateOptions{EmailVerified: true})
	require.NoError(t, err)
	e.session(sess)
	users = e.srv.Users()
	require.Len(t, users, 1)
	assert.Equal(t, types.UserStatusTypeConfirmed, users[0].Status)
	assert.Equal(t, users[0].Sub, sess.Sub)

	// Someone else's invited user in FORCE_CHANGE_PASSWORD (no provider
	// attribute) is not the store's to repair.
	invited := "invited@example.com"
	e.pool.AddUser(t, invited, "", map[string]string{"email_verified": "true"})
	e.srv.ResetCalls()
	_, err = e.store.Login(ctx, invited, cognitobridge.CreateOptions{EmailVerified: true})
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	assert.Equal(t, 0, e.srv.Calls("AdminSetUserPassword"))
}

// Without a proof the user is created with email_verified unset; on alias
// pools, where an unverified address is no alias and the next Login could
// not find the user, nobody is created.
func testPoolUnproven(t *testing.T, pt testtools.PoolType) {
	e := poolEnv(t, pt)
	ctx := context.Background()
	_, name := typedAddress(pt)
	u, err := e.store.CreateUser(ctx, name, cognitobridge.CreateOptions{})
	if len(pt.AliasAttributes) > 0 {
		require.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
		assert.Empty(t, e.srv.Users(), "nothing half-made")
		return
	}
	require.NoError(t, err)
	assert.False(t, u.EmailVerified)
	users := e.srv.Users()
	require.Len(t, users, 1)
	assert.NotEqual(t, "true", users[0].Attributes["email_verified"])
	sess, err := e.store.Login(ctx, name, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.session(sess)
	assert.Len(t, e.srv.Users(), 1)
}

func testPoolProviderToken(t *testing.T, pt testtools.PoolType) {
	e := poolEnv(t, pt, withProviderTriggers(t), withAnswerVerifier)
	ctx := context.Background()
	_, name := typedAddress(pt)
	token := "provider-token-for:" + name
	sess, err := e.store.LoginWithAnswer(ctx, name, token, cognitobridge.CreateOptions{EmailVerified: true})
	require.NoError(t, err)
	e.session(sess)
	assert.Equal(t, name, sess.Email)
	sess, err = e.store.StartSessionWithAnswer(ctx, name, token)
	require.NoError(t, err)
	e.session(sess)
	_, err = e.store.LoginWithAnswer(ctx, "mallory@example.com", token, cognitobridge.CreateOptions{EmailVerified: true})
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	assert.Len(t, e.srv.Users(), 1)
}
