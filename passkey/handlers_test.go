package passkey_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/passkey"
)

func TestPasskeyFirstSignUpAndSignIn(t *testing.T) {
	h := newHarness(t)
	a := h.authenticator()
	const ada = "ada@example.com"

	sess := h.register(a, "  Ada@Example.com ", "") // normalised
	claims := h.validClaims(sess)
	assert.Equal(t, ada, claims.Email)
	assert.Equal(t, ada, claims.Username)

	u, err := h.store.Status(context.Background(), ada)
	require.NoError(t, err)
	assert.Equal(t, cognitobridge.StatusExists, u.Status)
	assert.True(t, u.CreatedByProvider, "a passkey-first user is the bridge's")

	stored, err := h.creds.UserByName(context.Background(), ada)
	require.NoError(t, err)
	require.Len(t, stored.Credentials, 1)
	assert.Len(t, stored.Handle, passkey.HandleSize)
	assert.NotContains(t, string(stored.Handle), "ada", "the user handle is random, not the address")
	assert.Equal(t, a.creds[0].userHandle, stored.Handle, "the authenticator got the stored handle")

	t.Run("login with username", func(t *testing.T) {
		s := h.loginWithName(a, ada)
		assert.Equal(t, claims.Subject, h.validClaims(s).Subject)
	})
	t.Run("discoverable login", func(t *testing.T) {
		s := h.loginDiscoverable(a, nil)
		assert.Equal(t, claims.Subject, h.validClaims(s).Subject)
	})
	t.Run("counter recorded", func(t *testing.T) {
		u, err := h.creds.UserByName(context.Background(), ada)
		require.NoError(t, err)
		assert.Equal(t, a.creds[0].signCount, u.Credentials[0].SignCount)
		assert.EqualValues(t, 2, u.Credentials[0].SignCount)
	})
}

func TestBeginOptions(t *testing.T) {
	h := newHarness(t)
	b := h.begin("registration/begin", map[string]string{"username": "opt@example.com"})
	var opts creationOptions
	require.NoError(t, json.Unmarshal(b.PublicKey, &opts))
	assert.Equal(t, testRPID, opts.RP.ID)
	assert.Equal(t, "Example", opts.RP.Name)
	assert.Equal(t, "opt@example.com", opts.User.Name)
	assert.Len(t, unb64u(t, opts.User.ID), passkey.HandleSize)
	assert.Equal(t, "required", opts.AuthenticatorSelection.ResidentKey)
	assert.Equal(t, "required", opts.AuthenticatorSelection.UserVerification)
	assert.Equal(t, int(passkey.DefaultCeremonyTimeout/time.Millisecond), opts.Timeout)
	assert.GreaterOrEqual(t, len(unb64u(t, opts.Challenge)), 16)

	d := h.begin("discoverable/begin", "")
	var req requestOptions
	require.NoError(t, json.Unmarshal(d.PublicKey, &req))
	assert.Equal(t, testRPID, req.RPID)
	assert.Equal(t, "required", req.UserVerification)
	assert.Empty(t, req.AllowCredentials)
	assert.NotEqual(t, b.Ceremony, d.Ceremony)
}

func TestPasswordUserAddsPasskey(t *testing.T) {
	h := newHarness(t)
	const grace, pw = "grace@example.com", "Old-Password-1"
	h.passwordUser(grace, pw)
	a := h.authenticator()

	// Without proof, registering for an existing account is refused.
	r := h.post("registration/begin", map[string]string{"username": grace})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "sign_in_required", r.errorCode())

	grant, pwSession := h.passwordSignIn(grace, pw)
	assert.Equal(t, grace, h.validClaims(pwSession).Email)

	sess := h.register(a, grace, grant)
	assert.Equal(t, h.validClaims(pwSession).Subject, h.validClaims(sess).Subject, "the same Cognito user")
	assert.Equal(t, 1, h.storedCredentials(grace))

	u, err := h.store.Status(context.Background(), grace)
	require.NoError(t, err)
	assert.False(t, u.CreatedByProvider, "the password user keeps their account")

	// From now on the passkey signs them in.
	h.loginWithName(a, grace)

	// The grant was spent; a password alone no longer adds passkeys.
	r = h.post("registration/begin", map[string]string{"username": grace, "grant": grant})
	assert.Equal(t, "not_authorized", r.errorCode())
	grant2, _ := h.passwordSignIn(grace, pw)
	r = h.post("registration/begin", map[string]string{"username": grace, "grant": grant2})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "session_required", r.errorCode())

	// A session does.
	second := h.authenticator()
	h.register(second, "", "", bearer(sess.IDToken)...)
	assert.Equal(t, 2, h.storedCredentials(grace))
	h.loginWithName(second, grace)

	h.noSecrets(pw, grant, grant2, sess.IDToken, sess.AccessToken, sess.RefreshToken, grace)
}

func TestRegistrationAuthorization(t *testing.T) {
	h := newHarness(t)
	const (
		pwUser   = "pw@example.com"
		pwPass   = "Pass-word-123"
		keyUser  = "key@example.com"
		other    = "other@example.com"
		disabled = "off@example.com"
	)
	h.passwordUser(pwUser, pwPass)
	h.passwordUser(other, pwPass)
	h.passwordUser(disabled, pwPass)
	h.disable(disabled)
	keySession := h.register(h.authenticator(), keyUser, "")
	otherGrant, otherSession := h.passwordSignIn(other, pwPass)

	noIDTokens := newHarness(t, func(c *passkey.Config) { c.IDTokens = nil })
	noIDSession := noIDTokens.register(noIDTokens.authenticator(), keyUser, "")

	tests := []struct {
		name     string
		h        *harness
		body     map[string]string
		headers  []string
		wantCode string // "" = allowed
	}{
		{name: "new user", body: map[string]string{"username": "new@example.com"}},
		{name: "password user without proof", body: map[string]string{"username": pwUser}, wantCode: "sign_in_required"},
		{name: "password user with another user's grant", body: map[string]string{"username": pwUser, "grant": otherGrant}, wantCode: "not_authorized"},
		{name: "password user with a forged grant", body: map[string]string{"username": pwUser, "grant": "Zm9yZ2Vk"}, wantCode: "not_authorized"},
		{name: "password user with another user's session", body: map[string]string{"username": pwUser}, headers: bearer(otherSession.IDToken), wantCode: "not_authorized"},
		{name: "password user with own session", body: map[string]string{"username": other}, headers: bearer(otherSession.IDToken)},
		{name: "passkey user without session", body: map[string]string{"username": keyUser}, wantCode: "session_required"},
		{name: "passkey user with session", body: map[string]string{}, headers: bearer(keySession.IDToken)},
		{name: "passkey user with session and name", body: map[string]string{"username": "KEY@example.com"}, headers: bearer(keySession.IDToken)},
		{name: "garbage ID token", body: map[string]string{"username": keyUser}, headers: bearer("not.a.jwt"), wantCode: "not_authorized"},
		{name: "access token is not an ID token", body: map[string]string{"username": keyUser}, headers: bearer(keySession.AccessToken), wantCode: "not_authorized"},
		{name: "not a bearer token", body: map[string]string{"username": keyUser}, headers: []string{"Authorization", "Basic a2V5OnB3"}, wantCode: "not_authorized"},
		{name: "ID tokens not configured", h: noIDTokens, body: map[string]string{"username": keyUser}, headers: bearer(noIDSession.IDToken), wantCode: "not_authorized"},
		{name: "disabled user", body: map[string]string{"username": disabled}, wantCode: "user_disabled"},
		{name: "no username", body: map[string]string{}, wantCode: "invalid_request"},
		{name: "implausible username", body: map[string]string{"username": "not an address"}, wantCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hh := tt.h
			if hh == nil {
				hh = h
			}
			r := hh.post("registration/begin", tt.body, tt.headers...)
			if tt.wantCode == "" {
				assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
				return
			}
			assert.Equal(t, tt.wantCode, r.errorCode(), "%s", r.body)
			assert.Contains(t, []int{400, 401, 403}, r.status)
		})
	}
	h.noSecrets(pwPass, otherGrant, otherSession.IDToken, keySession.IDToken, keySession.AccessToken)
}

func TestGrantExpires(t *testing.T) {
	h := newHarness(t, func(c *passkey.Config) { c.GrantTimeout = time.Minute })
	const u, pw = "late@example.com", "Pass-word-123"
	h.passwordUser(u, pw)
	grant, _ := h.passwordSignIn(u, pw)

	// Begun in time, finished after the grant expired.
	b := h.begin("registration/begin", map[string]string{"username": u, "grant": grant})
	h.clock.Advance(2 * time.Minute)
	cred, _ := h.authenticator().create(t, b.PublicKey)
	r := h.post("registration/finish", finishBody(b.Ceremony, cred))
	assert.Equal(t, "not_authorized", r.errorCode())
	assert.Equal(t, 0, h.storedCredentials(u))

	r = h.post("registration/begin", map[string]string{"username": u, "grant": grant})
	assert.Equal(t, "not_authorized", r.errorCode())
}

func TestGrantRegistersOnePasskey(t *testing.T) {
	h := newHarness(t)
	const u, pw = "once@example.com", "Pass-word-123"
	h.passwordUser(u, pw)
	grant, _ := h.passwordSignIn(u, pw)

	// Two ceremonies begun with one grant: only one may finish.
	b1 := h.begin("registration/begin", map[string]string{"username": u, "grant": grant})
	b2 := h.begin("registration/begin", map[string]string{"username": u, "grant": grant})
	c1, _ := h.authenticator().create(t, b1.PublicKey)
	c2, _ := h.authenticator().create(t, b2.PublicKey)
	h.session(h.post("registration/finish", finishBody(b1.Ceremony, c1)))
	r := h.post("registration/finish", finishBody(b2.Ceremony, c2))
	assert.Equal(t, "not_authorized", r.errorCode())
	assert.Equal(t, 1, h.storedCredentials(u))
}

func TestFinishErrors(t *testing.T) {
	h := newHarness(t)
	const ada = "ada@example.com"
	a := h.authenticator()
	h.register(a, ada, "")
	const eve = "eve@example.com"
	evesAuth := h.authenticator()
	h.register(evesAuth, eve, "")

	// A credential the relying party never saw, for a handle it knows.
	stranger := h.authenticator()
	strangerBegin := h.begin("registration/begin", map[string]string{"username": "stranger@example.com"})
	_, strangerCred := stranger.create(t, strangerBegin.PublicKey)
	strangerCred.userHandle = a.creds[0].userHandle

	type step func(t *testing.T) reply
	regFinish := func(mutate func(a *softAuthenticator), edit func(map[string]any)) step {
		return func(t *testing.T) reply {
			b := h.begin("registration/begin", map[string]string{"username": "fresh-" + strings.ReplaceAll(t.Name(), "/", "-") + "@example.com"})
			sa := h.authenticator()
			if mutate != nil {
				mutate(sa)
			}
			cred, _ := sa.create(t, b.PublicKey)
			if edit != nil {
				cred = tamper(t, cred, edit)
			}
			return h.post("registration/finish", finishBody(b.Ceremony, cred))
		}
	}
	login := func(route string, username string, auth *softAuthenticator, cred *softCred, edit func(map[string]any)) step {
		return func(t *testing.T) reply {
			body := map[string]string{}
			if username != "" {
				body["username"] = username
			}
			b := h.begin(route+"/begin", body)
			assertion := auth.get(t, b.PublicKey, cred)
			if edit != nil {
				assertion = tamper(t, assertion, edit)
			}
			return h.post(route+"/finish", finishBody(b.Ceremony, assertion))
		}
	}

	tests := []struct {
		name       string
		run        step
		wantStatus int
		wantCode   string
	}{
		{
			name: "unknown ceremony",
			run: func(t *testing.T) reply {
				return h.post("login/finish", finishBody("bm8tc3VjaC1jZXJlbW9ueQ", json.RawMessage(`{}`)))
			},
			wantStatus: 400, wantCode: "ceremony_invalid",
		},
		{
			name: "reused ceremony",
			run: func(t *testing.T) reply {
				b := h.begin("login/begin", map[string]string{"username": ada})
				assertion := a.get(t, b.PublicKey, nil)
				h.session(h.post("login/finish", finishBody(b.Ceremony, assertion)))
				return h.post("login/finish", finishBody(b.Ceremony, assertion))
			},
			wantStatus: 400, wantCode: "ceremony_invalid",
		},
		{
			name: "ceremony spent by a failed attempt",
			run: func(t *testing.T) reply {
				b := h.begin("login/begin", map[string]string{"username": ada})
				h.post("login/finish", finishBody(b.Ceremony, json.RawMessage(`{"id":"x"}`)))
				return h.post("login/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
			},
			wantStatus: 400, wantCode: "ceremony_invalid",
		},
		{
			name: "expired ceremony",
			run: func(t *testing.T) reply {
				b := h.begin("login/begin", map[string]string{"username": ada})
				h.clock.Advance(passkey.DefaultCeremonyTimeout + time.Second)
				return h.post("login/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
			},
			wantStatus: 400, wantCode: "ceremony_invalid",
		},
		{
			name: "login ceremony finished as discoverable",
			run: func(t *testing.T) reply {
				b := h.begin("login/begin", map[string]string{"username": ada})
				return h.post("discoverable/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
			},
			wantStatus: 400, wantCode: "ceremony_invalid",
		},
		{
			name: "registration ceremony finished as login",
			run: func(t *testing.T) reply {
				b := h.begin("registration/begin", map[string]string{"username": "x@example.com"})
				cred, _ := h.authenticator().create(t, b.PublicKey)
				return h.post("login/finish", finishBody(b.Ceremony, cred))
			},
			wantStatus: 400, wantCode: "ceremony_invalid",
		},
		{name: "registration from a wrong origin", run: regFinish(func(a *softAuthenticator) { a.origin = "https://evil.example.net" }, nil), wantStatus: 401, wantCode: "verification_failed"},
		{name: "registration from a sibling origin not configured", run: regFinish(func(a *softAuthenticator) { a.origin = "https://www.example.com" }, nil), wantStatus: 401, wantCode: "verification_failed"},
		{name: "registration for another RP ID", run: regFinish(func(a *softAuthenticator) { a.rpID = "evil.example.net" }, nil), wantStatus: 401, wantCode: "verification_failed"},
		{name: "registration without user verification", run: regFinish(func(a *softAuthenticator) { a.noUserVerification = true }, nil), wantStatus: 401, wantCode: "verification_failed"},
		{name: "registration with backup state but not eligible", run: regFinish(func(a *softAuthenticator) { a.backupState = true }, nil), wantStatus: 401, wantCode: "verification_failed"},
		{
			name: "registration with a changed challenge",
			run: regFinish(nil, func(m map[string]any) {
				resp := response(m)
				var cd map[string]any
				_ = json.Unmarshal(unb64u(t, resp["clientDataJSON"].(string)), &cd)
				cd["challenge"] = b64u([]byte("0123456789abcdef0123456789abcdef"))
				b, _ := json.Marshal(cd)
				resp["clientDataJSON"] = b64u(b)
			}),
			wantStatus: 401, wantCode: "verification_failed",
		},
		{
			name:       "registration that does not parse",
			run:        regFinish(nil, func(m map[string]any) { response(m)["attestationObject"] = "AAAA" }),
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name:       "registration with id not rawId",
			run:        regFinish(nil, func(m map[string]any) { m["id"] = b64u([]byte("another id")) }),
			wantStatus: 400, wantCode: "invalid_request",
		},
		{name: "login with a tampered signature", run: login("login", ada, a, nil, func(m map[string]any) { flipBit(t, response(m), "signature", -1) }), wantStatus: 401, wantCode: "verification_failed"},
		{name: "login with tampered authenticator data", run: login("login", ada, a, nil, func(m map[string]any) { flipBit(t, response(m), "authenticatorData", -1) }), wantStatus: 401, wantCode: "verification_failed"},
		{
			name: "login from a wrong origin",
			run: func(t *testing.T) reply {
				evil := *a
				evil.origin = "https://evil.example.net"
				return login("login", ada, &evil, a.creds[0], nil)(t)
			},
			wantStatus: 401, wantCode: "verification_failed",
		},
		{name: "login with another user's passkey", run: login("login", ada, evesAuth, evesAuth.creds[0], nil), wantStatus: 401, wantCode: "unknown_credential"},
		{name: "discoverable login with an unknown passkey", run: login("discoverable", "", stranger, strangerCred, nil), wantStatus: 401, wantCode: "unknown_credential"},
		{
			name: "discoverable login with an unknown user handle",
			run: login("discoverable", "", a, nil, func(m map[string]any) {
				response(m)["userHandle"] = b64u([]byte("nobody-has-this-handle"))
			}),
			wantStatus: 401, wantCode: "unknown_credential",
		},
		{
			name: "discoverable login with an oversized user handle",
			run: login("discoverable", "", a, nil, func(m map[string]any) {
				response(m)["userHandle"] = b64u(make([]byte, 4096))
			}),
			wantStatus: 401, wantCode: "unknown_credential",
		},
		{
			name: "discoverable login with another user's handle",
			run: login("discoverable", "", a, a.creds[0], func(m map[string]any) {
				response(m)["userHandle"] = b64u(evesAuth.creds[0].userHandle)
			}),
			wantStatus: 401, wantCode: "unknown_credential",
		},
		{
			name: "login with a regressed counter",
			run: func(t *testing.T) reply {
				stored, err := h.creds.UserByName(context.Background(), ada)
				require.NoError(t, err)
				require.NotZero(t, stored.Credentials[0].SignCount)
				// The next get sends the stored value again.
				a.creds[0].signCount = stored.Credentials[0].SignCount - 1
				return login("login", ada, a, a.creds[0], nil)(t)
			},
			wantStatus: 401, wantCode: "sign_count",
		},
		{
			name: "login with the backup-eligible flag changed",
			run: func(t *testing.T) reply {
				a.creds[0].signCount += 10
				a.creds[0].be = true
				defer func() { a.creds[0].be = false }()
				return login("login", ada, a, a.creds[0], nil)(t)
			},
			wantStatus: 401, wantCode: "verification_failed",
		},
		{
			name: "login without user verification",
			run: func(t *testing.T) reply {
				a.creds[0].signCount += 10
				noUV := *a
				noUV.noUserVerification = true
				return login("login", ada, &noUV, a.creds[0], nil)(t)
			},
			wantStatus: 401, wantCode: "verification_failed",
		},
		{
			name:       "login that does not parse",
			run:        login("login", ada, a, nil, func(m map[string]any) { m["type"] = "password" }),
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "finish without credential",
			run: func(t *testing.T) reply {
				return h.post("login/finish", map[string]string{"ceremony": "abc"})
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "login for a user without passkeys",
			run: func(t *testing.T) reply {
				return h.post("login/begin", map[string]string{"username": "nobody@example.com"})
			},
			wantStatus: 404, wantCode: "no_passkeys",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := h.creds.UserByName(context.Background(), ada)
			require.NoError(t, err)
			r := tt.run(t)
			assert.Equal(t, tt.wantStatus, r.status, "%s", r.body)
			assert.Equal(t, tt.wantCode, r.errorCode(), "%s", r.body)
			assert.NotContains(t, string(r.body), "idToken")

			// A failed login leaves the credential record as it was.
			after, err := h.creds.UserByName(context.Background(), ada)
			require.NoError(t, err)
			if tt.name != "reused ceremony" {
				assert.Equal(t, before.Credentials[0].SignCount, after.Credentials[0].SignCount)
			}
		})
	}
	assert.Equal(t, 1, h.storedCredentials(ada))
	assert.Equal(t, 1, h.storedCredentials(eve))
}

func TestZeroCounterAuthenticators(t *testing.T) {
	// Synced passkeys report 0 every time; that is no regression.
	h := newHarness(t)
	a := h.authenticator()
	a.zeroCounter = true
	a.backupEligible, a.backupState = true, true
	h.register(a, "sync@example.com", "")
	for range 3 {
		h.loginDiscoverable(a, nil)
	}
	u, err := h.creds.UserByName(context.Background(), "sync@example.com")
	require.NoError(t, err)
	assert.Zero(t, u.Credentials[0].SignCount)
	assert.True(t, u.Credentials[0].BackupEligible)
}

func TestNewUserRace(t *testing.T) {
	h := newHarness(t)
	const u = "race@example.com"
	const n = 4
	begins := make([]begun, n)
	creds := make([]json.RawMessage, n)
	for i := range n {
		begins[i] = h.begin("registration/begin", map[string]string{"username": u})
		creds[i], _ = h.authenticator().create(t, begins[i].PublicKey)
	}
	replies := make([]reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { replies[i] = h.post("registration/finish", finishBody(begins[i].Ceremony, creds[i])) })
	}
	wg.Wait()
	won := 0
	for _, r := range replies {
		switch r.status {
		case http.StatusOK:
			won++
		default:
			assert.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			assert.Equal(t, "user_exists", r.errorCode())
		}
	}
	assert.Equal(t, 1, won, "exactly one registration owns the new account")
	assert.Equal(t, 1, h.storedCredentials(u))
}

func TestNewUserCreatedDuringCeremony(t *testing.T) {
	h := newHarness(t)
	const u = "mid@example.com"
	b := h.begin("registration/begin", map[string]string{"username": u})
	h.passwordUser(u, "Pass-word-123") // an administrator, meanwhile
	cred, _ := h.authenticator().create(t, b.PublicKey)
	r := h.post("registration/finish", finishBody(b.Ceremony, cred))
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "user_exists", r.errorCode())
	assert.Equal(t, 0, h.storedCredentials(u))
}

func TestDisabledUserCannotSignIn(t *testing.T) {
	h := newHarness(t)
	a := h.authenticator()
	h.register(a, "gone@example.com", "")
	h.disable("gone@example.com")
	b := h.begin("login/begin", map[string]string{"username": "gone@example.com"})
	r := h.post("login/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "user_disabled", r.errorCode())
}

func TestPasswordSignIn(t *testing.T) {
	h := newHarness(t)
	const u, pw = "pw@example.com", "Pass-word-123"
	h.passwordUser(u, pw)
	h.passwordUser("off@example.com", pw)
	h.disable("off@example.com")

	tests := []struct {
		name       string
		body       any
		fault      bool
		wantStatus int
		wantCode   string
	}{
		{name: "right", body: map[string]string{"username": u, "password": pw}, wantStatus: 200},
		{name: "right, other case", body: map[string]string{"username": "PW@example.com", "password": pw}, wantStatus: 200},
		{name: "wrong", body: map[string]string{"username": u, "password": pw + "x"}, wantStatus: 401, wantCode: "wrong_password"},
		{name: "unknown user", body: map[string]string{"username": "who@example.com", "password": pw}, wantStatus: 401, wantCode: "wrong_password"},
		{name: "disabled user", body: map[string]string{"username": "off@example.com", "password": pw}, wantStatus: 401, wantCode: "wrong_password"},
		{name: "empty password", body: map[string]string{"username": u, "password": ""}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "password too long", body: map[string]string{"username": u, "password": strings.Repeat("a", 257)}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "cognito throttling", body: map[string]string{"username": u, "password": pw}, fault: true, wantStatus: 503, wantCode: "unavailable"},
		{name: "unknown field", body: map[string]string{"username": u, "password": pw, "remember": "yes"}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "wrong type", body: `{"username":1,"password":"` + pw + `"}`, wantStatus: 400, wantCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault {
				h.cognito.FailNext("InitiateAuth", 10, cognitotest.FaultThrottle)
				defer h.cognito.ClearFaults()
			}
			r := h.post("password", tt.body)
			assert.Equal(t, tt.wantStatus, r.status, "%s", r.body)
			if tt.wantCode != "" {
				assert.Equal(t, tt.wantCode, r.errorCode())
			}
			assert.NotContains(t, string(r.body), pw)
		})
	}
	h.noSecrets(pw, pw+"x")
}

func TestHandlerTransport(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name       string
		method     string
		route      string
		body       string
		headers    []string
		wantStatus int
		wantCode   string
	}{
		{name: "GET", method: http.MethodGet, route: "login/begin", wantStatus: http.StatusMethodNotAllowed},
		{name: "unknown route", method: http.MethodPost, route: "nope", body: "{}", headers: []string{"Content-Type", "application/json"}, wantStatus: http.StatusNotFound},
		{name: "form post", method: http.MethodPost, route: "password", body: "username=a&password=b", headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "no content type", method: http.MethodPost, route: "discoverable/begin", body: "{}", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "json with charset", method: http.MethodPost, route: "discoverable/begin", body: "{}", headers: []string{"Content-Type", "application/json; charset=utf-8"}, wantStatus: 200},
		{name: "too large", method: http.MethodPost, route: "login/finish", body: `{"ceremony":"` + strings.Repeat("a", passkey.MaxBodyBytes) + `"}`, headers: []string{"Content-Type", "application/json"}, wantStatus: 413, wantCode: "too_large"},
		{name: "trailing data", method: http.MethodPost, route: "login/begin", body: `{"username":"a@example.com"} {}`, headers: []string{"Content-Type", "application/json"}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "not JSON", method: http.MethodPost, route: "login/begin", body: `username`, headers: []string{"Content-Type", "application/json"}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "array", method: http.MethodPost, route: "login/begin", body: `[]`, headers: []string{"Content-Type", "application/json"}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "discoverable begin with fields", method: http.MethodPost, route: "discoverable/begin", body: `{"username":"a@example.com"}`, headers: []string{"Content-Type", "application/json"}, wantStatus: 400, wantCode: "invalid_request"},
		{
			name: "cross-site browser request", method: http.MethodPost, route: "discoverable/begin", body: "{}",
			headers:    []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example.net"},
			wantStatus: 403, wantCode: "cross_origin",
		},
		{
			name: "request from a configured origin", method: http.MethodPost, route: "discoverable/begin", body: "{}",
			headers:    []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site", "Origin", testOrigin},
			wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, h.srv.URL+"/passkey/"+tt.route, strings.NewReader(tt.body))
			require.NoError(t, err)
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			resp, err := h.srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var body struct{ Error string }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantCode != "" {
				assert.Equal(t, tt.wantCode, body.Error)
				assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			}
			if resp.StatusCode == 200 {
				assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestBusy(t *testing.T) {
	h := newHarness(t, func(c *passkey.Config) { c.MaxPending = 2 })
	h.begin("discoverable/begin", "{}")
	h.begin("discoverable/begin", "{}")
	r := h.post("discoverable/begin", "{}")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "busy", r.errorCode())

	// Expired ceremonies make room.
	h.clock.Advance(passkey.DefaultCeremonyTimeout)
	h.begin("discoverable/begin", "{}")
}

func TestCognitoUnavailableAfterRegistration(t *testing.T) {
	// The passkey is kept when Cognito fails afterwards; the next login
	// creates the Cognito user.
	h := newHarness(t)
	a := h.authenticator()
	b := h.begin("registration/begin", map[string]string{"username": "later@example.com"})
	cred, _ := a.create(t, b.PublicKey)
	h.cognito.FailNext("AdminInitiateAuth", 20, cognitotest.FaultThrottle)
	r := h.post("registration/finish", finishBody(b.Ceremony, cred))
	h.cognito.ClearFaults()
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
	assert.Equal(t, "unavailable", r.errorCode())
	assert.Equal(t, 1, h.storedCredentials("later@example.com"))

	s := h.loginDiscoverable(a, nil)
	assert.Equal(t, "later@example.com", h.validClaims(s).Email)
}

func TestLogsHoldNoSecrets(t *testing.T) {
	h := newHarness(t)
	const u, pw = "quiet@example.com", "Very-Secret-Pw-9"
	h.passwordUser(u, pw)
	a := h.authenticator()

	h.post("password", map[string]string{"username": u, "password": "Wrong-" + pw})
	grant, pwSess := h.passwordSignIn(u, pw)
	b := h.begin("registration/begin", map[string]string{"username": u, "grant": grant})
	bad := *a
	bad.origin = "https://evil.example.net"
	badCred, _ := bad.create(t, b.PublicKey)
	h.post("registration/finish", finishBody(b.Ceremony, badCred)) // fails, spends the ceremony
	h.post("registration/finish", finishBody(b.Ceremony, badCred)) // unknown ceremony
	sess := h.register(a, u, grant)
	lb := h.begin("login/begin", map[string]string{"username": u})
	h.post("login/finish", finishBody(lb.Ceremony, tamper(t, a.get(t, lb.PublicKey, nil), func(m map[string]any) {
		flipBit(t, response(m), "signature", -1)
	})))
	h.post("registration/begin", map[string]string{"username": u}, bearer(sess.IDToken+"x")...)

	logs := h.logs.String()
	require.NotEmpty(t, logs)
	assert.Contains(t, logs, cognitobridge.UserRef(u), "users are logged by pseudonym")
	h.noSecrets(u, pw, "Wrong-"+pw, grant, b.Ceremony, lb.Ceremony,
		pwSess.IDToken, pwSess.AccessToken, pwSess.RefreshToken,
		sess.IDToken, sess.AccessToken, sess.RefreshToken)
}

// A session adds a passkey only soon after its sign-in: the same ID token
// that works now is refused once MaxAuthAge has passed.
func TestAddPasskeyNeedsRecentSignIn(t *testing.T) {
	h := newHarness(t, func(c *passkey.Config) { c.MaxAuthAge = 10 * time.Minute })
	const user = "recent@example.com"
	sess := h.register(h.authenticator(), user, "")

	r := h.post("registration/begin", map[string]string{}, bearer(sess.IDToken)...)
	assert.Equal(t, http.StatusOK, r.status, "%s", r.body)

	h.clock.Advance(11 * time.Minute)
	r = h.post("registration/begin", map[string]string{}, bearer(sess.IDToken)...)
	assert.Equal(t, "not_authorized", r.errorCode(), "%s", r.body)
}
