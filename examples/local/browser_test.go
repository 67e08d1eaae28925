package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/internal/testtools"
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
	assert.Equal(p.t, email, claims.Username)
	assert.Contains(p.t, p.text("claims"), `"email": "`+email+`"`, "the page shows the claims")
	return claims.Subject
}

func (p *page) signOut() {
	p.t.Helper()
	state, errCode := p.act(chromedp.Click(chromedp.ID("signout")))
	require.Equal(p.t, "signed-out", state, errCode)
}

func TestBrowser(t *testing.T) {
	start := time.Now()
	ctx, authenticator := browser(t)
	a := startApp(t)
	launched := time.Now()

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	p := &page{t: t, ctx: ctx}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(a.URL), chromedp.WaitVisible(chromedp.ID("signup"))))
	require.Empty(t, p.text("status"), "the browser lacks the WebAuthn JSON helpers")

	const ada = "ada@example.com"
	var adaSub string
	t.Run("sign up with a passkey", func(t *testing.T) {
		p.t = t
		state, errCode := p.act(
			chromedp.SendKeys(chromedp.ID("signup-email"), ada),
			chromedp.Click(chromedp.ID("signup")),
		)
		adaSub = p.signedInAs(a, state, errCode, ada)
		p.signOut()
	})

	t.Run("sign in again with the passkey", func(t *testing.T) {
		p.t = t
		state, errCode := p.act(chromedp.Click(chromedp.ID("signin-passkey")))
		assert.Equal(t, adaSub, p.signedInAs(a, state, errCode, ada), "the same Cognito user")
		p.signOut()
	})

	t.Run("a bad signature is refused", func(t *testing.T) {
		p.t = t
		bogus := true
		_, err := chromedp.Call(ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{AuthenticatorID: authenticator, IsBogusSignature: &bogus})
		require.NoError(t, err)
		state, errCode := p.act(chromedp.Click(chromedp.ID("signin-passkey")))
		_, err = chromedp.Call(ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{AuthenticatorID: authenticator})
		require.NoError(t, err)
		assert.Equal(t, "signed-out", state)
		assert.Equal(t, "verification_failed", errCode)
	})

	var graceSub string
	t.Run("password user adds a passkey", func(t *testing.T) {
		p.t = t
		state, errCode := p.act(
			chromedp.SendKeys(chromedp.ID("pw-email"), a.SeedUser),
			chromedp.SendKeys(chromedp.ID("pw-password"), a.SeedPassword),
			chromedp.Click(chromedp.ID("signin-password")),
		)
		graceSub = p.signedInAs(a, state, errCode, a.SeedUser)
		assert.NotEqual(t, adaSub, graceSub)
		assert.Contains(t, p.text("offer"), "Add a passkey")
		assert.Empty(t, p.eval(`document.getElementById("pw-password").value`), "the page forgets the password")

		state, errCode = p.act(chromedp.Click(chromedp.ID("add-passkey")))
		assert.Equal(t, graceSub, p.signedInAs(a, state, errCode, a.SeedUser))
		assert.Equal(t, "Passkey added.", p.text("status"))

		u, err := a.Credentials.UserByName(ctx, a.SeedUser)
		require.NoError(t, err)
		assert.Len(t, u.Credentials, 1)
		p.signOut()
	})

	t.Run("password user signs in with the passkey", func(t *testing.T) {
		p.t = t
		state, errCode := p.act(
			chromedp.SendKeys(chromedp.ID("signin-email"), a.SeedUser),
			chromedp.Click(chromedp.ID("signin-name")),
		)
		assert.Equal(t, graceSub, p.signedInAs(a, state, errCode, a.SeedUser))

		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "signed-in.png")
		require.NoError(t, os.WriteFile(path, shot, 0o600))
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Positive(t, info.Size())
		img, err := png.Decode(bytes.NewReader(shot))
		require.NoError(t, err, "the screenshot is a PNG")
		assert.Positive(t, img.Bounds().Dx())
		assert.Positive(t, img.Bounds().Dy())
		t.Logf("screenshot: %s (%d bytes)", path, info.Size())
	})

	t.Logf("browser start %v, app start + flows %v", launched.Sub(start).Round(time.Millisecond), time.Since(launched).Round(time.Millisecond))
}
