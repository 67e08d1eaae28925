package passkey_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/passkey"
)

// deleteUser deletes a Cognito user, as an administrator does.
func (h *harness) deleteUser(username string) {
	h.t.Helper()
	_, err := h.cognito.Client().AdminDeleteUser(context.Background(), &cip.AdminDeleteUserInput{
		UserPoolId: aws.String(h.cognito.UserPoolID()),
		Username:   aws.String(username),
	})
	require.NoError(h.t, err)
}

func TestPasskeyOfAGoneUser(t *testing.T) {
	// The user is deleted, then re-created for its owner (a new sub): the
	// old passkey signs in to neither, creates nothing, and is revoked.
	h := newHarness(t)
	const u = "gone@example.com"
	a := h.authenticator()
	first := h.newUser(a, u)
	h.deleteUser(u)

	b := h.begin("discoverable/begin", "{}")
	r := h.post("discoverable/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "passkey_revoked", r.errorCode())
	st, err := h.store.Status(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, "not_exists", string(st.Status), "passkey login never creates a user")
	assert.Equal(t, 0, h.storedCredentials(u))

	// The owner gets the address back with a proof; the old passkey still
	// signs in nowhere.
	s := h.signUp(u)
	assert.NotEqual(t, h.validClaims(first).Subject, h.validClaims(s.Session).Subject)
	assert.False(t, s.Recovery, "the revoked passkey does not count")
	b = h.begin("discoverable/begin", "{}")
	r = h.post("discoverable/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
	assert.Equal(t, "passkey_revoked", r.errorCode())

	fresh := h.authenticator()
	h.register(fresh, s.Grant)
	got := h.loginWithName(fresh, u)
	assert.Equal(t, h.validClaims(s.Session).Subject, h.validClaims(got.Session).Subject)
	rec, err := h.creds.UserByName(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, h.validClaims(s.Session).Subject, rec.Sub)
}

func TestPasskeyOfARecreatedUser(t *testing.T) {
	// Re-created behind the relying party's back: another sub under the
	// same address. The old passkey is refused and revoked.
	h := newHarness(t)
	const u = "again@example.com"
	a := h.authenticator()
	h.newUser(a, u)
	h.deleteUser(u)
	h.passwordUser(u, "Pass-word-123")

	b := h.begin("login/begin", map[string]string{"username": u})
	r := h.post("login/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
	assert.Equal(t, "passkey_revoked", r.errorCode())
	assert.NotContains(t, string(r.body), "idToken")
	assert.Equal(t, 0, h.storedCredentials(u))
	// The password user now gets a grant for a first passkey of its own.
	assert.NotEmpty(t, h.passwordSignIn(u, "Pass-word-123").Grant)
}

func TestRecordWithoutSubMigrates(t *testing.T) {
	// A record written before passkeys were bound has no sub; its next
	// login stores the sub of the user it signs in.
	h := newHarness(t)
	const u = "old@example.com"
	a := h.authenticator()
	sess := h.newUser(a, u)
	require.NoError(t, h.creds.UpdateUser(context.Background(), u, func(rec *passkey.User) error {
		rec.Sub = ""
		return nil
	}))
	rec, err := h.creds.UserByName(context.Background(), u)
	require.NoError(t, err)
	require.Empty(t, rec.Sub)

	h.loginDiscoverable(a, nil)
	rec, err = h.creds.UserByName(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, h.validClaims(sess).Subject, rec.Sub)
}

func TestBackupEligibleRises(t *testing.T) {
	// iCloud Keychain registers with BE=0 and asserts with BE=1 once it
	// synced: the login works and the flags are stored. BE falling back,
	// or BS=1 with BE=0, is refused.
	h := newHarness(t)
	const u = "icloud@example.com"
	a := h.authenticator()
	h.newUser(a, u)
	rec, err := h.creds.UserByName(context.Background(), u)
	require.NoError(t, err)
	require.False(t, rec.Credentials[0].BackupEligible)

	a.creds[0].be, a.creds[0].bs = true, true
	h.loginWithName(a, u)
	rec, err = h.creds.UserByName(context.Background(), u)
	require.NoError(t, err)
	assert.True(t, rec.Credentials[0].BackupEligible)
	assert.True(t, rec.Credentials[0].BackupState)
	h.loginDiscoverable(a, nil)

	a.creds[0].be, a.creds[0].bs = false, false
	b := h.begin("login/begin", map[string]string{"username": u})
	r := h.post("login/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
	assert.Equal(t, "verification_failed", r.errorCode(), "BE 1→0")

	a.creds[0].be, a.creds[0].bs = false, true
	b = h.begin("login/begin", map[string]string{"username": u})
	r = h.post("login/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
	assert.Equal(t, "verification_failed", r.errorCode(), "BS=1 with BE=0")
}

func TestSignOutEndsGrants(t *testing.T) {
	h := newHarness(t)
	const u = "out@example.com"
	a := h.authenticator()
	h.newUser(a, u)
	held := h.loginWithName(a, u)
	other := h.loginWithName(a, u)

	r := h.post("signout", "", bearer(held.Session.AccessToken)...)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	for _, g := range []string{held.Grant, other.Grant} {
		r = h.post("registration/begin", map[string]string{"grant": g})
		assert.Equal(t, "not_authorized", r.errorCode(), "%s", r.body)
	}
	_, err := h.store.Refresh(context.Background(), held.Session.Username, held.Session.RefreshToken)
	assert.Error(t, err, "the refresh token is revoked")

	// Signing out again, with the revoked token, succeeds.
	r = h.post("signout", "", bearer(held.Session.AccessToken)...)
	assert.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	// A value that is no access token does not.
	r = h.post("signout", "", bearer(held.Session.IDToken)...)
	assert.Equal(t, "not_authorized", r.errorCode())
	r = h.post("signout", "")
	assert.Equal(t, "not_authorized", r.errorCode())

	// A new sign-in earns a grant that works.
	fresh := h.loginWithName(a, u)
	h.register(h.authenticator(), fresh.Grant)
}

// TestEveryErrorWrapsOneSentinel walks the failure paths of every method
// and checks that each error wraps exactly one public sentinel, the one
// expected, and that the handler's status and code are that sentinel's.
func TestEveryErrorWrapsOneSentinel(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const u, pw = "walk@example.com", "Pass-word-123"
	a := h.authenticator()
	h.newUser(a, u)
	h.passwordUser("pw@example.com", pw)
	h.passwordUser("off@example.com", pw)
	h.disable("off@example.com")
	noMail := newHarness(t, func(c *passkey.Config) { c.Mailer = nil; c.LinkURL = "" })

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"start: bad address", func() error { _, err := h.rp.StartEmailProof(ctx, " ", ""); return err }, passkey.ErrInvalidRequest},
		{"start: no mailer", func() error { _, err := noMail.rp.StartEmailProof(ctx, u, ""); return err }, passkey.ErrUnavailable},
		{"verify: nothing", func() error { _, err := h.rp.VerifyEmailProof(ctx, passkey.ProofAnswer{}); return err }, passkey.ErrInvalidRequest},
		{"verify: unknown proof", func() error {
			_, err := h.rp.VerifyEmailProof(ctx, passkey.ProofAnswer{Proof: "x", Code: "12345678"})
			return err
		}, passkey.ErrProof},
		{"verify: bad link", func() error { _, err := h.rp.VerifyEmailProof(ctx, passkey.ProofAnswer{Link: "x.y"}); return err }, passkey.ErrProof},
		{"verify: disabled user", func() error {
			p, err := h.rp.StartEmailProof(ctx, "off@example.com", "")
			require.NoError(t, err)
			m := h.proofMail("off@example.com")
			_, err = h.rp.VerifyEmailProof(ctx, passkey.ProofAnswer{Proof: p.Proof, Code: m.code})
			return err
		}, passkey.ErrUserDisabled},
		{"register: no grant", func() error { _, err := h.rp.BeginRegistration(ctx, ""); return err }, passkey.ErrStepUpRequired},
		{"register: bad grant", func() error { _, err := h.rp.BeginRegistration(ctx, "nope"); return err }, passkey.ErrNotAuthorized},
		{"register: bad ceremony", func() error { _, err := h.rp.FinishRegistration(ctx, "nope", []byte(`{}`)); return err }, passkey.ErrCeremony},
		{"login: bad name", func() error { _, err := h.rp.BeginLogin(ctx, "no address"); return err }, passkey.ErrInvalidRequest},
		{"login: no passkeys", func() error { _, err := h.rp.BeginLogin(ctx, "pw@example.com"); return err }, passkey.ErrNoPasskeys},
		{"login: bad ceremony", func() error { _, err := h.rp.FinishLogin(ctx, "nope", []byte(`{}`)); return err }, passkey.ErrCeremony},
		{"login: bad assertion", func() error {
			o, err := h.rp.BeginDiscoverableLogin(ctx)
			require.NoError(t, err)
			_, err = h.rp.FinishDiscoverableLogin(ctx, o.Ceremony, []byte(`{"id":1}`))
			return err
		}, passkey.ErrInvalidRequest},
		{"password: wrong", func() error { _, err := h.rp.SignInWithPassword(ctx, "pw@example.com", "nope-nope"); return err }, passkey.ErrWrongPassword},
		{"password: unknown user", func() error { _, err := h.rp.SignInWithPassword(ctx, "who@example.com", pw); return err }, passkey.ErrWrongPassword},
		{"password: disabled", func() error { _, err := h.rp.SignInWithPassword(ctx, "off@example.com", pw); return err }, passkey.ErrUserDisabled},
		{"password: empty", func() error { _, err := h.rp.SignInWithPassword(ctx, "pw@example.com", ""); return err }, passkey.ErrInvalidRequest},
		{"signout: not a token", func() error { return h.rp.SignOut(ctx, "x") }, passkey.ErrNotAuthorized},
		{"canceled", func() error {
			c, cancel := context.WithCancel(ctx)
			cancel()
			_, err := h.rp.SignInWithPassword(c, "pw@example.com", pw)
			return err
		}, passkey.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			n := countPublic(err)
			assert.Equal(t, 1, n, "%v wraps %d sentinels", err, n)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// publicSentinels are the sentinels of which every error wraps one.
var publicSentinels = []error{
	passkey.ErrInvalidRequest, passkey.ErrCeremony, passkey.ErrVerification, passkey.ErrUnknownCredential,
	passkey.ErrSignCount, passkey.ErrStepUpRequired, passkey.ErrNotAuthorized, passkey.ErrWrongPassword,
	passkey.ErrNoPasskeys, passkey.ErrUserExists, passkey.ErrCredentialExists, passkey.ErrUserDisabled,
	passkey.ErrBusy, passkey.ErrProof, passkey.ErrOtherBrowser, passkey.ErrRevoked, passkey.ErrLastPasskey, passkey.ErrUnavailable,
	passkey.ErrInternal,
}

func countPublic(err error) int {
	n := 0
	for _, s := range publicSentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	return n
}

// failingAccounts is an AccountStore whose every call fails with err.
type failingAccounts struct{ err error }

func (f failingAccounts) Normalize(u string) (string, error) { return u, nil }
func (f failingAccounts) Status(context.Context, string) (*cognitobridge.User, error) {
	return nil, f.err
}
func (f failingAccounts) Login(context.Context, string, cognitobridge.CreateOptions) (*cognitobridge.Session, error) {
	return nil, f.err
}
func (f failingAccounts) StartSession(context.Context, string) (*cognitobridge.Session, error) {
	return nil, f.err
}
func (f failingAccounts) Refresh(context.Context, string, string) (*cognitobridge.Session, error) {
	return nil, f.err
}
func (f failingAccounts) SignInWithPassword(context.Context, string, string) (*cognitobridge.Session, error) {
	return nil, f.err
}
func (f failingAccounts) SignOut(context.Context, string) error      { return f.err }
func (f failingAccounts) AdminSignOut(context.Context, string) error { return f.err }

// TestCognitoErrorsMapToOneSentinel: every cognitobridge sentinel (and
// none) reaches the caller as exactly one passkey sentinel, never as an
// unnamed 500.
func TestCognitoErrorsMapToOneSentinel(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		cause error
		want  error
	}{
		{cognitobridge.ErrUnavailable, passkey.ErrUnavailable},
		{cognitobridge.ErrMisconfigured, passkey.ErrInternal},
		{cognitobridge.ErrUserDisabled, passkey.ErrUserDisabled},
		{cognitobridge.ErrUserNotFound, passkey.ErrNotAuthorized},
		{cognitobridge.ErrNotAuthorized, passkey.ErrNotAuthorized},
		{cognitobridge.ErrWrongPassword, passkey.ErrWrongPassword},
		{cognitobridge.ErrInvalidUsername, passkey.ErrInvalidRequest},
		{errors.New("cognitobridge: something new"), passkey.ErrInternal},
		{context.DeadlineExceeded, passkey.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.cause.Error(), func(t *testing.T) {
			rp, err := passkey.New(passkey.Config{
				RPID: testRPID, RPDisplayName: "Example", RPOrigins: []string{testOrigin},
				Store: failingAccounts{fmt.Errorf("wrapped: %w", tt.cause)}, Credentials: h.creds,
			})
			require.NoError(t, err)
			_, err = rp.SignInWithPassword(context.Background(), "a@example.com", "Pass-word-123")
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorIs(t, err, tt.cause, "the cause stays in the chain")
			assert.Equal(t, 1, countPublic(err), "%v", err)
			err = rp.SignOut(context.Background(), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwidG9rZW5fdXNlIjoiYWNjZXNzIn0.x")
			if !errors.Is(tt.cause, cognitobridge.ErrNotAuthorized) {
				assert.Equal(t, 1, countPublic(err), "%v", err)
			}
		})
	}
}
