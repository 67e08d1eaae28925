package passkey

import (
	"container/heap"
	"container/list"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Defaults of MemoryStateConfig.
const (
	// DefaultMaxEntries bounds a MemoryState: some tens of MiB of
	// ceremonies at most.
	DefaultMaxEntries = 100_000
	// DefaultMaxPerClient is each client's budget of entries in a
	// MemoryState: more begun ceremonies than one person has reason to
	// hold at once.
	DefaultMaxPerClient = 32
)

// MemoryStateConfig configures a MemoryState.
type MemoryStateConfig struct {
	// MaxEntries bounds the entries and counters held in all. Past it,
	// Create and Add fail with ErrBusy. Zero means DefaultMaxEntries.
	MaxEntries int

	// MaxPerClient is each client's budget (StateEntry.Client): past it,
	// the client's own oldest entries go to make room, so that a flood
	// from one client never costs another anything. Zero means
	// DefaultMaxPerClient.
	MaxPerClient int

	// Now is the clock entries expire by. Nil means time.Now.
	Now func() time.Time
}

// MemoryState is a StateStore in the memory of one process: the default,
// for a service that runs one instance. It is safe for concurrent use.
//
// Expired entries are swept on every call, at a cost that grows with the
// entries that expired, never with those held: they wait in a heap
// ordered by expiry. Each client's entries are in a list ordered by age,
// so that the oldest of a client past its budget is found at once.
type MemoryState struct {
	maxEntries, maxPerClient int
	now                      func() time.Time

	mu       sync.Mutex
	entries  map[string]*memEntry
	byExpiry expiryHeap
	clients  map[string]*list.List // Client → its entries, oldest first
}

var _ StateStore = (*MemoryState)(nil)

type memEntry struct {
	key       string
	value     []byte
	counter   int64
	isCounter bool
	expires   time.Time
	client    string

	heapIndex int           // in byExpiry
	inClient  *list.Element // in clients[client]; nil for no client
}

// NewMemoryState returns an empty MemoryState.
func NewMemoryState(cfg MemoryStateConfig) *MemoryState {
	s := &MemoryState{
		maxEntries:   cfg.MaxEntries,
		maxPerClient: cfg.MaxPerClient,
		now:          cfg.Now,
		entries:      map[string]*memEntry{},
		clients:      map[string]*list.List{},
	}
	if s.maxEntries <= 0 {
		s.maxEntries = DefaultMaxEntries
	}
	if s.maxPerClient <= 0 {
		s.maxPerClient = DefaultMaxPerClient
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Len returns the number of entries and counters held, expired ones not
// yet swept included.
func (s *MemoryState) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Create implements StateStore.
func (s *MemoryState) Create(ctx context.Context, e StateEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if e.Key == "" {
		return errors.New("passkey: memory state: empty key")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.sweep()
	if old, ok := s.entries[e.Key]; ok {
		if old.expires.After(now) {
			return ErrStateExists
		}
		s.remove(old)
	}
	if e.Client != "" {
		if l := s.clients[e.Client]; l != nil && l.Len() >= s.maxPerClient {
			s.remove(l.Front().Value.(*memEntry))
		}
	}
	if len(s.entries) >= s.maxEntries {
		return fmt.Errorf("%w: memory state holds %d entries", ErrBusy, len(s.entries))
	}
	s.insert(&memEntry{key: e.Key, value: append([]byte(nil), e.Value...), expires: e.Expires, client: e.Client})
	return nil
}

// Take implements StateStore.
func (s *MemoryState) Take(ctx context.Context, key string) ([]byte, error) {
	return s.read(ctx, key, true)
}

// Get implements StateStore.
func (s *MemoryState) Get(ctx context.Context, key string) ([]byte, error) {
	return s.read(ctx, key, false)
}

func (s *MemoryState) read(ctx context.Context, key string, take bool) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.sweep()
	e, ok := s.entries[key]
	if !ok || !e.expires.After(now) {
		return nil, ErrStateNotFound
	}
	if take {
		s.remove(e)
	}
	if e.isCounter {
		return []byte(strconv.FormatInt(e.counter, 10)), nil
	}
	return append([]byte(nil), e.value...), nil
}

// Delete implements StateStore.
func (s *MemoryState) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	if e, ok := s.entries[key]; ok {
		s.remove(e)
	}
	return nil
}

// Add implements StateStore. A key that holds a live entry of Create's is
// no counter: Add fails with ErrStateExists.
func (s *MemoryState) Add(ctx context.Context, key string, delta int64, expires time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if key == "" {
		return 0, errors.New("passkey: memory state: empty key")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.sweep()
	if e, ok := s.entries[key]; ok && e.expires.After(now) {
		if !e.isCounter {
			return 0, ErrStateExists
		}
		e.counter += delta
		return e.counter, nil
	} else if ok {
		s.remove(e)
	}
	if len(s.entries) >= s.maxEntries {
		return 0, fmt.Errorf("%w: memory state holds %d entries", ErrBusy, len(s.entries))
	}
	s.insert(&memEntry{key: key, counter: delta, isCounter: true, expires: expires})
	return delta, nil
}

// sweep removes the entries that have expired and returns the time it
// swept at. The caller holds s.mu.
func (s *MemoryState) sweep() time.Time {
	now := s.now()
	for len(s.byExpiry) > 0 && !s.byExpiry[0].expires.After(now) {
		s.remove(s.byExpiry[0])
	}
	return now
}

func (s *MemoryState) insert(e *memEntry) {
	s.entries[e.key] = e
	heap.Push(&s.byExpiry, e)
	if e.client != "" {
		l := s.clients[e.client]
		if l == nil {
			l = list.New()
			s.clients[e.client] = l
		}
		e.inClient = l.PushBack(e)
	}
}

func (s *MemoryState) remove(e *memEntry) {
	delete(s.entries, e.key)
	heap.Remove(&s.byExpiry, e.heapIndex)
	if e.inClient != nil {
		l := s.clients[e.client]
		l.Remove(e.inClient)
		if l.Len() == 0 {
			delete(s.clients, e.client)
		}
		e.inClient = nil
	}
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []*memEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex, h[j].heapIndex = i, j
}
func (h *expiryHeap) Push(x any) {
	e := x.(*memEntry)
	e.heapIndex = len(*h)
	*h = append(*h, e)
}
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
