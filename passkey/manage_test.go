package passkey_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/passkey"
	"github.com/passkeybridge/bridge/passkey/mail"
	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

// listed is one entry of passkeys/list as the page reads it.
type listed struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Created        time.Time `json:"created"`
	LastUsed       time.Time `json:"lastUsed"`
	Transports     []string  `json:"transports"`
	BackupEligible bool      `json:"backupEligible"`
	BackupState    bool      `json:"backupState"`
	Authenticator  string    `json:"authenticator"`
}

// list calls passkeys/list with idToken, which must succeed.
func (h *harness) list(idToken string) []listed {
	h.t.Helper()
	r := h.post("passkeys/list", map[string]any{}, bearer(idToken)...)
	require.Equal(h.t, http.StatusOK, r.status, "%s", r.body)
	var out struct {
		Passkeys []listed `json:"passkeys"`
	}
	require.NoError(h.t, json.Unmarshal(r.body, &out))
	require.NotNil(h.t, out.Passkeys, "an empty list is [], not null")
	return out.Passkeys
}

func (h *harness) rename(idToken, id, name string) reply {
	h.t.Helper()
	return h.post("passkeys/rename", map[string]string{"id": id, "name": name}, bearer(idToken)...)
}

func (h *harness) deletePasskey(idToken, id string) reply {
	h.t.Helper()
	return h.post("passkeys/delete", map[string]string{"id": id}, bearer(idToken)...)
}

// addPasskey registers another passkey of a for a user with passkeys,
// stepping up with a fresh login of one of them, and returns the new
// credential and the session.
func (h *harness) addPasskey(a *softAuthenticator, email string) (*softCred, *cognitobridge.Session) {
	h.t.Helper()
	s := h.loginWithName(a, email)
	require.NotEmpty(h.t, s.Grant, "a passkey login earns a step-up grant")
	sess := h.register(a, s.Grant)
	h.mail(email) // the notice of the passkey added
	return a.creds[len(a.creds)-1], sess
}

// notice returns the next mail to addr, which must come.
func (h *harness) notice(addr string) mailtest.Received {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := h.smtp.Wait(ctx, addr)
	require.NoError(h.t, err)
	return m
}

// adminCognito runs an administrator's call against the emulator.
func (h *harness) adminCognito(f func(ctx context.Context, c *cip.Client, pool *string) error) {
	h.t.Helper()
	require.NoError(h.t, f(context.Background(), h.cognito.Client(), aws.String(h.cognito.UserPoolID())))
}

func (h *harness) setEmailVerified(username string, verified bool) {
	h.t.Helper()
	v := "false"
	if verified {
		v = "true"
	}
	h.adminCognito(func(ctx context.Context, c *cip.Client, pool *string) error {
		_, err := c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
			UserPoolId: pool, Username: aws.String(username),
			UserAttributes: []types.AttributeType{{Name: aws.String("email_verified"), Value: aws.String(v)}},
		})
		return err
	})
}

func TestListPasskeys(t *testing.T) {
	h := newHarness(t)
	const email = "ada@example.com"
	a := h.authenticator()
	a.backupEligible, a.backupState = true, true
	sess := h.newUser(a, email)
	first := a.creds[0]

	got := h.list(sess.IDToken)
	require.Len(t, got, 1)
	p := got[0]
	assert.Equal(t, b64u(first.id), p.ID, "the ID is the browser's credential.id")
	assert.Empty(t, p.Name, "no name until the user gives one")
	assert.Equal(t, []string{"internal"}, p.Transports)
	assert.True(t, p.BackupEligible)
	assert.True(t, p.BackupState)
	assert.Empty(t, p.Authenticator, "an all-zero AAGUID names no provider")
	assert.WithinDuration(t, h.clock.Now(), p.Created, time.Second)

	// A second passkey, added after a step-up, comes after the first; a
	// login shows as its last use.
	h.clock.Advance(time.Minute)
	second, sess2 := h.addPasskey(a, email)
	got = h.list(sess2.IDToken)
	require.Len(t, got, 2)
	assert.Equal(t, []string{b64u(first.id), b64u(second.id)}, []string{got[0].ID, got[1].ID})
	assert.True(t, got[0].Created.Before(got[1].Created))
	assert.False(t, got[0].LastUsed.IsZero(), "the step-up login used the first passkey")

	// A well-known AAGUID names the provider. The soft authenticator
	// reports zeros, so this record is stored as one from 1Password would be.
	rec, err := h.creds.UserByName(context.Background(), email)
	require.NoError(t, err)
	onePassword := []byte{0xba, 0xda, 0x55, 0x66, 0xa7, 0xaa, 0x40, 0x1f, 0xbd, 0x96, 0x45, 0x61, 0x9a, 0x55, 0x12, 0x0d}
	require.NoError(t, h.creds.AddCredential(context.Background(), email, rec.Handle, rec.Sub, passkey.Credential{
		ID: []byte("third-credential"), PublicKey: rec.Credentials[0].PublicKey, AAGUID: onePassword,
		Transports: []string{"hybrid", "internal"}, Created: h.clock.Now().Add(time.Minute),
	}))
	got = h.list(sess2.IDToken)
	require.Len(t, got, 3)
	assert.Equal(t, "1Password", got[2].Authenticator)
	assert.Equal(t, []string{"hybrid", "internal"}, got[2].Transports)

	// The answer holds nothing secret of the passkeys.
	r := h.post("passkeys/list", map[string]any{}, bearer(sess2.IDToken)...)
	for _, leak := range []string{"publicKey", "signCount", "aaguid", "handle"} {
		assert.NotContains(t, strings.ToLower(string(r.body)), strings.ToLower(leak))
	}

	// A user without passkeys lists none.
	fresh := h.signUp("bob@example.com")
	assert.Empty(t, h.list(fresh.Session.IDToken))
}

func TestRenamePasskey(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.authenticator(), h.authenticator()
	aliceSess := h.newUser(alice, "alice@example.com")
	bobSess := h.newUser(bob, "bob@example.com")
	aliceID, bobID := b64u(alice.creds[0].id), b64u(bob.creds[0].id)

	r := h.rename(aliceSess.IDToken, aliceID, "  Work laptop  ")
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	assert.Equal(t, "Work laptop", h.list(aliceSess.IDToken)[0].Name, "trimmed")

	for _, tt := range []struct {
		name, id, newName string
		status            int
		code              string
	}{
		{"too long", aliceID, strings.Repeat("é", passkey.MaxPasskeyNameLength+1), http.StatusBadRequest, "invalid_request"},
		{"control character", aliceID, "Work\nlaptop", http.StatusBadRequest, "invalid_request"},
		{"bidi override", aliceID, "pot\u202eeyb", http.StatusBadRequest, "invalid_request"},
		{"not base64url", "not an id!", "x", http.StatusBadRequest, "invalid_request"},
		{"unknown passkey", b64u([]byte("no such credential")), "x", http.StatusUnauthorized, "unknown_credential"},
		{"another user's passkey", bobID, "Mine now", http.StatusUnauthorized, "unknown_credential"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := h.rename(aliceSess.IDToken, tt.id, tt.newName)
			assert.Equal(t, tt.status, r.status, "%s", r.body)
			assert.Equal(t, tt.code, r.errorCode())
		})
	}
	assert.Equal(t, "Work laptop", h.list(aliceSess.IDToken)[0].Name, "refused renames changed nothing")
	assert.Empty(t, h.list(bobSess.IDToken)[0].Name, "bob's passkey kept its name")

	// Up to the limit is fine, and "" clears the name.
	r = h.rename(aliceSess.IDToken, aliceID, strings.Repeat("é", passkey.MaxPasskeyNameLength))
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	r = h.rename(aliceSess.IDToken, aliceID, "")
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	assert.Empty(t, h.list(aliceSess.IDToken)[0].Name)
}

func TestDeletePasskey(t *testing.T) {
	h := newHarness(t)
	const email = "ada@example.com"
	a := h.authenticator()
	h.newUser(a, email)
	first := a.creds[0]
	second, sess := h.addPasskey(a, email)
	require.Equal(t, http.StatusNoContent, h.rename(sess.IDToken, b64u(first.id), "Old phone").status)

	r := h.deletePasskey(sess.IDToken, b64u(first.id))
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)

	got := h.list(sess.IDToken)
	require.Len(t, got, 1)
	assert.Equal(t, b64u(second.id), got[0].ID)
	assert.Equal(t, 1, h.storedCredentials(email))

	// The address is told, with the passkey's name.
	notice := h.notice(email)
	assert.Contains(t, notice.Subject, "removed")
	assert.Contains(t, notice.Text, "Old phone")

	// The deleted passkey signs in no more; the other still does.
	b := h.begin("discoverable/begin", map[string]any{})
	r = h.post("discoverable/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, first)))
	assert.Equal(t, http.StatusUnauthorized, r.status, "%s", r.body)
	h.loginDiscoverable(a, second)

	// Deleting it again, or a made-up ID, finds nothing.
	r = h.deletePasskey(sess.IDToken, b64u(first.id))
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "unknown_credential", r.errorCode())
}

func TestDeleteAnotherUsersPasskey(t *testing.T) {
	h := newHarness(t)
	mallory, victim := h.authenticator(), h.authenticator()
	mallorySess := h.newUser(mallory, "mallory@example.com")
	h.newUser(victim, "victim@example.com")
	h.addPasskey(victim, "victim@example.com")
	victimID := b64u(victim.creds[0].id)

	r := h.deletePasskey(mallorySess.IDToken, victimID)
	assert.Equal(t, http.StatusUnauthorized, r.status, "%s", r.body)
	assert.Equal(t, "unknown_credential", r.errorCode())

	assert.Equal(t, 2, h.storedCredentials("victim@example.com"), "the victim keeps both passkeys")
	assert.Equal(t, 1, h.storedCredentials("mallory@example.com"), "mallory's own passkey is untouched")
	h.loginDiscoverable(victim, victim.creds[0])
}

// TestDeleteLastPasskey: the last passkey of an account without a
// password goes only when Cognito holds the address as verified, so that
// an emailed code can still bring the owner in.
func TestDeleteLastPasskey(t *testing.T) {
	t.Run("passkey-only account, verified address", func(t *testing.T) {
		h := newHarness(t)
		a := h.authenticator()
		sess := h.newUser(a, "ada@example.com")
		r := h.deletePasskey(sess.IDToken, b64u(a.creds[0].id))
		require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
		assert.Zero(t, h.storedCredentials("ada@example.com"))
		assert.Contains(t, h.notice("ada@example.com").Subject, "removed")
		// And the address signs in again, by mail.
		s := h.signUp("ada@example.com")
		assert.Equal(t, sess.Sub, s.Session.Sub, "the same account")
	})

	t.Run("passkey-only account, unverified address", func(t *testing.T) {
		h := newHarness(t)
		a := h.authenticator()
		h.newUser(a, "ada@example.com")
		second, sess := h.addPasskey(a, "ada@example.com")
		h.setEmailVerified("ada@example.com", false)

		// All but the last may go.
		r := h.deletePasskey(sess.IDToken, b64u(a.creds[0].id))
		require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
		r = h.deletePasskey(sess.IDToken, b64u(second.id))
		assert.Equal(t, http.StatusConflict, r.status, "%s", r.body)
		assert.Equal(t, "last_passkey", r.errorCode())

		assert.Equal(t, 1, h.storedCredentials("ada@example.com"))
		h.loginDiscoverable(a, second)
	})

	t.Run("password account", func(t *testing.T) {
		h := newHarness(t)
		const email, password = "pat@example.com", "Correct-Horse-1-Battery"
		_, err := h.cognito.AddUser(email, password, map[string]string{"email": email, "email_verified": "false"})
		require.NoError(t, err)
		s := h.passwordSignIn(email, password)
		a := h.authenticator()
		sess := h.register(a, s.Grant)

		r := h.deletePasskey(sess.IDToken, b64u(a.creds[0].id))
		require.Equal(t, http.StatusNoContent, r.status, "the password is a way in: %s", r.body)
		assert.Zero(t, h.storedCredentials(email))
		h.passwordSignIn(email, password)
	})
}

// TestManageNeedsTheAccountsOwnToken: management takes a valid ID token
// of the Cognito user as it is now. Every other token manages nothing.
func TestManageNeedsTheAccountsOwnToken(t *testing.T) {
	h := newHarness(t)
	const email = "ada@example.com"
	a := h.authenticator()
	sess := h.newUser(a, email)
	id := b64u(a.creds[0].id)

	routes := map[string]any{
		"passkeys/list":   map[string]any{},
		"passkeys/rename": map[string]string{"id": id, "name": "x"},
		"passkeys/delete": map[string]string{"id": id},
	}
	try := func(t *testing.T, wantStatus int, wantCode string, headers ...string) {
		t.Helper()
		for route, body := range routes {
			r := h.post(route, body, headers...)
			assert.Equal(t, wantStatus, r.status, "%s: %s", route, r.body)
			assert.Equal(t, wantCode, r.errorCode(), route)
		}
		assert.Equal(t, 1, h.storedCredentials(email))
	}

	t.Run("no token", func(t *testing.T) { try(t, http.StatusUnauthorized, "not_authorized") })
	t.Run("not a bearer token", func(t *testing.T) {
		try(t, http.StatusUnauthorized, "not_authorized", "Authorization", "Basic YWRhOnB3")
	})
	t.Run("forged token", func(t *testing.T) {
		forged := sess.IDToken[:len(sess.IDToken)-4] + "AAAA"
		try(t, http.StatusUnauthorized, "not_authorized", bearer(forged)...)
	})
	t.Run("access token", func(t *testing.T) { try(t, http.StatusUnauthorized, "not_authorized", bearer(sess.AccessToken)...) })
	t.Run("disabled user", func(t *testing.T) {
		h.disable(email)
		t.Cleanup(func() {
			h.adminCognito(func(ctx context.Context, c *cip.Client, pool *string) error {
				_, err := c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: pool, Username: aws.String(email)})
				return err
			})
		})
		try(t, http.StatusForbidden, "user_disabled", bearer(sess.IDToken)...)
	})
	assert.Equal(t, id, h.list(sess.IDToken)[0].ID, "the owner's own token still works")
	h.noSecrets(sess.IDToken, sess.AccessToken, sess.RefreshToken, sess.IDToken[:len(sess.IDToken)-4])
}

// failingMail fails the mails whose subject holds fail, and sends the
// others.
type failingMail struct {
	next mail.Mailer
	fail string
}

func (f failingMail) Send(ctx context.Context, m mail.Message) error {
	if strings.Contains(m.Subject, f.fail) {
		return errors.New("mail: the server refused the message")
	}
	return f.next.Send(ctx, m)
}

// TestNoticeFailureKeepsTheChange: a notice that cannot be sent is
// logged; the deletion it tells of stands.
func TestNoticeFailureKeepsTheChange(t *testing.T) {
	h := newHarness(t, func(cfg *passkey.Config) { cfg.Mailer = failingMail{next: cfg.Mailer, fail: "removed"} })
	const email = "ada@example.com"
	a := h.authenticator()
	h.newUser(a, email)
	_, sess := h.addPasskey(a, email)

	r := h.deletePasskey(sess.IDToken, b64u(a.creds[0].id))
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	assert.Equal(t, 1, h.storedCredentials(email))
	assert.Contains(t, h.logs.String(), "notice mail failed")
}

func ExampleRelyingParty_ListPasskeys() {
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

	// The page sends the session's ID token (Authorization: Bearer on
	// passkeys/list); another HTTP stack calls the method.
	list, err := rp.ListPasskeys(ctx, res.Session.IDToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(list), "passkeys")

	_, err = rp.ListPasskeys(ctx, "not a token")
	fmt.Println(errors.Is(err, passkey.ErrNotAuthorized))
	// Output:
	// 0 passkeys
	// true
}

// TestManageOnEveryPoolType: management and the admin API find the user
// by the ID token's address on every kind of pool, also where Cognito's
// username is a UUID or differs from the address.
func TestManageOnEveryPoolType(t *testing.T) {
	for _, pt := range testtools.PoolTypes {
		t.Run(pt.Name, func(t *testing.T) {
			h := newHarnessOn(t, pt)
			ctx := context.Background()
			const email = "ada@example.com"
			a := h.authenticator()
			h.newUser(a, email)
			second, sess := h.addPasskey(a, email)

			list := h.list(sess.IDToken)
			require.Len(t, list, 2)
			require.Equal(t, http.StatusNoContent, h.rename(sess.IDToken, b64u(second.id), "Phone").status)
			require.Equal(t, http.StatusNoContent, h.deletePasskey(sess.IDToken, b64u(a.creds[0].id)).status)
			list = h.list(sess.IDToken)
			require.Len(t, list, 1)
			assert.Equal(t, "Phone", list[0].Name)

			require.NoError(t, h.rp.RevokeUser(ctx, email))
			h.signsInNowhere(t, a, email)
			_, err := h.store.Refresh(ctx, sess.Username, sess.RefreshToken)
			assert.Error(t, err, "signed out everywhere")

			h.deleteUser(email)
			require.NoError(t, h.rp.DeleteUserRecords(ctx, email))
			_, err = h.creds.UserByName(ctx, email)
			assert.ErrorIs(t, err, passkey.ErrNotFound)
		})
	}
}

// TestDeleteLastTwoAtOnce: two deletions racing for the last two passkeys
// of an account without another way in cannot both win.
func TestDeleteLastTwoAtOnce(t *testing.T) {
	h := newHarness(t)
	const email = "ada@example.com"
	a := h.authenticator()
	h.newUser(a, email)
	_, sess := h.addPasskey(a, email)
	h.setEmailVerified(email, false)

	statuses := make(chan int, 2)
	var wg sync.WaitGroup
	for _, c := range a.creds {
		wg.Go(func() {
			// h.post's require calls must stay on the test goroutine.
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/passkey/passkeys/delete",
				strings.NewReader(fmt.Sprintf(`{"id":%q}`, b64u(c.id))))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+sess.IDToken)
			resp, err := h.newBrowser().Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			_ = resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	var got []int
	for s := range statuses {
		got = append(got, s)
	}
	assert.ElementsMatch(t, []int{http.StatusNoContent, http.StatusConflict}, got)
	assert.Equal(t, 1, h.storedCredentials(email))
}
