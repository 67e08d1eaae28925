package jwks

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

func hashOf(i int) tokenHash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return sha256.Sum256(b[:])
}

func entry(i int) cachedToken {
	return cachedToken{claims: &Claims{Subject: fmt.Sprint(i)}}
}

func TestTokenCacheHoldsAtMostItsSize(t *testing.T) {
	for _, size := range []int{1, 5, 16, 17, 100, 1000} {
		c := newTokenCache(size)
		for i := range 10 * size {
			h := hashOf(i)
			c.put(&h, entry(i))
			require.LessOrEqual(t, c.len(), size)
		}
		assert.Equal(t, size, c.len(), "size %d: full once more than size tokens went in", size)
		// What is found is what was stored under that hash.
		for i := range 10 * size {
			h := hashOf(i)
			if got, ok := c.get(&h); ok {
				assert.Equal(t, fmt.Sprint(i), got.claims.Subject)
			}
		}
	}
}

// CLOCK gives a used entry a second chance: a token hit since the hand
// last passed survives the next eviction, an unused one does not.
func TestTokenCacheKeepsUsedEntries(t *testing.T) {
	c := newTokenCache(4) // four shards of one slot each
	s := &c.shards[0]
	hashes := make([]tokenHash, 0, 3)
	for i := 0; len(hashes) < 3; i++ {
		if h := hashOf(i); c.shard(&h) == s {
			hashes = append(hashes, h)
		}
	}
	c.put(&hashes[0], entry(0))
	_, ok := c.get(&hashes[0]) // used
	require.True(t, ok)
	c.put(&hashes[1], entry(1)) // the only slot is used: cleared, then taken on the second pass
	_, ok = c.get(&hashes[0])
	assert.False(t, ok, "one slot: the second chance ends when nothing else is there")

	big := newTokenCache(3)
	big.shards = big.shards[:1]
	big.shards[0].limit = 3
	for i := range 3 {
		h := hashOf(i)
		big.put(&h, entry(i))
	}
	h0, h1, h2, h3 := hashOf(0), hashOf(1), hashOf(2), hashOf(3)
	big.get(&h0)
	big.get(&h2)
	big.put(&h3, entry(3))
	_, ok = big.get(&h1)
	assert.False(t, ok, "the one unused entry went")
	for _, h := range []tokenHash{h0, h2, h3} {
		_, ok := big.get(&h)
		assert.True(t, ok)
	}
}

func TestTokenCacheRemoveKeepsNewerEntry(t *testing.T) {
	c := newTokenCache(10)
	h := hashOf(1)
	old, fresh := entry(1), entry(1)
	c.put(&h, old)
	c.put(&h, fresh)
	c.remove(&h, old)
	got, ok := c.get(&h)
	require.True(t, ok, "a stale remove does not drop the verdict stored since")
	assert.Same(t, fresh.claims, got.claims)
	c.remove(&h, fresh)
	_, ok = c.get(&h)
	assert.False(t, ok)
	assert.Equal(t, 0, c.len())
}

// Only tokens that passed are remembered, so rejected input, however
// much, leaves the cache as it was; and the cache of a Validator never
// holds more than Config.CacheSize tokens.
func TestValidatorCacheBoundedAndOnlyValid(t *testing.T) {
	key, err := jwkstest.NewKey()
	require.NoError(t, err)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cfg, err := CognitoConfig("eu-central-1_AbCdEf123", "id", "client")
	require.NoError(t, err)
	cfg.JWKSURL, cfg.Keys, cfg.Now, cfg.CacheSize = "", jwkstest.JWKS(key), func() time.Time { return now }, 8
	v, err := New(cfg)
	require.NoError(t, err)
	claims := jwkstest.CognitoIDClaims("eu-central-1_AbCdEf123", "client", "alice", now)

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			c := map[string]any{}
			for k, val := range claims {
				c[k] = val
			}
			c["jti"] = fmt.Sprint("token-", i)
			tok, err := key.Sign(c)
			if !assert.NoError(t, err) {
				return
			}
			_, err = v.Validate(context.Background(), tok)
			assert.NoError(t, err)
			_, err = v.Validate(context.Background(), badSignature(tok))
			assert.Error(t, err)
		})
	}
	wg.Wait()
	// Each shard is bounded on its own: the total never exceeds the size.
	assert.LessOrEqual(t, v.cache.len(), 8)
	assert.Positive(t, v.cache.len())

	v2, err := New(cfg)
	require.NoError(t, err)
	expired := claims
	expired["exp"] = now.Unix()
	tok, err := key.Sign(expired)
	require.NoError(t, err)
	for range 3 {
		_, err = v2.Validate(context.Background(), tok)
		assert.ErrorIs(t, err, ErrExpired)
	}
	assert.Equal(t, 0, v2.cache.len(), "a rejected token is not remembered")

	cfg.CacheSize = -1
	off, err := New(cfg)
	require.NoError(t, err)
	assert.Nil(t, off.cache)
	cfg.CacheSize = 0
	def, err := New(cfg)
	require.NoError(t, err)
	assert.Equal(t, DefaultCacheSize, def.cfg.CacheSize)
}

// badSignature changes the next-to-last character of tok's signature to
// another one: six bits of the signature, never none. (Writing "AA" over
// the last two left 1 token in 256 as it was, whose signature ended so,
// and failed 1 run in 13 of the 20 tokens above.)
func badSignature(tok string) string {
	i := len(tok) - 2
	c := byte('A')
	if tok[i] == c {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
