package passkey_test

// The attacks of issue 12, each played end to end over HTTP the way an
// attacker would: the relying party's Handler behind httptest, the
// software authenticator, the Cognito emulator and a real SMTP server on
// loopback whose mailboxes the attacker cannot read. Each test asserts
// what the attacker ends up with (a Cognito user, a session, a refresh
// token, a stored credential, a passkey that signs in), never which step
// refused. The fifth attack (Corbado's orig claim) is played in package
// corbado.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// tryRegister registers a new passkey of a from browser as far as the
// relying party lets it: registration/begin with body and headers, and
// when that gives a ceremony, registration/finish with a fresh credential.
// It returns the last answer.
func (h *harness) tryRegister(browser *http.Client, a *softAuthenticator, body any, headers ...string) reply {
	h.t.Helper()
	r := h.postFrom(browser, "registration/begin", body, headers...)
	if r.status != http.StatusOK {
		return r
	}
	var b begun
	require.NoError(h.t, json.Unmarshal(r.body, &b))
	cred, _ := a.create(h.t, b.PublicKey)
	return h.postFrom(browser, "registration/finish", finishBody(b.Ceremony, cred))
}

// trySignIn signs in with cred of a from browser as far as the relying
// party lets it: a discoverable login, or a username login when username
// is set. It returns the finish's answer (or the begin's, if that failed).
func (h *harness) trySignIn(browser *http.Client, a *softAuthenticator, cred *softCred, username string) reply {
	h.t.Helper()
	route, body := "discoverable", map[string]string{}
	if username != "" {
		route, body = "login", map[string]string{"username": username}
	}
	r := h.postFrom(browser, route+"/begin", body)
	if r.status != http.StatusOK {
		return r
	}
	var b begun
	require.NoError(h.t, json.Unmarshal(r.body, &b))
	return h.postFrom(browser, route+"/finish", finishBody(b.Ceremony, a.get(h.t, b.PublicKey, cred)))
}

// gotNothing asserts that an answer the attacker received carries no
// session: no tokens, no grant.
func gotNothing(t *testing.T, r reply, what string) {
	t.Helper()
	var body map[string]any
	_ = json.Unmarshal(r.body, &body)
	var got []string
	for _, k := range []string{"session", "grant", "idToken", "accessToken", "refreshToken"} {
		if _, ok := body[k]; ok {
			got = append(got, k)
		}
	}
	// The body is not printed: it would put the tokens in the test log.
	assert.NotEqual(t, http.StatusOK, r.status, "%s: status 200", what)
	assert.Empty(t, got, "%s: the answer holds these", what)
}

// signsInNowhere asserts that no credential of a signs anyone in, by a
// discoverable login and by a username login as username.
func (h *harness) signsInNowhere(t *testing.T, a *softAuthenticator, username string) {
	t.Helper()
	attacker := h.newBrowser()
	for i, c := range a.creds {
		gotNothing(t, h.trySignIn(attacker, a, c, ""), fmt.Sprintf("discoverable login with credential %d", i))
		gotNothing(t, h.trySignIn(attacker, a, c, username), fmt.Sprintf("login as %s with credential %d", username, i))
	}
}

// storedIDs returns the IDs of username's usable credentials (base64url).
func (h *harness) storedIDs(username string) []string {
	h.t.Helper()
	u, err := h.creds.UserByName(context.Background(), username)
	if err != nil {
		return nil
	}
	var ids []string
	for _, c := range u.Credentials {
		if c.Revoked.IsZero() {
			ids = append(ids, b64u(c.ID))
		}
	}
	return ids
}

// holdsNoneOf asserts that no user's record holds a credential of a.
func (h *harness) holdsNoneOf(t *testing.T, a *softAuthenticator, usernames ...string) {
	t.Helper()
	for _, u := range usernames {
		for _, c := range a.creds {
			assert.NotContains(t, h.storedIDs(u), b64u(c.id), "%s's record holds the attacker's credential", u)
		}
	}
}

// adminCreateUser creates username as an administrator does for its
// owner (verified address, no invitation, a password the owner is told)
// and returns the new sub.
func (h *harness) adminCreateUser(username, password string) string {
	h.t.Helper()
	h.adminCognito(func(ctx context.Context, c *cip.Client, pool *string) error {
		_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: pool, Username: aws.String(username), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{
				{Name: aws.String("email"), Value: aws.String(username)},
				{Name: aws.String("email_verified"), Value: aws.String("true")},
			},
		})
		if err != nil {
			return err
		}
		_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: pool, Username: aws.String(username), Password: aws.String(password), Permanent: true,
		})
		return err
	})
	u, ok := h.cognito.User(username)
	require.True(h.t, ok)
	return u.Sub
}

// Attack 1a: a passkey-first sign-up for an address nobody proved. The
// attacker asks for a passkey registration in the victim's name in every
// way the routes take, asks for a proof mail to the victim's address
// (which the victim's mailbox receives) and guesses codes.
func TestAttackSquatUnprovenAddress(t *testing.T) {
	h := newHarness(t)
	const victim = "victim@example.com"
	attacker, squatter := h.newBrowser(), h.authenticator()

	for _, body := range []any{
		map[string]string{"username": victim},
		map[string]string{"username": victim, "grant": ""},
		map[string]any{},
		map[string]string{"grant": "forged-grant"},
	} {
		gotNothing(t, h.tryRegister(attacker, squatter, body), fmt.Sprintf("registration with %v", body))
	}

	r := h.postFrom(attacker, "email/start", map[string]string{"email": victim})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	var started struct{ Proof string }
	require.NoError(t, json.Unmarshal(r.body, &started))
	sent := h.mail(victim) // in the victim's mailbox: the test reads it, the attacker cannot
	for i := 0; i < 10; i++ {
		guess := fmt.Sprintf("%06d", i)
		if guess == sent.code {
			continue
		}
		r := h.postFrom(attacker, "email/verify", map[string]string{"proof": started.Proof, "code": guess})
		gotNothing(t, r, "a guessed code")
	}

	// The attacker ends with no Cognito user for the address (let alone a
	// verified one), no record, no passkey that signs in.
	u, exists := h.cognito.User(victim)
	assert.False(t, exists && u.Attributes["email_verified"] == "true", "the pool holds %s with email_verified=true", victim)
	assert.False(t, exists, "the pool holds a user for %s", victim)
	assert.Empty(t, h.storedIDs(victim))
	h.signsInNowhere(t, squatter, victim)

	// The owner signs up later as if nothing had happened, and the
	// squatter's authenticator still gets nowhere.
	owner := h.authenticator()
	h.newUser(owner, victim)
	h.signsInNowhere(t, squatter, victim)
	h.holdsNoneOf(t, squatter, victim)
}

// Attack 1b: the squatter's passkey after the owner recovers. Today's
// code let a squatter sign up passkey-first for an address it never
// proved; such a record (no sub) and Cognito user (email_verified=true,
// made by the provider) may exist. The owner recovers the account, by an
// address proof (recovery: a grant for a passkey of their own) or with a
// password (Cognito's own reset), finds the squatter's passkey in the
// list and deletes it: the squatter's passkey signs in no more.
func TestAttackSquattersPasskeyAfterRecovery(t *testing.T) {
	const victim = "victim@example.com"
	for _, tt := range []struct {
		name    string
		recover func(h *harness) *cognitobridge.Session // returns the owner's session
		keeps   int                                     // passkeys the owner has at the end
	}{
		{"by an address proof", func(h *harness) *cognitobridge.Session {
			owner := h.newBrowser()
			proofID, m := h.startProof(owner, victim)
			r := h.postFrom(owner, "email/verify", map[string]string{"proof": proofID, "code": m.code})
			require.Equal(h.t, http.StatusOK, r.status, "%s", r.body)
			var in signedIn
			require.NoError(h.t, json.Unmarshal(r.body, &in))
			require.NotEmpty(h.t, in.Grant)
			assert.True(h.t, in.Recovery, "a proof for an account with passkeys is recovery")
			assert.Contains(h.t, h.notice(victim).Subject, "recovered")

			b := h.beginFrom(owner, "registration/begin", map[string]string{"grant": in.Grant})
			cred, _ := h.authenticator().create(h.t, b.PublicKey)
			sess := h.session(h.postFrom(owner, "registration/finish", finishBody(b.Ceremony, cred)))
			h.notice(victim) // passkey added
			return sess
		}, 1},
		{"with a password", func(h *harness) *cognitobridge.Session {
			const password = "Owner-Reset-Password-1"
			h.adminCognito(func(ctx context.Context, c *cip.Client, pool *string) error {
				_, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
					UserPoolId: pool, Username: aws.String(victim), Password: aws.String(password), Permanent: true,
				})
				return err
			})
			in := h.signedIn(h.postFrom(h.newBrowser(), "password", map[string]string{"username": victim, "password": password}))
			assert.Empty(h.t, in.Grant, "a password adds no passkey to an account that has one")
			return in.Session
		}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()

			// The squatter's passkey, planted as today's code wrote it:
			// register one for an address of the squatter's, then move
			// the record to the victim's address without a sub.
			squatter := h.authenticator()
			h.newUser(squatter, "squatter@example.com")
			rec, err := h.creds.UserByName(ctx, "squatter@example.com")
			require.NoError(t, err)
			require.NoError(t, h.creds.DeleteUser(ctx, "squatter@example.com"))
			planted := rec.Credentials[0]
			require.NoError(t, h.creds.AddCredential(ctx, victim, rec.Handle, "", planted))
			_, err = h.cognito.AddUser(victim, "Unknown-Random-Password-1", map[string]string{
				"email": victim, "email_verified": "true", "custom:createdByCorbado": "true",
			})
			require.NoError(t, err)
			h.loginWithName(squatter, victim) // the squatter is in, as today

			sess := tt.recover(h)

			// The owner's list shows the squatter's passkey; the owner
			// deletes it.
			list := h.list(sess.IDToken)
			require.Len(t, list, tt.keeps+1)
			r := h.deletePasskey(sess.IDToken, b64u(planted.ID))
			require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)

			h.signsInNowhere(t, squatter, victim)
			assert.Len(t, h.storedIDs(victim), tt.keeps)
			assert.NotContains(t, h.storedIDs(victim), b64u(planted.ID))
		})
	}
}

// beginFrom is begin from another browser.
func (h *harness) beginFrom(browser *http.Client, route string, body any, headers ...string) begun {
	h.t.Helper()
	r := h.postFrom(browser, route, body, headers...)
	require.Equal(h.t, http.StatusOK, r.status, "%s: %s", route, r.body)
	var b begun
	require.NoError(h.t, json.Unmarshal(r.body, &b))
	return b
}

// Attack 2: a phished password adds a passkey to an account that has
// passkeys, with the password session's ID token as Bearer or with the
// password grant (one from before the owner's passkey, too).
func TestAttackPasswordAddsPasskey(t *testing.T) {
	h := newHarness(t)
	const email, password = "pat@example.com", "Correct-Horse-1-Battery"
	h.passwordUser(email, password)
	attacker, phisher := h.newBrowser(), h.authenticator()

	// A grant the attacker got while the account had no passkey yet.
	early := h.signedIn(h.postFrom(attacker, "password", map[string]string{"username": email, "password": password}))
	require.NotEmpty(t, early.Grant)

	// The owner migrates to a passkey.
	owner := h.authenticator()
	h.register(owner, h.passwordSignIn(email, password).Grant)
	h.notice(email)

	// The attacker signs in with the password now.
	late := h.signedIn(h.postFrom(attacker, "password", map[string]string{"username": email, "password": password}))
	assert.Empty(t, late.Grant, "a password earns no grant for an account with passkeys")

	for name, try := range map[string]func() reply{
		"the early password grant": func() reply {
			return h.tryRegister(attacker, phisher, map[string]string{"grant": early.Grant})
		},
		"the password session's ID token": func() reply {
			return h.tryRegister(attacker, phisher, map[string]any{}, bearer(late.Session.IDToken)...)
		},
		"the ID token with the username": func() reply {
			return h.tryRegister(attacker, phisher, map[string]string{"username": email}, bearer(late.Session.IDToken)...)
		},
		"the ID token with the early grant": func() reply {
			return h.tryRegister(attacker, phisher, map[string]string{"grant": early.Grant}, bearer(late.Session.IDToken)...)
		},
		"the access token": func() reply {
			return h.tryRegister(attacker, phisher, map[string]any{}, bearer(late.Session.AccessToken)...)
		},
	} {
		gotNothing(t, try(), name)
	}

	assert.Equal(t, []string{b64u(owner.creds[0].id)}, h.storedIDs(email), "the account holds the owner's passkey only")
	h.signsInNowhere(t, phisher, email)
}

// Attack 3: a session that was signed out, by the user (the signout
// route, or the app's own Store.SignOut: GlobalSignOut) or by an
// administrator (AdminUserGlobalSignOut), registers a passkey or gets a
// refresh token with what it held: the ID token, the step-up grant, the
// refresh token.
func TestAttackSignedOutSession(t *testing.T) {
	for _, tt := range []struct {
		name    string
		signOut func(h *harness, email string, held signedIn)
	}{
		{"signout route", func(h *harness, _ string, held signedIn) {
			r := h.post("signout", map[string]any{}, bearer(held.Session.AccessToken)...)
			require.Equal(h.t, http.StatusNoContent, r.status, "%s", r.body)
		}},
		// A service that signs users out behind the relying party's back
		// (no EndGrants call): a grant carries its session, and
		// registration finish refreshes it, so a signed-out grant is dead.
		{"Store.SignOut", func(h *harness, _ string, held signedIn) {
			require.NoError(h.t, h.store.SignOut(context.Background(), held.Session.AccessToken))
		}},
		{"AdminUserGlobalSignOut", func(h *harness, email string, held signedIn) {
			require.NoError(h.t, h.store.AdminSignOut(context.Background(), email))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			const email = "ada@example.com"
			owner := h.authenticator()
			h.newUser(owner, email)
			held := h.loginWithName(owner, email) // session + step-up grant
			require.NotEmpty(t, held.Grant)

			tt.signOut(h, email, held)

			thief, thiefKey := h.newBrowser(), h.authenticator()
			gotNothing(t, h.tryRegister(thief, thiefKey, map[string]string{"grant": held.Grant}), "registration with the step-up grant")
			gotNothing(t, h.tryRegister(thief, thiefKey, map[string]any{}, bearer(held.Session.IDToken)...), "registration with the ID token")
			gotNothing(t, h.tryRegister(thief, thiefKey, map[string]string{"grant": held.Grant}, bearer(held.Session.IDToken)...), "registration with both")

			_, err := h.store.Refresh(context.Background(), held.Session.Username, held.Session.RefreshToken)
			assert.Error(t, err, "the refresh token is revoked")

			assert.Equal(t, []string{b64u(owner.creds[0].id)}, h.storedIDs(email))
			h.signsInNowhere(t, thiefKey, email)
			h.noSecrets(held.Grant, held.Session.IDToken, held.Session.AccessToken, held.Session.RefreshToken)
		})
	}
}

// Attack 3, by an administrator through the admin API: RevokeUser signs
// the user out everywhere and revokes the passkeys.
func TestAttackRevokedUser(t *testing.T) {
	h := newHarness(t)
	const email = "ada@example.com"
	owner := h.authenticator()
	h.newUser(owner, email)
	held := h.loginWithName(owner, email)

	require.NoError(t, h.rp.RevokeUser(context.Background(), email))

	thief, thiefKey := h.newBrowser(), h.authenticator()
	gotNothing(t, h.tryRegister(thief, thiefKey, map[string]string{"grant": held.Grant}), "registration with the step-up grant")
	_, err := h.store.Refresh(context.Background(), held.Session.Username, held.Session.RefreshToken)
	assert.Error(t, err, "the refresh token is revoked")
	h.signsInNowhere(t, owner, email)
	h.signsInNowhere(t, thiefKey, email)
	assert.Empty(t, h.storedIDs(email))
}

// Attack 4: the passkey of a deleted Cognito user signs in, re-creating
// the user; and once an administrator re-creates the account for its
// owner (a new sub), the old passkey signs in to the new account.
func TestAttackDeletedAndRecreatedUser(t *testing.T) {
	h := newHarness(t)
	const email = "ada@example.com"
	old := h.authenticator()
	oldSess := h.newUser(old, email)

	h.deleteUser(email)
	h.signsInNowhere(t, old, email)
	_, exists := h.cognito.User(email)
	assert.False(t, exists, "a passkey login re-created the deleted user")
	gotNothing(t, h.post("passkeys/list", map[string]any{}, bearer(oldSess.IDToken)...), "the deleted user's token lists passkeys")
	gotNothing(t, h.deletePasskey(oldSess.IDToken, b64u(old.creds[0].id)), "the deleted user's token deletes a passkey")

	// The administrator re-creates the account for its owner.
	newSub := h.adminCreateUser(email, "Told-To-The-Owner-1")
	require.NotEqual(t, oldSess.Sub, newSub)
	h.signsInNowhere(t, old, email)
	u, ok := h.cognito.User(email)
	require.True(t, ok)
	assert.Equal(t, newSub, u.Sub, "the account was not replaced")

	// The old account's ID token manages nothing of the new one.
	r := h.post("passkeys/list", map[string]any{}, bearer(oldSess.IDToken)...)
	gotNothing(t, r, "the old account's token lists passkeys")

	// The owner proves the address and registers a passkey of the new
	// account; the old one stays out.
	s := h.signUp(email)
	assert.Equal(t, newSub, s.Session.Sub)
	assert.False(t, s.Recovery, "the old account's passkeys do not count for the new one")
	mine := h.authenticator()
	sess := h.register(mine, s.Grant)
	h.notice(email)
	list := h.list(sess.IDToken)
	require.Len(t, list, 1)
	assert.Equal(t, b64u(mine.creds[0].id), list[0].ID)
	h.signsInNowhere(t, old, email)
	assert.Equal(t, newSub, h.loginDiscoverable(mine, mine.creds[0]).Session.Sub)
}
