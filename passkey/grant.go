package passkey

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// grantKind says how a grant was earned, which decides what it allows.
type grantKind string

const (
	// grantPassword: a password sign-in of an account with no passkey.
	// It registers a first passkey only.
	grantPassword grantKind = "password"
	// grantProof: a proof of the address of an account with no usable
	// passkey (a new account, or one that signs in by mail).
	grantProof grantKind = "proof"
	// grantRecovery: a proof of the address of an account with passkeys.
	grantRecovery grantKind = "recovery"
	// grantPasskey: a fresh sign-in with one of the account's passkeys
	// (step-up).
	grantPasskey grantKind = "passkey"
)

// grant is the server-side record behind a grant ID: who may register a
// passkey, bound to the Cognito user (sub) the grant was earned for, and
// the sign-out epoch it was issued in (endGrants).
type grant struct {
	Username string    `json:"u"`
	Sub      string    `json:"s"`
	Kind     grantKind `json:"k"`
	Issued   int64     `json:"i"` // Unix nanoseconds
	Epoch    int64     `json:"e"`

	// The Cognito session the grant was earned with: Cognito's username
	// and the refresh token, sealed (AES-GCM under a key derived from
	// Config.ProofKey). FinishRegistration refreshes it: a session signed
	// out anywhere (GlobalSignOut, AdminUserGlobalSignOut) fails there,
	// and so does its grant; a live one is the session the user gets.
	CognitoUser string `json:"cu,omitempty"`
	Refresh     []byte `json:"r,omitempty"`
}

// SignIn is what a sign-in returns: the Cognito session, and a grant with
// which the same page may register a passkey.
type SignIn struct {
	// Session is the user's Cognito session.
	Session *cognitobridge.Session

	// Grant lets this browser register one passkey for the user, until
	// GrantExpires; "" when the sign-in earns none (a password sign-in of
	// an account with passkeys). It is a secret: keep it in the page's
	// memory. It dies with the user's sign-out.
	Grant        string
	GrantExpires time.Time

	// Recovery reports an email proof for an account that has passkeys:
	// the user lost them, or someone else has the mailbox. A notice went
	// to the address.
	Recovery bool
}

// issueGrant stores a grant for username, earned with sess, and returns
// its ID and expiry.
func (rp *RelyingParty) issueGrant(ctx context.Context, username string, sess *cognitobridge.Session, kind grantKind) (string, time.Time, error) {
	if sess == nil || sess.Sub == "" || sess.RefreshToken == "" {
		return "", time.Time{}, fmt.Errorf("%w: passkey: grant for a session without a sub or refresh token", ErrInternal)
	}
	sealed, err := rp.seal(sess.RefreshToken)
	if err != nil {
		return "", time.Time{}, err
	}
	now := rp.now()
	epoch, err := rp.epoch(ctx, sess.Sub, now, 0)
	if err != nil {
		return "", time.Time{}, err
	}
	g := grant{Username: username, Sub: sess.Sub, Kind: kind, Issued: now.UnixNano(), Epoch: epoch,
		CognitoUser: sess.Username, Refresh: sealed}
	return put(ctx, rp, prefixGrant, g, rp.grantTimeout)
}

// grantSession refreshes the session g was earned with: the proof that
// nobody signed it out since, and the session a registration hands back.
func (rp *RelyingParty) grantSession(ctx context.Context, g grant) (*cognitobridge.Session, error) {
	token, err := rp.unseal(g.Refresh)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotAuthorized, err)
	}
	name := g.CognitoUser
	if name == "" {
		name = g.Username
	}
	sess, err := rp.store.Refresh(ctx, name, token)
	if err != nil {
		if errors.Is(err, cognitobridge.ErrNotAuthorized) {
			return nil, fmt.Errorf("%w: the session behind the grant was signed out: %w", ErrNotAuthorized, err)
		}
		return nil, cognitoError(err)
	}
	if sess.Sub != g.Sub {
		return nil, fmt.Errorf("%w: the grant's session is another user's", ErrNotAuthorized)
	}
	return sess, nil
}

// sealKey derives the key refresh tokens are sealed under.
func (rp *RelyingParty) sealKey() []byte {
	m := hmac.New(sha256.New, rp.proofKey)
	m.Write([]byte("passkey grant seal"))
	return m.Sum(nil)
}

// seal encrypts a refresh token for the state store, which never holds
// one in the clear.
func (rp *RelyingParty) seal(plain string) ([]byte, error) {
	aead, err := rp.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("passkey: seal nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, []byte(plain), nil), nil
}

func (rp *RelyingParty) unseal(sealed []byte) (string, error) {
	aead, err := rp.aead()
	if err != nil {
		return "", err
	}
	if len(sealed) < aead.NonceSize() {
		return "", errors.New("passkey: sealed token too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	if err != nil {
		// Another instance's key, or a restart with a per-process key.
		return "", errors.New("passkey: sealed token does not open")
	}
	return string(plain), nil
}

func (rp *RelyingParty) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(rp.sealKey())
	if err != nil {
		return nil, fmt.Errorf("passkey: seal: %w", err)
	}
	return cipher.NewGCM(block)
}

// peekGrant returns the live grant with this ID and its state key; an
// unknown, expired, spent or signed-out grant is ErrNotAuthorized.
func (rp *RelyingParty) peekGrant(ctx context.Context, id string) (grant, string, error) {
	if id == "" {
		return grant{}, "", fmt.Errorf("%w: no grant", ErrStepUpRequired)
	}
	key := stateKey(prefixGrant, id)
	g, err := get[grant](ctx, rp, key)
	if err != nil {
		return g, "", grantError(err)
	}
	return g, key, rp.checkEpoch(ctx, g)
}

// spendGrant takes the grant under key, which must still be what begin
// saw: each grant registers one passkey.
func (rp *RelyingParty) spendGrant(ctx context.Context, key, username, sub string) (grant, error) {
	g, err := take[grant](ctx, rp, key)
	if err != nil {
		return g, grantError(err)
	}
	if g.Username != username || g.Sub != sub {
		return g, fmt.Errorf("%w: grant of another user", ErrNotAuthorized)
	}
	return g, rp.checkEpoch(ctx, g)
}

func grantError(err error) error {
	if errors.Is(err, ErrStateNotFound) {
		return fmt.Errorf("%w: grant unknown, expired or used", ErrNotAuthorized)
	}
	return err
}

// Sign-outs end grants through epochs: a counter per sub and per window
// of GrantTimeout, which a sign-out raises and a grant records when it is
// issued. A grant is good while the counter of its window still holds what
// it recorded and the counter of the next window is still zero. A grant
// lives at most one window, so it spans at most two; each counter lives
// until every grant that might read it has expired, so no counter restarts
// from zero under a grant that saw it raised.

// epochWindow returns the window t falls in.
func (rp *RelyingParty) epochWindow(t time.Time) int64 {
	return t.UnixNano() / int64(rp.grantTimeout)
}

func (rp *RelyingParty) epochKey(sub string, window int64) string {
	return stateKey(prefixEpoch, sub) + "/" + strconv.FormatInt(window, 10)
}

// epoch adds delta to sub's counter for the window of t and returns it.
func (rp *RelyingParty) epoch(ctx context.Context, sub string, t time.Time, delta int64) (int64, error) {
	w := rp.epochWindow(t)
	expires := time.Unix(0, (w+3)*int64(rp.grantTimeout))
	n, err := rp.state.Add(ctx, rp.epochKey(sub, w), delta, expires)
	return n, stateError("epoch", err)
}

// checkEpoch fails a grant whose user signed out since it was issued.
func (rp *RelyingParty) checkEpoch(ctx context.Context, g grant) error {
	issued, now := time.Unix(0, g.Issued), rp.now()
	first, last := rp.epochWindow(issued), rp.epochWindow(now)
	if !now.Before(issued.Add(rp.grantTimeout)) || last-first > 1 {
		return fmt.Errorf("%w: grant expired", ErrNotAuthorized)
	}
	for w := first; w <= last; w++ {
		n, err := rp.epoch(ctx, g.Sub, time.Unix(0, w*int64(rp.grantTimeout)), 0)
		if err != nil {
			return err
		}
		want := int64(0)
		if w == first {
			want = g.Epoch
		}
		if n != want {
			return fmt.Errorf("%w: the user signed out since the grant was issued", ErrNotAuthorized)
		}
	}
	return nil
}

// EndGrants ends every grant to register a passkey that the Cognito user
// sub holds: SignOut calls it. A service that signs users out another way
// (cognitobridge.Store.SignOut, AdminUserGlobalSignOut, disabling the
// user) calls it too, since Cognito tells the relying party nothing.
func (rp *RelyingParty) EndGrants(ctx context.Context, sub string) error {
	if sub == "" {
		return rp.failed(ctx, "end grants", "", fmt.Errorf("%w: empty sub", ErrInvalidRequest))
	}
	if err := rp.endGrants(ctx, sub); err != nil {
		return rp.failed(ctx, "end grants", "", err)
	}
	return nil
}

// endGrants ends every grant of sub issued until now.
func (rp *RelyingParty) endGrants(ctx context.Context, sub string) error {
	_, err := rp.epoch(ctx, sub, rp.now(), 1)
	return err
}
