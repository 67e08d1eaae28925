package passkey

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/passkey/mail"
)

// EmailProof is what StartEmailProof returns: the proof's ID, which the
// page sends back with the code, and when the code and link expire.
type EmailProof struct {
	Proof   string
	Expires time.Time
}

// ProofAnswer answers an email proof: Proof with Code (typed in), or
// Link (the secret of the magic link, its #link= fragment).
type ProofAnswer struct {
	Proof string
	Code  string
	Link  string

	// Browser is the binding secret of the browser the link is opened in
	// (the Handler's cookie); it must be the one StartEmailProof was given,
	// unless Config.SkipLinkBrowserCheck.
	Browser string
}

// proof is the server-side record of a mail sent: the address, and keyed
// hashes (never the values) of the code, the link's secret and the
// binding secret of the browser that asked.
type proof struct {
	Email   string `json:"e"`
	Code    []byte `json:"c"`
	Link    []byte `json:"l"`
	Browser []byte `json:"b,omitempty"`
}

// mac is the keyed hash under which a secret of a proof is kept. kind
// keeps a code from passing for a link and the other way round; the proof
// ID binds a code to its mail.
func (rp *RelyingParty) mac(kind, proofID, secret string) []byte {
	m := hmac.New(sha256.New, rp.proofKey)
	for _, s := range []string{kind, proofID, secret} {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// newCode returns a uniformly random code of n digits.
func newCode(n int) (string, error) {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return "", fmt.Errorf("passkey: random code: %w", err)
	}
	return fmt.Sprintf("%0*s", n, v.String()), nil
}

// StartEmailProof mails email one code and one magic link that carry the
// same proof, and returns the proof's ID. browser binds the link to the
// browser that asked (see ProofAnswer.Browser); "" binds it to none.
//
// The answer, its errors and the work done are the same whether or not
// the address has an account: nothing about the account is looked up
// before the proof. Past Config.MaxSendsPerAddress mails to the address,
// or Config.MaxSendsPerClient for the client (WithClient), within
// Config.SendWindow, it fails with ErrBusy and sends nothing.
func (rp *RelyingParty) StartEmailProof(ctx context.Context, email, browser string) (*EmailProof, error) {
	const op = "start email proof"
	p, err := rp.startEmailProof(ctx, email, browser)
	if err != nil {
		return nil, rp.failed(ctx, op, "", err)
	}
	return p, nil
}

func (rp *RelyingParty) startEmailProof(ctx context.Context, email, browser string) (*EmailProof, error) {
	if rp.mailer == nil {
		return nil, fmt.Errorf("%w: passkey: no Mailer configured", ErrUnavailable)
	}
	addr, err := rp.normalize(email)
	if err != nil {
		return nil, err
	}
	now := rp.now()
	window := now.Add(rp.sendWindow)
	// The client first: a client that sprays addresses is stopped before
	// it uses up their budgets.
	n, err := rp.count(ctx, stateKey(prefixSendCli, clientFrom(ctx)), window)
	if err != nil {
		return nil, err
	}
	if n > int64(rp.maxSendsClient) {
		return nil, fmt.Errorf("%w: mails asked for by this client", ErrBusy)
	}
	// An address is not a secret, but it is personal: its counter's key
	// is keyed, not a plain hash anyone can compute from a guess.
	n, err = rp.count(ctx, prefixSendAddr+base64.RawURLEncoding.EncodeToString(rp.mac("address", "", addr)), window)
	if err != nil {
		return nil, err
	}
	if n > int64(rp.maxSendsAddr) {
		return nil, fmt.Errorf("%w: mails to this address", ErrBusy)
	}

	id, err := newID()
	if err != nil {
		return nil, err
	}
	code, err := newCode(rp.codeDigits)
	if err != nil {
		return nil, err
	}
	linkSecret, err := newID()
	if err != nil {
		return nil, err
	}
	rec := proof{Email: addr, Code: rp.mac("code", id, code), Link: rp.mac("link", id, linkSecret)}
	if browser != "" {
		rec.Browser = rp.mac("browser", id, browser)
	}
	expires := now.Add(rp.proofTimeout)
	key := stateKey(prefixProof, id)
	if err := putKey(ctx, rp, key, rec, expires); err != nil {
		return nil, err
	}
	msg, err := rp.templates.Proof(addr, mail.ProofData{
		RPName:  rp.rpName,
		Code:    code,
		Link:    rp.linkURL + "#link=" + id + "." + linkSecret,
		Expires: expires,
	})
	if err == nil {
		err = rp.mailer.Send(ctx, msg)
	}
	if err != nil {
		// A proof nobody can receive is no use to keep.
		_ = rp.state.Delete(ctx, key)
		return nil, fmt.Errorf("%w: passkey: sending the proof mail: %w", ErrUnavailable, err)
	}
	return &EmailProof{Proof: id, Expires: expires}, nil
}

// VerifyEmailProof checks a code or link and signs the address's user in:
//
//   - an address Cognito does not know becomes a new user, with
//     email_verified=true, and the grant registers its first passkey;
//   - an account with no usable passkey (a password user, or one whose
//     passkeys were revoked) signs in, and the grant registers one;
//   - an account with passkeys is being recovered: it signs in, the
//     grant registers a new passkey, and the address gets a notice.
//
// Each code and link works once, until Config.ProofTimeout; after
// Config.MaxCodeTries wrong codes the mail's code and link are void
// (ErrProof). A link opened in another browser than the one that asked
// fails with ErrOtherBrowser and stays usable.
func (rp *RelyingParty) VerifyEmailProof(ctx context.Context, ans ProofAnswer) (*SignIn, error) {
	const op = "verify email proof"
	email, err := rp.checkProof(ctx, ans)
	if err != nil {
		return nil, rp.failed(ctx, op, email, err)
	}
	res, err := rp.signInProven(ctx, email)
	if err != nil {
		return nil, rp.failed(ctx, op, email, err)
	}
	return res, nil
}

// checkProof spends the proof ans answers and returns its address.
func (rp *RelyingParty) checkProof(ctx context.Context, ans ProofAnswer) (string, error) {
	switch {
	case ans.Link != "" && (ans.Code != "" || ans.Proof != ""):
		return "", fmt.Errorf("%w: a link or a proof with a code, not both", ErrInvalidRequest)
	case ans.Link != "":
		return rp.checkLink(ctx, ans.Link, ans.Browser)
	case ans.Proof != "" && ans.Code != "":
		return rp.checkCode(ctx, ans.Proof, ans.Code)
	}
	return "", fmt.Errorf("%w: proof and code, or link, missing", ErrInvalidRequest)
}

func (rp *RelyingParty) checkCode(ctx context.Context, id, code string) (string, error) {
	if len(id) > 128 || len(code) > 32 {
		return "", fmt.Errorf("%w: proof or code too long", ErrProof)
	}
	key := stateKey(prefixProof, id)
	rec, err := get[proof](ctx, rp, key)
	if err != nil {
		return "", proofError(err)
	}
	// Every try is counted before it is compared, so that concurrent
	// guesses get no more than MaxCodeTries between them.
	n, err := rp.count(ctx, stateKey(prefixTries, id), rp.now().Add(rp.proofTimeout))
	if err != nil {
		return rec.Email, err
	}
	if n > int64(rp.maxCodeTries) {
		_ = rp.state.Delete(ctx, key)
		return rec.Email, fmt.Errorf("%w: code tried %d times", ErrProof, n)
	}
	code = strings.TrimSpace(code)
	if !hmac.Equal(rec.Code, rp.mac("code", id, code)) {
		if n == int64(rp.maxCodeTries) {
			_ = rp.state.Delete(ctx, key)
		}
		return rec.Email, fmt.Errorf("%w: wrong code", ErrProof)
	}
	if _, err := take[proof](ctx, rp, key); err != nil {
		return rec.Email, proofError(err)
	}
	return rec.Email, nil
}

func (rp *RelyingParty) checkLink(ctx context.Context, link, browser string) (string, error) {
	id, secret, ok := strings.Cut(link, ".")
	if !ok || len(link) > 256 {
		return "", fmt.Errorf("%w: link malformed", ErrProof)
	}
	key := stateKey(prefixProof, id)
	rec, err := get[proof](ctx, rp, key)
	if err != nil {
		return "", proofError(err)
	}
	if !hmac.Equal(rec.Link, rp.mac("link", id, secret)) {
		return rec.Email, fmt.Errorf("%w: wrong link", ErrProof)
	}
	if !rp.anyBrowser && rec.Browser != nil && subtle.ConstantTimeCompare(rec.Browser, rp.mac("browser", id, browser)) != 1 {
		return rec.Email, ErrOtherBrowser
	}
	if _, err := take[proof](ctx, rp, key); err != nil {
		return rec.Email, proofError(err)
	}
	return rec.Email, nil
}

func proofError(err error) error {
	if errors.Is(err, ErrStateNotFound) {
		return fmt.Errorf("%w: proof unknown, expired or used", ErrProof)
	}
	return err
}

// signInProven signs in (creating if need be) the user of a proven
// address and grants it a passkey registration.
func (rp *RelyingParty) signInProven(ctx context.Context, email string) (*SignIn, error) {
	rec, err := rp.creds.UserByName(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		rec = nil
	case err != nil:
		return nil, credentialStoreError("user by name", err)
	}
	sess, err := rp.store.Login(ctx, email, cognitobridge.CreateOptions{EmailVerified: true})
	if err != nil {
		return nil, cognitoError(err)
	}
	sub := sess.Sub
	usable := 0
	if rec != nil {
		if rec.Sub != "" && rec.Sub != sub {
			// Passkeys of a Cognito user that is gone: the address now
			// belongs to another one.
			if err := rp.revokeAll(ctx, email, "another sub"); err != nil {
				return nil, err
			}
		} else {
			usable = len(usableCredentials(rec))
		}
	}
	kind := grantProof
	if usable > 0 {
		kind = grantRecovery
	}
	id, expires, err := rp.issueGrant(ctx, email, sess, kind)
	if err != nil {
		return nil, err
	}
	if kind == grantRecovery {
		rp.notify(ctx, email, NoticeRecovery, "")
	}
	rp.log.InfoContext(ctx, "passkey: address proven",
		slog.String("user", cognitobridge.UserRef(email)), slog.String("grant", string(kind)))
	return &SignIn{Session: sess, Grant: id, GrantExpires: expires, Recovery: kind == grantRecovery}, nil
}
