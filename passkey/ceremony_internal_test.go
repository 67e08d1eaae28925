package passkey

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func TestPendingSingleUse(t *testing.T) {
	clock := &testClock{t: time.Unix(1_700_000_000, 0)}
	p := newPending[string](10, time.Minute, clock.now)

	id, expires, err := p.put("a")
	require.NoError(t, err)
	assert.Len(t, id, 43, "256 bits, base64url")
	assert.Equal(t, clock.t.Add(time.Minute), expires)

	v, ok := p.peek(id)
	assert.True(t, ok)
	assert.Equal(t, "a", v)
	v, ok = p.take(id)
	assert.True(t, ok)
	assert.Equal(t, "a", v)
	_, ok = p.take(id)
	assert.False(t, ok, "taken twice")
	_, ok = p.peek(id)
	assert.False(t, ok)
	_, ok = p.take("")
	assert.False(t, ok)
}

func TestPendingExpiry(t *testing.T) {
	clock := &testClock{t: time.Unix(1_700_000_000, 0)}
	p := newPending[int](10, time.Minute, clock.now)
	tests := []struct {
		name  string
		after time.Duration
		want  bool
	}{
		{"fresh", 0, true},
		{"just before", time.Minute - time.Nanosecond, true},
		{"at expiry", time.Minute, false},
		{"after", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := clock.t
			id, _, err := p.put(1)
			require.NoError(t, err)
			clock.t = start.Add(tt.after)
			_, ok := p.peek(id)
			assert.Equal(t, tt.want, ok, "peek")
			_, ok = p.take(id)
			assert.Equal(t, tt.want, ok, "take")
			_, ok = p.take(id)
			assert.False(t, ok, "an expired or taken ID stays gone")
			clock.t = start
		})
	}
}

func TestPendingBounded(t *testing.T) {
	clock := &testClock{t: time.Unix(1_700_000_000, 0)}
	p := newPending[int](3, time.Minute, clock.now)
	for i := range 3 {
		_, _, err := p.put(i)
		require.NoError(t, err)
	}
	_, _, err := p.put(4)
	assert.ErrorIs(t, err, ErrBusy)
	assert.Equal(t, 3, p.len())

	clock.t = clock.t.Add(time.Minute)
	_, _, err = p.put(5)
	require.NoError(t, err, "expired entries are swept to make room")
	assert.Equal(t, 1, p.len())
}

func TestPendingConcurrentTake(t *testing.T) {
	p := newPending[int](100, time.Minute, time.Now)
	id, _, err := p.put(1)
	require.NoError(t, err)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		taken int
	)
	for range 16 {
		wg.Go(func() {
			if _, ok := p.take(id); ok {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, taken)
}

func TestPendingKeepsNoIDs(t *testing.T) {
	p := newPending[int](10, time.Minute, time.Now)
	id, _, err := p.put(1)
	require.NoError(t, err)
	for k := range p.items {
		assert.NotContains(t, string(k[:]), id)
	}
}

func TestNormalizeUsername(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ada@example.com", "ada@example.com", true},
		{"  Ada@Example.COM\t", "ada@example.com", true},
		{"a@b", "a@b", true},
		{"", "", false},
		{"ada", "", false},
		{"@example.com", "", false},
		{"ada@", "", false},
		{"a@b@c", "", false},
		{"ada lovelace@example.com", "", false},
		{"ada\x00@example.com", "", false},
		{"ada@example.com\x7f", "", false},
		{string(make([]byte, 255)), "", false},
	}
	for _, tt := range tests {
		got, ok := normalizeUsername(tt.in)
		assert.Equal(t, tt.ok, ok, "%q", tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header, want string
		wantErr      bool
	}{
		{"", "", false},
		{"Bearer abc.def.ghi", "abc.def.ghi", false},
		{"bearer  abc ", "abc", false},
		{"Bearer", "", true},
		{"Bearer ", "", true},
		{"Basic YTpi", "", true},
		{"abc.def.ghi", "", true},
	}
	for _, tt := range tests {
		got, err := bearerToken(tt.header)
		assert.Equal(t, tt.want, got, "%q", tt.header)
		if tt.wantErr {
			assert.ErrorIs(t, err, ErrNotAuthorized, "%q", tt.header)
		} else {
			assert.NoError(t, err, "%q", tt.header)
		}
	}
}

func TestPublicErrors(t *testing.T) {
	// Every sentinel has one answer, and wrapping keeps it.
	seen := map[string]bool{}
	for _, pe := range publicErrors {
		assert.False(t, seen[pe.code], "code %s twice", pe.code)
		seen[pe.code] = true
		got := publicErrorFor(wrapTwice(pe.sentinel))
		assert.Equal(t, pe.code, got.code)
		assert.NotContains(t, pe.message, "passkey:")
	}
	assert.Equal(t, "internal", publicErrorFor(assert.AnError).code)
	assert.Equal(t, 500, publicErrorFor(ErrNotFound).status)
}

func wrapTwice(err error) error {
	return &wrapped{&wrapped{err}}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "x: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }
