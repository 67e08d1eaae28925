package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

// chromiumPath is where Debian's chromium package (apt-get install
// chromium) puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium with a virtual platform authenticator
// (CTAP 2.1, internal transport, resident keys, user verification that
// succeeds, presence simulated) and returns a context for its tab and the
// authenticator's ID.
func browser(t *testing.T) (context.Context, webauthn.AuthenticatorID) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		testtools.Missing(t, "chromium not installed at %s (apt-get install chromium)", chromiumPath)
		return nil, ""
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Chromium's crash data and settings go to a temporary directory,
		// not the home directory.
		chromedp.Env("XDG_CONFIG_HOME="+t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser before any deadline: a timeout on the first run
	// would bound the browser's whole life.
	require.NoError(t, chromedp.Do(ctx), "start chromium")

	_, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{})
	require.NoError(t, err)
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true, // without it create() waits for a touch forever
		},
	})
	require.NoError(t, err)
	return ctx, res.AuthenticatorID
}

// page drives the demo page.
type page struct {
	t   *testing.T
	ctx context.Context
}

// act runs the user action and waits until the page has finished it
// (data-done counts finished actions); it returns the page's state
// ("signed-in" or "signed-out") and the error code it shows, if any.
func (p *page) act(steps ...chromedp.Action[chromedp.Void]) (state, errCode string) {
	p.t.Helper()
	before := p.eval(`document.body.dataset.done || "0"`)
	require.NoError(p.t, chromedp.Do(p.ctx, steps...))
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](fmt.Sprintf(`(document.body.dataset.done || "0") !== %q`, before),
		chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(p.t, err, "the page did not finish the action; status: %s", p.eval(`document.getElementById("status").textContent`))
	return p.eval(`document.body.dataset.state`), p.eval(`document.body.dataset.error || ""`)
}

func (p *page) eval(expr string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
	require.NoError(p.t, err, expr)
	return v
}

func (p *page) text(id string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.ID(id)))
	require.NoError(p.t, err)
	return v
}

// waitFor waits until the page's expression is true.
func (p *page) waitFor(expr string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(p.t, err, "waiting for %s; status: %s", expr, p.eval(`document.getElementById("status").textContent`))
}

// signedInAs asserts the page is signed in as email and that its Cognito
// ID token validates; it returns the token's subject.
func (p *page) signedInAs(a *app, state, errCode, email string) string {
	p.t.Helper()
	require.Equal(p.t, "signed-in", state, "error %q, status %q", errCode, p.text("status"))
	assert.Empty(p.t, errCode)
	assert.Equal(p.t, email, p.text("who"))
	claims, err := a.IDTokens.Validate(p.ctx, p.eval(`demo.session.idToken`))
	require.NoError(p.t, err, "the page's ID token does not validate")
	assert.Equal(p.t, email, claims.Email)
	assert.Contains(p.t, p.text("claims"), `"email": "`+email+`"`, "the page shows the claims")
	return claims.Subject
}

func (p *page) signOut() {
	p.t.Helper()
	state, errCode := p.act(chromedp.Click(chromedp.ID("signout")))
	require.Equal(p.t, "signed-out", state, errCode)
}

// authenticator drives the browser's virtual authenticator.
type authenticator struct {
	t   *testing.T
	ctx context.Context
	id  webauthn.AuthenticatorID
}

// presence turns the simulated touch on or off. Off, a conditional
// request stays pending the way it does while a user has not picked a
// passkey from the suggestions (on, the virtual authenticator picks one
// at once); modal requests need it on.
func (au *authenticator) presence(on bool) {
	au.t.Helper()
	_, err := chromedp.Call(au.ctx, webauthn.SetAutomaticPresenceSimulation, webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: au.id, Enabled: on})
	require.NoError(au.t, err)
}

// lose empties the authenticator, as a lost device would.
func (au *authenticator) lose() {
	au.t.Helper()
	_, err := chromedp.Call(au.ctx, webauthn.ClearCredentials, webauthn.ClearCredentialsParams{AuthenticatorID: au.id})
	require.NoError(au.t, err)
}

// take empties the authenticator and returns what it held.
func (au *authenticator) take() []*webauthn.Credential {
	au.t.Helper()
	res, err := chromedp.Call(au.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: au.id})
	require.NoError(au.t, err)
	au.lose()
	return res.Credentials
}

// restore puts credentials that take returned back.
func (au *authenticator) restore(creds []*webauthn.Credential) {
	au.t.Helper()
	for _, c := range creds {
		_, err := chromedp.Call(au.ctx, addCredential, addCredentialParams{AuthenticatorID: au.id, Credential: credentialToAdd{
			CredentialID: c.CredentialID, IsResidentCredential: c.IsResidentCredential, RpID: c.RpID,
			PrivateKey: c.PrivateKey, UserHandle: c.UserHandle, SignCount: c.SignCount,
			BackupEligibility: c.BackupEligibility, BackupState: c.BackupState,
		}})
		require.NoError(au.t, err)
	}
}

// addCredential is WebAuthn.addCredential without the CMTG members that
// cdproto always sends and this Chromium's authenticator refuses ("CMTG
// is not supported by this authenticator").
var addCredential = cdp.Command[addCredentialParams, cdp.Empty]{Method: webauthn.CommandAddCredential}

type addCredentialParams struct {
	AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
	Credential      credentialToAdd          `json:"credential"`
}

type credentialToAdd struct {
	CredentialID         []byte  `json:"credentialId"`
	IsResidentCredential bool    `json:"isResidentCredential"`
	RpID                 string  `json:"rpId"`
	PrivateKey           []byte  `json:"privateKey"`
	UserHandle           []byte  `json:"userHandle,omitempty"`
	SignCount            float64 `json:"signCount"`
	BackupEligibility    bool    `json:"backupEligibility"`
	BackupState          bool    `json:"backupState"`
}

func (au *authenticator) count() int {
	au.t.Helper()
	res, err := chromedp.Call(au.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: au.id})
	require.NoError(au.t, err)
	return len(res.Credentials)
}

// mailFor returns the next mail to email, which must have a subject
// containing subject.
func mailFor(t *testing.T, ctx context.Context, a *app, email, subject string) mailtest.Received {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	m, err := a.Mail.Wait(wctx, email)
	require.NoError(t, err, "no mail for %s", email)
	require.Contains(t, m.Subject, subject)
	return m
}

func TestBrowser(t *testing.T) {
	start := time.Now()
	ctx, authID := browser(t)
	a := startApp(t)
	launched := time.Now()

	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	p := &page{t: t, ctx: ctx}
	au := &authenticator{t: t, ctx: ctx, id: authID}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(a.URL), chromedp.WaitVisible(chromedp.ID("email"))))
	require.Empty(t, p.text("status"), "the browser lacks the WebAuthn JSON helpers")
	assert.Equal(t, "username webauthn", p.eval(`document.getElementById("email").autocomplete`))
	// No passkey on this device yet: the autofill request ends, silently.
	p.waitFor(`demo.conditional.startsWith("ended:")`)
	assert.Empty(t, p.eval(`document.body.dataset.error || ""`))

	const ada = "ada@example.com"
	var adaSub string
	t.Run("sign up with an emailed code, then add a passkey", func(t *testing.T) {
		p.t, au.t = t, t
		state, errCode := p.act(chromedp.SendKeys(chromedp.ID("email"), ada), chromedp.Click(chromedp.ID("email-start")))
		require.Equal(t, "code-step", state, errCode)
		assert.Equal(t, ada, p.text("code-to"))
		m := mailFor(t, ctx, a, ada, "sign-in code")
		code := proofCode(m.Text)

		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		state, errCode = p.act(chromedp.SendKeys(chromedp.ID("code"), wrong), chromedp.Click(chromedp.ID("verify-code")))
		assert.Equal(t, "code-step", state, "a wrong code leaves the user at the code")
		assert.Equal(t, "proof_invalid", errCode)
		assert.Contains(t, p.text("status"), "wrong, expired or used")

		state, errCode = p.act(chromedp.SetValue(chromedp.ID("code"), code), chromedp.Click(chromedp.ID("verify-code")))
		adaSub = p.signedInAs(a, state, errCode, ada)
		assert.Contains(t, p.text("claims"), `"email_verified": true`, "a proven address")
		assert.Equal(t, "0", p.eval(`document.body.dataset.passkeys`))
		assert.False(t, p.eval(`String(document.getElementById("offer").hidden)`) == "true", "the page offers a passkey")

		state, errCode = p.act(chromedp.Click(chromedp.ID("add-passkey")))
		assert.Equal(t, adaSub, p.signedInAs(a, state, errCode, ada))
		assert.Contains(t, p.text("status"), "Passkey added.")
		assert.Equal(t, "1", p.eval(`document.body.dataset.passkeys`))
		assert.Equal(t, 1, au.count())
		mailFor(t, ctx, a, ada, "A passkey was added")
	})

	t.Run("rename the passkey", func(t *testing.T) {
		p.t, au.t = t, t
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#passkeys li .rename`))))
		state, errCode := p.act(chromedp.SetValue(chromedp.CSS(`#passkeys li .rename-input`), "Ada's laptop"), chromedp.Click(chromedp.CSS(`#passkeys li .rename-save`)))
		require.Equal(t, "signed-in", state)
		assert.Empty(t, errCode)
		assert.Equal(t, "Passkey renamed.", p.text("status"))
		name, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#passkeys li .name`)))
		require.NoError(t, err)
		assert.Equal(t, "Ada's laptop", name)
	})

	t.Run("passkey autofill signs in after sign-out", func(t *testing.T) {
		p.t, au.t = t, t
		p.signOut()
		// The virtual authenticator answers the conditional request at
		// once, as a user picking the passkey from the email field would.
		p.waitFor(`document.body.dataset.state === "signed-in" && document.body.dataset.busy === "false" && demo.conditional === "used"`)
		assert.Equal(t, adaSub, p.signedInAs(a, "signed-in", p.eval(`document.body.dataset.error || ""`), ada))
		assert.Equal(t, "Signed in with your passkey.", p.text("status"))
		assert.NotEmpty(t, p.eval(`demo.grant || ""`), "a fresh passkey sign-in is a step-up")
	})

	t.Run("sign-out succeeds when the session is revoked already", func(t *testing.T) {
		p.t, au.t = t, t
		status, body := post(t, a.URL+"/api/passkey/signout", nil, p.eval(`demo.session.accessToken`))
		require.Equal(t, http.StatusNoContent, status, "%s", body)
		au.presence(false) // keep the autofill after sign-out pending
		p.signOut()
		assert.Contains(t, p.text("status"), "Signed out.")
		assert.Empty(t, p.eval(`document.body.dataset.error || ""`))
	})

	t.Run("autofill is aborted when the user takes another path", func(t *testing.T) {
		p.t, au.t = t, t
		p.waitFor(`demo.conditional === "pending"`)
		state, errCode := p.act(chromedp.SetValue(chromedp.ID("pw-email"), a.SeedUser), chromedp.SetValue(chromedp.ID("pw-password"), "Wrong-password-1"), chromedp.Click(chromedp.ID("signin-password")))
		assert.Equal(t, "signed-out", state)
		assert.Equal(t, "wrong_password", errCode, "the password path ran: the autofill request did not block it")
		assert.Equal(t, "Wrong email address or password.", p.text("status"))
		// After the failure the page offers autofill again.
		p.waitFor(`demo.conditional === "pending"`)

		state, errCode = p.act(chromedp.SetValue(chromedp.ID("email"), a.SeedUser), chromedp.Click(chromedp.ID("email-start")))
		require.Equal(t, "code-step", state, errCode)
		assert.Equal(t, "aborted", p.eval(`demo.conditional`))
		assert.Empty(t, errCode)
	})

	var graceSub string
	t.Run("a password user without passkeys signs in with an emailed code", func(t *testing.T) {
		p.t, au.t = t, t
		code := proofCode(mailFor(t, ctx, a, a.SeedUser, "sign-in code").Text)
		state, errCode := p.act(chromedp.SetValue(chromedp.ID("code"), code), chromedp.Click(chromedp.ID("verify-code")))
		graceSub = p.signedInAs(a, state, errCode, a.SeedUser)
		assert.NotEqual(t, adaSub, graceSub)
		assert.Equal(t, "0", p.eval(`document.body.dataset.passkeys`))
		assert.Equal(t, "false", p.eval(`String(document.getElementById("no-passkeys").hidden)`))

		// Once the proof's grant has lapsed, an account without passkeys
		// proves its address again before it may add one.
		p.eval(`demo.grantExpires = 0, ""`)
		state, errCode = p.act(chromedp.Click(chromedp.ID("add-passkey")))
		require.Equal(t, "code-step", state, errCode)
		assert.Contains(t, p.text("status"), "confirm it is you")
		code = proofCode(mailFor(t, ctx, a, a.SeedUser, "sign-in code").Text)
		state, errCode = p.act(chromedp.SetValue(chromedp.ID("code"), code), chromedp.Click(chromedp.ID("verify-code")))
		assert.Equal(t, graceSub, p.signedInAs(a, state, errCode, a.SeedUser))
		assert.NotEmpty(t, p.eval(`demo.grant || ""`), "a fresh grant")
		p.signOut()
	})

	t.Run("password user adds a passkey", func(t *testing.T) {
		p.t, au.t = t, t
		p.waitFor(`demo.conditional === "pending"`)
		state, errCode := p.act(
			chromedp.SetValue(chromedp.ID("pw-email"), a.SeedUser),
			chromedp.SetValue(chromedp.ID("pw-password"), a.SeedPassword),
			chromedp.Click(chromedp.ID("signin-password")),
		)
		assert.Equal(t, graceSub, p.signedInAs(a, state, errCode, a.SeedUser))
		assert.Contains(t, p.text("status"), "Add a passkey")
		assert.Empty(t, p.eval(`document.getElementById("pw-password").value`), "the page forgets the password")

		au.presence(true)
		state, errCode = p.act(chromedp.Click(chromedp.ID("add-passkey")))
		assert.Equal(t, graceSub, p.signedInAs(a, state, errCode, a.SeedUser))
		assert.Equal(t, "1", p.eval(`document.body.dataset.passkeys`))
		u, err := a.Credentials.UserByName(ctx, a.SeedUser)
		require.NoError(t, err)
		assert.Len(t, u.Credentials, 1)
		assert.Equal(t, graceSub, u.Sub, "the passkey is bound to the Cognito user")
		mailFor(t, ctx, a, a.SeedUser, "A passkey was added")
	})

	t.Run("a second passkey on the same device is refused with a message", func(t *testing.T) {
		p.t, au.t = t, t
		// No grant left: the page steps up with grace's passkey, then the
		// authenticator refuses to make a second one for her.
		state, errCode := p.act(chromedp.Click(chromedp.ID("add-passkey")))
		assert.Equal(t, "signed-in", state)
		assert.Equal(t, "InvalidStateError", errCode)
		assert.Equal(t, "This device already has a passkey for this account.", p.text("status"))
		au.presence(false)
		p.signOut()
	})

	var link string
	t.Run("a magic link opened in another browser is refused", func(t *testing.T) {
		p.t, au.t = t, t
		p.waitFor(`demo.conditional === "pending"`)
		state, errCode := p.act(chromedp.SetValue(chromedp.ID("email"), ada), chromedp.Click(chromedp.ID("email-start")))
		require.Equal(t, "code-step", state, errCode)
		links := mailFor(t, ctx, a, ada, "sign-in code").Links()
		require.Len(t, links, 1)
		link = links[0]

		other, cancelOther := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer cancelOther()
		op := &page{t: t, ctx: other}
		require.NoError(t, chromedp.Do(other, chromedp.Navigate(link), chromedp.WaitReady(chromedp.ID("email"))))
		op.waitFor(`document.body.dataset.done === "1"`)
		assert.Equal(t, "signed-out", op.eval(`document.body.dataset.state`))
		assert.Equal(t, "link_other_browser", op.eval(`document.body.dataset.error`))
		assert.Contains(t, op.text("status"), "works only in the browser you asked for it in")
		assert.Equal(t, a.URL+"/", op.eval(`location.href`), "the page drops the secret from the address bar")
	})

	t.Run("the link works in the browser that asked, as a recovery", func(t *testing.T) {
		p.t, au.t = t, t
		// As from the mail: a fresh page load (a new tab) with the link.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(link), chromedp.WaitReady(chromedp.ID("email"))))
		p.waitFor(`document.body.dataset.done === "1"`)
		assert.Equal(t, adaSub, p.signedInAs(a, p.eval(`document.body.dataset.state`), p.eval(`document.body.dataset.error || ""`), ada))
		assert.Contains(t, p.text("status"), "Account recovered")
		assert.Equal(t, a.URL+"/", p.eval(`location.href`))
		mailFor(t, ctx, a, ada, "recovered")
	})

	t.Run("a used link is refused", func(t *testing.T) {
		p.t, au.t = t, t
		// Pasted into the same tab: only the fragment changes.
		p.signOut()
		before := p.eval(`document.body.dataset.done`)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(link)))
		p.waitFor(fmt.Sprintf(`document.body.dataset.done !== %q && document.body.dataset.busy === "false"`, before))
		assert.Equal(t, "signed-out", p.eval(`document.body.dataset.state`))
		assert.Equal(t, "proof_invalid", p.eval(`document.body.dataset.error`))
		assert.Contains(t, p.text("status"), "wrong, expired or used")
	})

	t.Run("recovery after losing the device: a new passkey, the old one deleted", func(t *testing.T) {
		p.t, au.t = t, t
		au.lose() // ada's and grace's passkeys are gone with the device
		p.waitFor(`demo.conditional === "pending" || demo.conditional.startsWith("ended:")`)
		state, errCode := p.act(chromedp.SetValue(chromedp.ID("email"), ada), chromedp.Click(chromedp.ID("email-start")))
		require.Equal(t, "code-step", state, errCode)
		code := proofCode(mailFor(t, ctx, a, ada, "sign-in code").Text)
		state, errCode = p.act(chromedp.SetValue(chromedp.ID("code"), code), chromedp.Click(chromedp.ID("verify-code")))
		assert.Equal(t, adaSub, p.signedInAs(a, state, errCode, ada))
		assert.Contains(t, p.text("status"), "Account recovered")
		mailFor(t, ctx, a, ada, "recovered")
		oldID := p.eval(`document.querySelector("#passkeys li").dataset.id`)

		au.presence(true)
		state, errCode = p.act(chromedp.Click(chromedp.ID("add-passkey")))
		assert.Equal(t, adaSub, p.signedInAs(a, state, errCode, ada))
		assert.Equal(t, "2", p.eval(`document.body.dataset.passkeys`))
		mailFor(t, ctx, a, ada, "A passkey was added")

		state, errCode = p.act(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#passkeys li[data-id=%q] .delete`, oldID))))
		require.Equal(t, "signed-in", state)
		assert.Empty(t, errCode)
		assert.Equal(t, "Passkey deleted. It no longer signs you in.", p.text("status"))
		assert.Equal(t, "1", p.eval(`document.body.dataset.passkeys`))
		assert.Empty(t, p.eval(fmt.Sprintf(`document.querySelector('#passkeys li[data-id=%q]') ? "still there" : ""`, oldID)))
		mailFor(t, ctx, a, ada, "A passkey was removed")
	})

	// From here on the device holds ada's new passkey only. Signed out
	// with it there, autofill signs ada in at once; to reach the button,
	// the passkey leaves the device until autofill has ended, then returns.
	signedOutWithoutAutofill := func(t *testing.T) {
		held := au.take()
		if p.eval(`document.body.dataset.state`) == "signed-in" {
			p.signOut()
		}
		p.waitFor(`demo.conditional.startsWith("ended:")`)
		au.restore(held)
	}

	t.Run("a bad signature is refused", func(t *testing.T) {
		p.t, au.t = t, t
		signedOutWithoutAutofill(t)
		bogus := true
		_, err := chromedp.Call(ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{AuthenticatorID: authID, IsBogusSignature: &bogus})
		require.NoError(t, err)
		shown := p.eval(`String(demo.errors.length)`)
		state, _ := p.act(chromedp.Click(chromedp.ID("signin-passkey")))
		_, err = chromedp.Call(ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{AuthenticatorID: authID})
		require.NoError(t, err)
		assert.Equal(t, "signed-out", state)
		// Read from the page's log of failures: the autofill it offers
		// again at once may already be signing ada in.
		assert.Equal(t, `{"code":"verification_failed","text":"The passkey could not be verified."}`,
			p.eval(`JSON.stringify(demo.errors[`+shown+`])`))
		// That autofill, with the good signature again, signs ada in.
		p.waitFor(`document.body.dataset.state === "signed-in" && document.body.dataset.busy === "false" && demo.conditional === "used"`)
	})

	t.Run("sign in with the passkey button", func(t *testing.T) {
		p.t, au.t = t, t
		signedOutWithoutAutofill(t)
		state, errCode := p.act(chromedp.Click(chromedp.ID("signin-passkey")))
		assert.Equal(t, adaSub, p.signedInAs(a, state, errCode, ada))

		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "signed-in.png")
		require.NoError(t, os.WriteFile(path, shot, 0o600))
		img, err := png.Decode(bytes.NewReader(shot))
		require.NoError(t, err, "the screenshot is a PNG")
		assert.Positive(t, img.Bounds().Dx())
		assert.Positive(t, img.Bounds().Dy())
		t.Logf("screenshot: %s (%d bytes)", path, len(shot))
	})

	t.Logf("browser start %v, app start + journeys %v", launched.Sub(start).Round(time.Millisecond), time.Since(launched).Round(time.Millisecond))
}
