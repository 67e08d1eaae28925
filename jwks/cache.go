package jwks

import (
	"crypto/sha256"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// The verified-token cache remembers the claims of tokens whose signature
// and claims checked out, keyed by a SHA-256 of the whole token, so a
// token presented again is answered without another signature check.
//
// Only tokens that passed every check are stored, so hostile input cannot
// fill it. A remembered token is answered only while
//   - now is before its exp plus Leeway (the entry's deadline),
//   - its nbf, minus Leeway, has come (checked again at each hit),
//   - the key source still publishes the very key it was checked with
//     under its kid (keySource keeps a key's pointer across refreshes).
//
// The last rule also keeps a verdict from outliving its key: a hit asks
// the key source for the kid exactly as a first validation would, so keys
// older than MaxKeyAge are refetched, and when a refreshed JWKS no longer
// has the key, every remembered token of it is refused and dropped. An
// entry that fails a rule is not an answer: the token goes through the
// full check, which gives the right error.
//
// Memory is bounded by CacheSize entries, replaced by CLOCK (second
// chance): a hit sets the entry's reference bit, eviction clears bits
// until it finds an unset one. No entry has a timer or goroutine; expired
// entries are dropped when hit or evicted. The cache is split into shards
// by the first hash byte, each under its own mutex, so concurrent
// validations of different tokens rarely wait for each other.

// tokenHash is the cache key, a SHA-256 over the whole token:
//
//	SHA-256( SHA-256(header.payload) ‖ signature segment )
//
// split at the token's last dot. The inner sum has a fixed length and
// the signature segment holds no dot, so the pair determines the token,
// and two tokens share a key only if SHA-256 collides. The inner sum is
// the digest an RS256, PS256 or ES256 signature is checked against, so a
// first validation hashes the token once, not twice. Only hashes are
// kept: the cache never holds a bearer token.
type tokenHash [sha256.Size]byte

// hashToken returns the token's cache key and the SHA-256 of the part
// before its last dot, or ok false when it has no dot. It reads token
// through a small stack buffer: a repeat validation costs no copy of it.
func hashToken(token string) (key tokenHash, signed signedDigest, ok bool) {
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return key, signed, false
	}
	var buf [512]byte
	inner := sha256.New()
	for s := token[:dot]; len(s) > 0; {
		n := copy(buf[:], s)
		inner.Write(buf[:n])
		s = s[n:]
	}
	signed.end = dot
	inner.Sum(signed.sum[:0])
	outer := sha256.New()
	outer.Write(signed.sum[:])
	for s := token[dot+1:]; len(s) > 0; {
		n := copy(buf[:], s)
		outer.Write(buf[:n])
		s = s[n:]
	}
	outer.Sum(key[:0])
	return key, signed, true
}

// signedDigest is the SHA-256 of token[:end].
type signedDigest struct {
	end int
	sum [sha256.Size]byte
}

const maxCacheShards = 16

type tokenCache struct {
	shards []cacheShard
}

// cachedToken is one remembered verdict, kept by value in its slot.
// claims is never handed out (callers get clones) nor changed, and a nil
// claims marks a free slot.
type cachedToken struct {
	claims   *Claims
	kid      string
	key      *publicKey
	deadline time.Time // exp + Leeway
}

type cacheShard struct {
	mu    sync.Mutex
	index map[tokenHash]int // slot of each stored hash
	slots []cacheSlot       // grows to capacity, then is reused in place
	limit int
	hand  int // CLOCK hand: the next slot eviction looks at
}

type cacheSlot struct {
	hash tokenHash
	tok  cachedToken
	used bool // CLOCK reference bit
}

// newTokenCache returns a cache of exactly size entries in total.
func newTokenCache(size int) *tokenCache {
	n := min(size, maxCacheShards)
	c := &tokenCache{shards: make([]cacheShard, n)}
	for i := range c.shards {
		limit := size / n
		if i < size%n {
			limit++
		}
		c.shards[i] = cacheShard{index: make(map[tokenHash]int), limit: limit}
	}
	return c
}

func (c *tokenCache) shard(h *tokenHash) *cacheShard {
	return &c.shards[int(h[0])%len(c.shards)]
}

// get returns the entry for h and marks it used; ok is false when there
// is none.
func (c *tokenCache) get(h *tokenHash) (t cachedToken, ok bool) {
	s := c.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[*h]
	if !ok {
		return cachedToken{}, false
	}
	s.slots[i].used = true
	return s.slots[i].tok, true
}

// put stores t under h, evicting one entry if the shard is full.
func (c *tokenCache) put(h *tokenHash, t cachedToken) {
	s := c.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[*h]; ok {
		s.slots[i].tok = t
		return
	}
	i := len(s.slots)
	if i < s.limit {
		s.slots = append(s.slots, cacheSlot{})
	} else {
		i = s.victim()
		if old := &s.slots[i]; old.tok.claims != nil {
			delete(s.index, old.hash)
		}
	}
	s.slots[i] = cacheSlot{hash: *h, tok: t}
	s.index[*h] = i
}

// victim returns the slot to reuse: the first free or unreferenced slot
// from the hand on, clearing reference bits on the way. It ends within
// two turns, since the first turn clears every bit.
func (s *cacheShard) victim() int {
	for {
		i := s.hand
		s.hand = (s.hand + 1) % len(s.slots)
		slot := &s.slots[i]
		if slot.tok.claims == nil || !slot.used {
			return i
		}
		slot.used = false
	}
}

// remove drops h if it still holds t, so that a verdict stored meanwhile
// by another goroutine survives.
func (c *tokenCache) remove(h *tokenHash, t cachedToken) {
	s := c.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[*h]; ok && s.slots[i].tok.claims == t.claims {
		delete(s.index, *h)
		s.slots[i] = cacheSlot{}
	}
}

// len returns the number of stored entries.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.index)
		s.mu.Unlock()
	}
	return n
}

// clone returns a copy of c that shares nothing a caller can change: the
// cached claims are handed out to many callers, and one of them changing
// its Audience, Groups or Custom must not change another's. Strings are
// immutable and raw is only read, so they are shared. The usual single
// audience lives in the same allocation as the copy.
func (c *Claims) clone() *Claims {
	out := &struct {
		claims Claims
		aud    [1]string
	}{claims: *c}
	cl := &out.claims
	if len(c.Audience) == 1 {
		out.aud[0] = c.Audience[0]
		cl.Audience = out.aud[:1:1]
	} else {
		cl.Audience = slices.Clone(c.Audience)
	}
	cl.Groups = slices.Clone(c.Groups)
	cl.Custom = maps.Clone(c.Custom)
	cl.wire.Aud.values, cl.wire.Groups = nil, nil
	return cl
}
