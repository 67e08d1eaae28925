package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"golang.org/x/sync/singleflight"
)

// keySource finds the verification key for a kid. now is the calling
// Validator's clock: a source may be shared by validators.
//
// A key that stays published keeps its *publicKey across refreshes, so a
// remembered verdict can tell whether the key it was checked with is
// still the one published under its kid by comparing pointers.
type keySource interface {
	key(ctx context.Context, kid string, now time.Time) (*publicKey, error)
	warm(ctx context.Context, now time.Time) error
}

// staticKeys are keys given in Config.Keys; they never change.
type staticKeys keySet

func (s staticKeys) key(_ context.Context, kid string, _ time.Time) (*publicKey, error) {
	if pk := s[kid]; pk != nil {
		return pk, nil
	}
	return nil, errUnknownKid
}

func (staticKeys) warm(context.Context, time.Time) error { return nil }

// remoteID is what makes two validators' remote keys interchangeable.
type remoteID struct {
	url        string
	client     *http.Client
	algorithms string
	timeout    time.Duration
	minRefresh time.Duration
	maxAge     time.Duration
}

func newRemoteID(c Config) remoteID {
	return remoteID{
		url:        c.JWKSURL,
		client:     c.HTTPClient,
		algorithms: strings.Join(c.Algorithms, ","),
		timeout:    c.FetchTimeout,
		minRefresh: c.MinRefreshInterval,
		maxAge:     c.MaxKeyAge,
	}
}

// sharedRemotes holds one remoteKeys per remoteID for as long as some
// Validator uses it: the map holds weak pointers, and a cleanup removes an
// entry once its keys are collected, so a process that makes validators
// for many URLs (tests do) does not keep them all.
var sharedRemotes = struct {
	sync.Mutex
	m map[remoteID]weak.Pointer[remoteKeys]
}{m: map[remoteID]weak.Pointer[remoteKeys]{}}

// sharedRemoteKeys returns the key cache for id, making it if no live
// Validator has one.
func sharedRemoteKeys(id remoteID, algorithms []string) *remoteKeys {
	sharedRemotes.Lock()
	defer sharedRemotes.Unlock()
	if r := sharedRemotes.m[id].Value(); r != nil {
		return r
	}
	r := &remoteKeys{
		url:        id.url,
		client:     id.client,
		timeout:    id.timeout,
		minRefresh: id.minRefresh,
		maxAge:     id.maxAge,
		algorithms: slices.Clone(algorithms),
	}
	wp := weak.Make(r)
	sharedRemotes.m[id] = wp
	runtime.AddCleanup(r, func(id remoteID) {
		sharedRemotes.Lock()
		defer sharedRemotes.Unlock()
		if sharedRemotes.m[id] == wp {
			delete(sharedRemotes.m, id)
		}
	}, id)
	return r
}

// remoteKeys fetches a JWKS over HTTP and caches what it got.
//
// The per-token path reads one atomic pointer. Fetches happen only inside
// a singleflight call, so at most one is in flight; that call, not its
// callers, decides whether a fetch is allowed, so a burst of unknown kids
// costs at most one fetch per MinRefreshInterval.
type remoteKeys struct {
	url        string
	client     *http.Client
	timeout    time.Duration
	minRefresh time.Duration
	maxAge     time.Duration
	algorithms []string

	current atomic.Pointer[snapshot]
	group   singleflight.Group

	mu          sync.Mutex // guards lastAttempt and lastErr
	lastAttempt time.Time
	lastErr     error // of the last fetch, while no keys were ever loaded
}

// failureBackoff paces fetches while no fetch has ever succeeded, so a
// burst of tokens against a failing endpoint is not a burst of fetches.
// Failures are not cached beyond it: the next call after it fetches again.
const failureBackoff = time.Second

// snapshot is one successful fetch.
type snapshot struct {
	keys      keySet
	fetchedAt time.Time
}

func (r *remoteKeys) key(ctx context.Context, kid string, now time.Time) (*publicKey, error) {
	snap := r.current.Load()
	if snap != nil {
		if pk := snap.keys[kid]; pk != nil && now.Sub(snap.fetchedAt) < r.maxAge {
			return pk, nil
		}
	}
	fresh, err := r.load(ctx, now)
	if err != nil {
		// A key that went stale is still better than no answer while the
		// issuer's endpoint is down.
		if snap != nil {
			if pk := snap.keys[kid]; pk != nil {
				return pk, nil
			}
		}
		return nil, err
	}
	if pk := fresh.keys[kid]; pk != nil {
		return pk, nil
	}
	return nil, errUnknownKid
}

func (r *remoteKeys) warm(ctx context.Context, now time.Time) error {
	_, err := r.load(ctx, now)
	return err
}

// load returns keys no older than allowed by the refresh rules, fetching
// them if it may. The caller waits only as long as its own ctx allows; the
// fetch runs on under its own timeout for whoever else is waiting.
func (r *remoteKeys) load(ctx context.Context, now time.Time) (*snapshot, error) {
	ch := r.group.DoChan("jwks", func() (any, error) {
		return r.fetchIfAllowed(context.WithoutCancel(ctx), now)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*snapshot), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

func (r *remoteKeys) fetchIfAllowed(ctx context.Context, now time.Time) (*snapshot, error) {
	r.mu.Lock()
	cur := r.current.Load()
	if cur != nil && now.Sub(r.lastAttempt) < r.minRefresh {
		r.mu.Unlock()
		return cur, nil
	}
	if cur == nil && r.lastErr != nil && now.Sub(r.lastAttempt) < min(failureBackoff, r.minRefresh) {
		err := r.lastErr
		r.mu.Unlock()
		return nil, err
	}
	r.lastAttempt = now
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	keys, err := r.fetch(ctx)
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		r.mu.Lock()
		r.lastErr = err
		r.mu.Unlock()
		return nil, err
	}
	if cur != nil {
		keepIdentity(keys, cur.keys)
	}
	snap := &snapshot{keys: keys, fetchedAt: now}
	r.current.Store(snap)
	return snap, nil
}

// keepIdentity gives every key of fresh that old already held, under the
// same kid and with the same material and alg, old's pointer (see
// keySource). A key that changed or went gets a new pointer or none.
func keepIdentity(fresh, old keySet) {
	for kid, pk := range fresh {
		if prev := old[kid]; prev != nil && prev.equal(pk) {
			fresh[kid] = prev
		}
	}
}

func (r *remoteKeys) fetch(ctx context.Context) (keySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: building request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: fetching keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: fetching keys: HTTP status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSSize+1))
	if err != nil {
		return nil, fmt.Errorf("jwks: reading keys: %w", err)
	}
	if len(body) > MaxJWKSSize {
		return nil, errors.New("jwks: JWKS document larger than 1 MiB")
	}
	return parseKeySet(body, r.algorithms)
}
