package passkey

import (
	"context"
	"errors"
	"time"
)

// StateStore holds the relying party's short-lived state: begun
// ceremonies, grants, email codes and links, and the send and attempt
// counters that limit them. Everything in it lives minutes and most of it
// is taken once.
//
// One process can keep it in memory (NewMemoryState, the default). A
// service that runs several instances gives them one shared StateStore
// (NewDynamoState), so that a ceremony begun on one instance finishes on
// any other, exactly once.
//
// Keys are chosen by the RelyingParty and never hold a secret: a random ID
// the browser holds is stored under its SHA-256. Implementations must be
// safe for concurrent use, and across instances where they are shared.
type StateStore interface {
	// Create stores e until e.Expires. It fails with an error wrapping
	// ErrStateExists, storing nothing, when e.Key holds an entry that has
	// not expired; and with one wrapping ErrBusy when the store refuses
	// more entries from e.Client.
	Create(ctx context.Context, e StateEntry) error

	// Take removes the entry under key and returns its value. Of any
	// number of concurrent Takes of one key, on any instances, at most one
	// succeeds. An absent or expired entry fails with an error wrapping
	// ErrStateNotFound.
	Take(ctx context.Context, key string) ([]byte, error)

	// Get returns the value under key and leaves it in place. An absent or
	// expired entry fails with an error wrapping ErrStateNotFound.
	Get(ctx context.Context, key string) ([]byte, error)

	// Delete removes the entry or counter under key, if there is one.
	Delete(ctx context.Context, key string) error

	// Add adds delta to the counter under key and returns the new value,
	// atomically. An absent or expired counter starts from zero and lives
	// until expires; a live counter keeps the expiry it was made with.
	Add(ctx context.Context, key string, delta int64, expires time.Time) (int64, error)
}

// StateEntry is one value in a StateStore.
type StateEntry struct {
	Key     string
	Value   []byte
	Expires time.Time

	// Client names whose budget the entry counts against (see
	// Config.ClientKey); "" counts against no client's.
	Client string
}

// Errors of a StateStore.
var (
	// ErrStateExists reports a Create under a key that holds a live entry.
	ErrStateExists = errors.New("passkey: state entry exists")

	// ErrStateNotFound reports a Take or Get of an absent or expired entry.
	ErrStateNotFound = errors.New("passkey: state entry not found")
)
