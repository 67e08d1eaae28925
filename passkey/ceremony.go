package passkey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
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
// browser holds only its random ID.
type ceremony struct {
	kind     ceremonyKind
	session  webauthn.SessionData
	username string // "" for a discoverable login
	handle   []byte // registration: the user handle the credential is made for

	// Registration only: how the user was authorized at begin.
	newUser bool   // passkey-first: the account must still not exist at finish
	grant   string // a password grant finish must consume ("" for none)
}

// grant records that username proved their password in the browser that
// holds the grant's ID.
type grant struct {
	username string
}

// pending holds short-lived, single-use state under random IDs: begun
// ceremonies and password grants. It is bounded: past max entries, expired
// ones are swept, and if none has expired put fails with ErrBusy rather
// than let a flood of begin calls exhaust memory.
//
// IDs are 256-bit crypto/rand values; the map is keyed by their SHA-256 so
// that the secret itself is not kept (a heap dump does not yield usable
// IDs) and lookups do not compare secrets byte by byte.
type pending[T any] struct {
	mu    sync.Mutex
	items map[[sha256.Size]byte]entry[T]
	max   int
	ttl   time.Duration
	now   func() time.Time
}

type entry[T any] struct {
	value   T
	expires time.Time
}

func newPending[T any](max int, ttl time.Duration, now func() time.Time) *pending[T] {
	return &pending[T]{items: make(map[[sha256.Size]byte]entry[T]), max: max, ttl: ttl, now: now}
}

// idSize is the length of the random IDs, in bytes.
const idSize = 32

// put stores v and returns its new ID and expiry.
func (p *pending[T]) put(v T) (id string, expires time.Time, err error) {
	raw := make([]byte, idSize)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	id = base64.RawURLEncoding.EncodeToString(raw)

	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if len(p.items) >= p.max {
		p.sweep(now)
		if len(p.items) >= p.max {
			return "", time.Time{}, ErrBusy
		}
	}
	expires = now.Add(p.ttl)
	p.items[sha256.Sum256([]byte(id))] = entry[T]{value: v, expires: expires}
	return id, expires, nil
}

// take removes and returns the value stored under id, if it has not
// expired: every ID is good for exactly one take.
func (p *pending[T]) take(id string) (T, bool) {
	key := sha256.Sum256([]byte(id))
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.items[key]
	delete(p.items, key)
	if !ok || !p.now().Before(e.expires) {
		var zero T
		return zero, false
	}
	return e.value, true
}

// peek returns the value stored under id, if it has not expired, and
// leaves it in place.
func (p *pending[T]) peek(id string) (T, bool) {
	key := sha256.Sum256([]byte(id))
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.items[key]
	if !ok || !p.now().Before(e.expires) {
		var zero T
		return zero, false
	}
	return e.value, true
}

// len returns the number of entries held, expired or not.
func (p *pending[T]) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// sweep drops expired entries. The caller holds p.mu.
func (p *pending[T]) sweep(now time.Time) {
	for k, e := range p.items {
		if !now.Before(e.expires) {
			delete(p.items, k)
		}
	}
}
