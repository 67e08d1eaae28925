package passkey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
)

// ceremonyKind tells the three ceremonies apart, so that a ceremony begun
// as one cannot be finished as another.
type ceremonyKind int

const (
	kindRegistration ceremonyKind = iota + 1
	kindLogin                     // login with a username: allowCredentials set
	kindDiscoverable              // login without one: the passkey names the user
)

func (k ceremonyKind) String() string {
	switch k {
	case kindRegistration:
		return "registration"
	case kindLogin:
		return "login"
	case kindDiscoverable:
		return "discoverable login"
	}
	return "unknown"
}

// ceremony is the server-side state between a begin and its finish. The
// browser holds only its random ID; the StateStore holds this, encoded,
// under the ID's SHA-256.
type ceremony struct {
	Kind     ceremonyKind         `json:"k"`
	Session  webauthn.SessionData `json:"s"`
	Username string               `json:"u,omitempty"` // "" for a discoverable login
	Handle   []byte               `json:"h,omitempty"` // registration: the user handle the credential is made for

	// Registration only: the grant that authorized begin, which finish
	// spends (its state key, not its ID), and what it is bound to.
	GrantKey string `json:"g,omitempty"`
	Sub      string `json:"sub,omitempty"`
}

// Prefixes of the StateStore keys, one per kind of entry, so that an ID
// of one kind never finds an entry of another.
const (
	prefixCeremony = "c/"
	prefixGrant    = "g/"
	prefixProof    = "p/"
	prefixTries    = "t/"  // counter: codes tried for a proof
	prefixEpoch    = "e/"  // counter: sign-outs of a sub, per grant window
	prefixSendAddr = "sa/" // counter: proof mails to an address
	prefixSendCli  = "sc/" // counter: proof mails a client asked for
)

// idSize is the length of the random IDs, in bytes.
const idSize = 32

// newID returns a fresh 256-bit random ID, base64url.
func newID() (string, error) {
	raw := make([]byte, idSize)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("passkey: random ID: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// stateKey is the key an entry with this ID is kept under: the ID's
// SHA-256, so that the store never holds the secret the browser does.
func stateKey(prefix, id string) string {
	sum := sha256.Sum256([]byte(id))
	return prefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

// envelope is how values go into the StateStore: with their expiry, which
// the RelyingParty checks with its own clock whatever the store's is.
type envelope[T any] struct {
	Expires int64 `json:"x"` // Unix nanoseconds
	V       T     `json:"v"`
}

// clientContextKey carries the client key (Config.ClientKey) in a context.
type clientContextKey struct{}

// WithClient returns a copy of ctx that names the client a call is made
// for: the budgets of the StateStore and the mail limits count per
// client. The Handler sets it from Config.ClientKey; callers of the
// methods from other HTTP stacks set it themselves (the address of the
// client, as a trusted proxy reports it). Calls without one share the
// budget of the client "".
func WithClient(ctx context.Context, client string) context.Context {
	return context.WithValue(ctx, clientContextKey{}, client)
}

// clientFrom returns the client WithClient put in ctx.
func clientFrom(ctx context.Context) string {
	c, _ := ctx.Value(clientContextKey{}).(string)
	return c
}

// put stores v for ttl under a new ID's key and returns the ID and the
// expiry. A client past its budget gets ErrBusy.
func put[T any](ctx context.Context, rp *RelyingParty, prefix string, v T, ttl time.Duration) (id string, expires time.Time, err error) {
	if id, err = newID(); err != nil {
		return "", time.Time{}, err
	}
	expires = rp.now().Add(ttl)
	if err := putKey(ctx, rp, stateKey(prefix, id), v, expires); err != nil {
		return "", time.Time{}, err
	}
	return id, expires, nil
}

// putKey stores v under key until expires.
func putKey[T any](ctx context.Context, rp *RelyingParty, key string, v T, expires time.Time) error {
	b, err := json.Marshal(envelope[T]{Expires: expires.UnixNano(), V: v})
	if err != nil {
		return fmt.Errorf("passkey: encoding state: %w", err)
	}
	err = rp.state.Create(ctx, StateEntry{Key: key, Value: b, Expires: expires, Client: clientFrom(ctx)})
	return stateError("create", err)
}

// take removes the entry under key and returns its value; an absent or
// expired one is ErrStateNotFound (wrapped in no public sentinel: the
// caller says what it means).
func take[T any](ctx context.Context, rp *RelyingParty, key string) (T, error) {
	b, err := rp.state.Take(ctx, key)
	return decodeState[T](rp, b, err)
}

// get returns the value under key and leaves it in place.
func get[T any](ctx context.Context, rp *RelyingParty, key string) (T, error) {
	b, err := rp.state.Get(ctx, key)
	return decodeState[T](rp, b, err)
}

func decodeState[T any](rp *RelyingParty, b []byte, err error) (T, error) {
	var env envelope[T]
	if err != nil {
		if errors.Is(err, ErrStateNotFound) {
			return env.V, err
		}
		return env.V, stateError("read", err)
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return env.V, fmt.Errorf("%w: passkey: state entry does not decode: %w", ErrInternal, err)
	}
	if !rp.now().Before(time.Unix(0, env.Expires)) {
		var zero T
		return zero, ErrStateNotFound
	}
	return env.V, nil
}

// stateError makes a StateStore's error one of the package's: its ErrBusy
// stays, the rest is ErrUnavailable.
func stateError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrBusy), errors.Is(err, ErrStateNotFound), errors.Is(err, ErrUnavailable):
		return fmt.Errorf("passkey: state store: %s: %w", op, err)
	}
	return fmt.Errorf("%w: passkey: state store: %s: %w", ErrUnavailable, op, err)
}

// count adds one to the counter under key (living until expires when new)
// and returns the new value.
func (rp *RelyingParty) count(ctx context.Context, key string, expires time.Time) (int64, error) {
	n, err := rp.state.Add(ctx, key, 1, expires)
	return n, stateError("add", err)
}

// putCeremony stores c and returns its ID.
func (rp *RelyingParty) putCeremony(ctx context.Context, c ceremony) (string, error) {
	id, _, err := put(ctx, rp, prefixCeremony, c, rp.ceremonyTimeout)
	return id, err
}

// takeCeremony removes and returns the ceremony begun with id, if it is of
// kind: every ceremony can be finished once, however the attempt ends.
func (rp *RelyingParty) takeCeremony(ctx context.Context, id string, kind ceremonyKind) (ceremony, error) {
	if id == "" || len(id) > 128 {
		return ceremony{}, ErrCeremony
	}
	c, err := take[ceremony](ctx, rp, stateKey(prefixCeremony, id))
	switch {
	case errors.Is(err, ErrStateNotFound):
		return c, ErrCeremony
	case err != nil:
		return c, err
	case c.Kind != kind:
		return c, fmt.Errorf("%w: begun as a %s", ErrCeremony, c.Kind)
	}
	return c, nil
}
