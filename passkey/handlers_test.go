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

func TestSignUpWithCodeAndSignIn(t *testing.T) {
	h := newHarness(t)
	a := h.authenticator()
	const ada = "ada@example.com"

	s := h.signUp("  Ada@Example.com ") // normalised by the Store
	require.NotEmpty(t, s.Grant)
	assert.False(t, s.Recovery)
	claims := h.validClaims(s.Session)
	assert.Equal(t, ada, claims.Email)
	assert.True(t, claims.EmailVerified, "a proven address")
	sess := h.register(a, s.Grant)
	assert.Equal(t, claims.Subject, h.validClaims(sess).Subject)
	h.mail(ada) // the notice of the passkey added

	u, err := h.store.Status(context.Background(), ada)
	require.NoError(t, err)
	assert.Equal(t, cognitobridge.StatusExists, u.Status)
	assert.True(t, u.EmailVerified)

	stored, err := h.creds.UserByName(context.Background(), ada)
	require.NoError(t, err)
	require.Len(t, stored.Credentials, 1)
	assert.Equal(t, claims.Subject, stored.Sub, "the passkey is bound to its Cognito user")
	assert.Len(t, stored.Handle, passkey.HandleSize)
	assert.NotContains(t, string(stored.Handle), "ada", "the user handle is random, not the address")
	assert.Equal(t, a.creds[0].userHandle, stored.Handle, "the authenticator got the stored handle")

	t.Run("login with username", func(t *testing.T) {
		s := h.loginWithName(a, ada)
		assert.Equal(t, claims.Subject, h.validClaims(s.Session).Subject)
		assert.NotEmpty(t, s.Grant, "a step-up grant")
	})
	t.Run("discoverable login", func(t *testing.T) {
		s := h.loginDiscoverable(a, nil)
		assert.Equal(t, claims.Subject, h.validClaims(s.Session).Subject)
		assert.NotEmpty(t, s.Grant)
	})
	t.Run("counter recorded", func(t *testing.T) {
		u, err := h.creds.UserByName(context.Background(), ada)
		require.NoError(t, err)
		assert.Equal(t, a.creds[0].signCount, u.Credentials[0].SignCount)
		assert.EqualValues(t, 2, u.Credentials[0].SignCount)
		assert.False(t, u.Credentials[0].LastUsed.IsZero())
	})
}

func TestBeginOptions(t *testing.T) {
	h := newHarness(t)
	s := h.signUp("opt@example.com")
	b := h.begin("registration/begin", map[string]string{"grant": s.Grant})
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

	pwSignIn := h.passwordSignIn(grace, pw)
	require.NotEmpty(t, pwSignIn.Grant, "an account without passkeys gets a password grant")
	assert.Equal(t, grace, h.validClaims(pwSignIn.Session).Email)

	sess := h.register(a, pwSignIn.Grant)
	assert.Equal(t, h.validClaims(pwSignIn.Session).Subject, h.validClaims(sess).Subject, "the same Cognito user")
	assert.Equal(t, 1, h.storedCredentials(grace))
	u, err := h.store.Status(context.Background(), grace)
	require.NoError(t, err)
	assert.False(t, u.CreatedByProvider, "the password user keeps their account")

	// From now on the passkey signs them in.
	step := h.loginWithName(a, grace)

	// The grant was spent; a password alone no longer adds passkeys.
	r := h.post("registration/begin", map[string]string{"grant": pwSignIn.Grant})
	assert.Equal(t, "not_authorized", r.errorCode())
	again := h.passwordSignIn(grace, pw)
	assert.Empty(t, again.Grant, "no grant for an account with passkeys")

	// A fresh passkey sign-in does.
	second := h.authenticator()
	h.register(second, step.Grant)
	assert.Equal(t, 2, h.storedCredentials(grace))
	h.loginWithName(second, grace)

	h.noSecrets(pw, pwSignIn.Grant, step.Grant, sess.IDToken, sess.AccessToken, sess.RefreshToken, grace)
}

func TestRegistrationAuthorization(t *testing.T) {
	h := newHarness(t)
	const (
		pwUser  = "pw@example.com"
		pwPass  = "Pass-word-123"
		keyUser = "key@example.com"
	)
	h.passwordUser(pwUser, pwPass)
	// A password grant taken before the account got its first passkey.
	early := h.passwordSignIn(pwUser, pwPass)
	first := h.passwordSignIn(pwUser, pwPass)
	h.register(h.authenticator(), first.Grant)
	keySession := h.newUser(h.authenticator(), keyUser)

	tests := []struct {
		name     string
		body     any
		headers  []string
		wantCode string
	}{
		{name: "no grant", body: map[string]string{}, wantCode: "step_up_required"},
		{name: "empty grant", body: map[string]string{"grant": ""}, wantCode: "step_up_required"},
		{name: "a bearer ID token alone", body: map[string]string{}, headers: bearer(keySession.IDToken), wantCode: "step_up_required"},
		{name: "a forged grant", body: map[string]string{"grant": "Zm9yZ2Vk"}, wantCode: "not_authorized"},
		{name: "a password grant of an account that has a passkey now", body: map[string]string{"grant": early.Grant}, wantCode: "step_up_required"},
		{name: "a username instead of a grant", body: map[string]string{"username": keyUser}, wantCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.post("registration/begin", tt.body, tt.headers...)
			assert.Equal(t, tt.wantCode, r.errorCode(), "%s", r.body)
			assert.Contains(t, []int{400, 401}, r.status)
		})
	}
	assert.Equal(t, 1, h.storedCredentials(pwUser))
	assert.Equal(t, 1, h.storedCredentials(keyUser))
	h.noSecrets(pwPass, early.Grant, keySession.IDToken, keySession.AccessToken)
}

func TestGrantExpires(t *testing.T) {
	h := newHarness(t, func(c *passkey.Config) { c.GrantTimeout = time.Minute })
	const u, pw = "late@example.com", "Pass-word-123"
	h.passwordUser(u, pw)
	grant := h.passwordSignIn(u, pw).Grant

	// Begun in time, finished after the grant expired.
	b := h.begin("registration/begin", map[string]string{"grant": grant})
	h.clock.Advance(2 * time.Minute)
	cred, _ := h.authenticator().create(t, b.PublicKey)
	r := h.post("registration/finish", finishBody(b.Ceremony, cred))
	assert.Equal(t, "not_authorized", r.errorCode())
	assert.Equal(t, 0, h.storedCredentials(u))

	r = h.post("registration/begin", map[string]string{"grant": grant})
	assert.Equal(t, "not_authorized", r.errorCode())
}

func TestGrantRegistersOnePasskey(t *testing.T) {
	h := newHarness(t)
	const u, pw = "once@example.com", "Pass-word-123"
	h.passwordUser(u, pw)
	grant := h.passwordSignIn(u, pw).Grant

	// Two ceremonies begun with one grant: only one may finish.
	b1 := h.begin("registration/begin", map[string]string{"grant": grant})
	b2 := h.begin("registration/begin", map[string]string{"grant": grant})
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
	h.newUser(a, ada)
	const eve = "eve@example.com"
	evesAuth := h.authenticator()
	h.newUser(evesAuth, eve)

	// A credential the relying party never saw, for a handle it knows.
	stranger := h.authenticator()
	strangerBegin := h.begin("registration/begin", map[string]string{"grant": h.signUp("stranger@example.com").Grant})
	_, strangerCred := stranger.create(t, strangerBegin.PublicKey)
	strangerCred.userHandle = a.creds[0].userHandle

	type step func(t *testing.T) reply
	regFinish := func(mutate func(a *softAuthenticator), edit func(map[string]any)) step {
		return func(t *testing.T) reply {
			b := h.begin("registration/begin", map[string]string{"grant": h.signUp("fresh-" + strings.ReplaceAll(t.Name()[len("TestFinishErrors/"):], " ", "-") + "@example.com").Grant})
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
				b := h.begin("registration/begin", map[string]string{"grant": h.signUp("x@example.com").Grant})
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
			name: "login with backup state but not eligible",
			run: func(t *testing.T) reply {
				a.creds[0].signCount += 10
				a.creds[0].bs = true
				defer func() { a.creds[0].bs = false }()
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
	h.newUser(a, "sync@example.com")
	for range 3 {
		h.loginDiscoverable(a, nil)
	}
	u, err := h.creds.UserByName(context.Background(), "sync@example.com")
	require.NoError(t, err)
	assert.Zero(t, u.Credentials[0].SignCount)
	assert.True(t, u.Credentials[0].BackupEligible)
}

func TestNewUserRace(t *testing.T) {
	// Two proofs of one new address, two registrations at once: each made
	// its own user handle, and exactly one owns the account.
	h := newHarness(t)
	const u = "race@example.com"
	const n = 3
	begins := make([]begun, n)
	creds := make([]json.RawMessage, n)
	for i := range n {
		begins[i] = h.begin("registration/begin", map[string]string{"grant": h.signUp(u).Grant})
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

func TestDisabledUserCannotSignIn(t *testing.T) {
	h := newHarness(t)
	a := h.authenticator()
	h.newUser(a, "off@example.com")
	h.disable("off@example.com")
	b := h.begin("login/begin", map[string]string{"username": "off@example.com"})
	r := h.post("login/finish", finishBody(b.Ceremony, a.get(t, b.PublicKey, nil)))
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "user_disabled", r.errorCode())
	assert.NotContains(t, string(r.body), "idToken")
	assert.Equal(t, 0, h.storedCredentials("off@example.com"), "the passkey is revoked")
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
		{name: "disabled user", body: map[string]string{"username": "off@example.com", "password": pw}, wantStatus: 403, wantCode: "user_disabled"},
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
				h.cognito.FailNext("AdminInitiateAuth", 10, cognitotest.FaultThrottle)
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

func TestPerClientBudget(t *testing.T) {
	// A client that begins too many ceremonies loses its own oldest ones;
	// another client's ceremony lives on.
	h := newHarness(t, func(c *passkey.Config) {
		c.MaxPending = 2
		c.ClientKey = func(r *http.Request) string { return r.Header.Get("X-Test-Client") }
	})
	other := h.begin("discoverable/begin", "{}", "X-Test-Client", "other")
	first := h.begin("discoverable/begin", "{}", "X-Test-Client", "flood")
	for range 5 {
		h.begin("discoverable/begin", "{}", "X-Test-Client", "flood")
	}
	a := h.authenticator()
	h.newUser(a, "budget@example.com")
	r := h.post("discoverable/finish", finishBody(first.Ceremony, a.get(t, first.PublicKey, nil)))
	assert.Equal(t, "ceremony_invalid", r.errorCode(), "the flooding client's oldest ceremony is gone")
	h.signedIn(h.post("discoverable/finish", finishBody(other.Ceremony, a.get(t, other.PublicKey, nil))))
}

func TestCognitoUnavailableAtRegistration(t *testing.T) {
	// Cognito must confirm that the grant's session is live before the
	// passkey is stored: when it cannot answer, nothing is stored.
	h := newHarness(t)
	a := h.authenticator()
	s := h.signUp("later@example.com")
	b := h.begin("registration/begin", map[string]string{"grant": s.Grant})
	cred, _ := a.create(t, b.PublicKey)
	h.cognito.FailNext("InitiateAuth", 20, cognitotest.FaultThrottle)
	h.cognito.FailNext("AdminInitiateAuth", 20, cognitotest.FaultThrottle)
	r := h.post("registration/finish", finishBody(b.Ceremony, cred))
	h.cognito.ClearFaults()
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
	assert.Equal(t, "unavailable", r.errorCode())
	assert.Equal(t, 0, h.storedCredentials("later@example.com"))

	// A new proof, and the registration goes through.
	h.register(a, h.signUp("later@example.com").Grant)
	got := h.loginDiscoverable(a, nil)
	assert.Equal(t, "later@example.com", h.validClaims(got.Session).Email)
}

func TestLogsHoldNoSecrets(t *testing.T) {
	h := newHarness(t)
	const u, pw = "quiet@example.com", "Very-Secret-Pw-9"
	h.passwordUser(u, pw)
	a := h.authenticator()

	h.post("password", map[string]string{"username": u, "password": "Wrong-" + pw})
	pwSignIn := h.passwordSignIn(u, pw)
	b := h.begin("registration/begin", map[string]string{"grant": pwSignIn.Grant})
	bad := *a
	bad.origin = "https://evil.example.net"
	badCred, _ := bad.create(t, b.PublicKey)
	h.post("registration/finish", finishBody(b.Ceremony, badCred)) // fails, spends the ceremony
	h.post("registration/finish", finishBody(b.Ceremony, badCred)) // unknown ceremony
	sess := h.register(a, pwSignIn.Grant)
	lb := h.begin("login/begin", map[string]string{"username": u})
	h.post("login/finish", finishBody(lb.Ceremony, tamper(t, a.get(t, lb.PublicKey, nil), func(m map[string]any) {
		flipBit(t, response(m), "signature", -1)
	})))
	proofID, m := h.startProof(h.browser, u)
	h.post("email/verify", map[string]string{"proof": proofID, "code": wrongCode(m.code, 0)})
	h.post("email/verify", map[string]string{"link": m.link + "x"})
	ok := h.signedIn(h.post("email/verify", map[string]string{"link": m.link}))
	h.post("signout", "", bearer(sess.AccessToken)...)

	logs := h.logs.String()
	require.NotEmpty(t, logs)
	assert.Contains(t, logs, cognitobridge.UserRef(u), "users are logged by pseudonym")
	h.noSecrets(u, pw, "Wrong-"+pw, pwSignIn.Grant, b.Ceremony, lb.Ceremony, proofID, m.code, m.link, ok.Grant,
		pwSignIn.Session.IDToken, pwSignIn.Session.AccessToken, pwSignIn.Session.RefreshToken,
		sess.IDToken, sess.AccessToken, sess.RefreshToken)
}
