package attack

import (
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// floodTokens returns n tokens with random kids: a valid header and
// payload and a random signature, which is never looked at because the
// kid lookup comes first.
func floodTokens(n int) []string {
	payload := b64u([]byte(claimsJSON(nil)))
	sig := make([]byte, 256)
	_, _ = rand.Read(sig)
	tail := "." + payload + "." + b64u(sig)
	tokens := make([]string, n)
	for i := range tokens {
		kid := make([]byte, 12)
		_, _ = rand.Read(kid)
		tokens[i] = b64u([]byte(`{"alg":"RS256","kid":"`+b64u(kid)+`"}`)) + tail
	}
	return tokens
}

type floodResult struct {
	fetches  int // JWKS requests during the burst
	elapsed  time.Duration
	rejected int // random-kid tokens rejected as invalid
	valid    int // valid tokens accepted
	other    []error
}

// flood validates tokens from 50 goroutines, a valid token after every
// 100th, calling step after each; it counts the JWKS requests srv gets.
func flood(v *jwks.Validator, srv *jwkstest.Server, tokens []string, valid string, step func()) floodResult {
	const workers = 50
	var res floodResult
	var mu sync.Mutex
	var rejected, accepted atomic.Int64
	before := srv.Requests()
	next := make(chan int)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range next {
				_, err := v.Validate(context.Background(), tokens[i])
				if errors.Is(err, jwks.ErrInvalidToken) {
					rejected.Add(1)
				} else {
					mu.Lock()
					res.other = append(res.other, err)
					mu.Unlock()
				}
				if i%100 == 0 {
					if _, err := v.Validate(context.Background(), valid); err == nil {
						accepted.Add(1)
					} else {
						mu.Lock()
						res.other = append(res.other, err)
						mu.Unlock()
					}
				}
				step()
			}
		})
	}
	for i := range tokens {
		next <- i
	}
	close(next)
	wg.Wait()
	res.elapsed = time.Since(t0)
	res.fetches = srv.Requests() - before
	res.rejected, res.valid = int(rejected.Load()), int(accepted.Load())
	return res
}

// TestJWKSFlood: a burst of 10,000 tokens with random kids costs at most
// one JWKS fetch per MinRefreshInterval, counted at the JWKS server, both
// on a clock that moves 1 ms a token (10 s of time, interval 1 s) and on
// the real clock (interval 100 ms), and while the endpoint is down with
// keys cached; every random-kid token is an invalid token (not
// ErrUnavailable), and the valid tokens mixed in keep validating.
func TestJWKSFlood(t *testing.T) {
	testtools.LoadTest(t)
	const n = 10000
	key := &jwkstest.Key{ID: "main", Alg: "RS256", PrivateKey: rsaKey(t, "main")}
	valid := jws(hdrMain, claimsJSON(nil), rs(key.PrivateKey, crypto.SHA256))
	tokens := floodTokens(n)

	newFlooded := func(t *testing.T, interval time.Duration, now func() time.Time) (*jwks.Validator, *jwkstest.Server) {
		srv := jwkstest.NewServer(key)
		t.Cleanup(srv.Close)
		cfg, err := jwks.CognitoConfig(hostilePool, "id", hostileClient)
		require.NoError(t, err)
		cfg.JWKSURL = srv.URL()
		cfg.MinRefreshInterval = interval
		cfg.MaxKeyAge = 24 * time.Hour
		cfg.Now = now
		v, err := jwks.New(cfg)
		require.NoError(t, err)
		require.NoError(t, v.Warm(context.Background()))
		return v, srv
	}
	check := func(t *testing.T, res floodResult, span, interval time.Duration) {
		t.Helper()
		assert.Empty(t, res.other, "errors other than rejections")
		assert.Equal(t, n, res.rejected)
		assert.Equal(t, n/100, res.valid)
		allowed := int(span/interval) + 1
		assert.LessOrEqual(t, res.fetches, allowed, "JWKS fetches for %v of burst at one per %v", span, interval)
		t.Logf("figures: %d random-kid tokens from 50 goroutines in %v (%.0f tokens/s): %d JWKS fetches over %v of clock time "+
			"with MinRefreshInterval %v (at most %d allowed)", n, res.elapsed.Round(time.Millisecond),
			float64(n)/res.elapsed.Seconds(), res.fetches, span.Round(time.Millisecond), interval, allowed)
	}

	t.Run("moving clock", func(t *testing.T) {
		clk := newFakeClock(time.Now())
		v, srv := newFlooded(t, time.Second, clk.Now)
		start := clk.Now()
		res := flood(v, srv, tokens, valid, func() { clk.Advance(time.Millisecond) })
		check(t, res, clk.Now().Sub(start), time.Second)
		assert.Greater(t, res.fetches, 1, "the clock moved 10 intervals: refetches are allowed and must happen")
	})
	t.Run("real clock", func(t *testing.T) {
		v, srv := newFlooded(t, 100*time.Millisecond, time.Now)
		start := time.Now()
		res := flood(v, srv, tokens, valid, func() {})
		check(t, res, time.Since(start), 100*time.Millisecond)
	})
	t.Run("endpoint down, keys cached", func(t *testing.T) {
		clk := newFakeClock(time.Now())
		v, srv := newFlooded(t, time.Second, clk.Now)
		srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }))
		start := clk.Now()
		res := flood(v, srv, tokens, valid, func() { clk.Advance(time.Millisecond) })
		// While the endpoint is down an unknown kid is ErrUnavailable
		// whenever a refetch was due; otherwise it is a rejection.
		var unavailable int
		for _, err := range res.other {
			if errors.Is(err, jwks.ErrUnavailable) && !errors.Is(err, jwks.ErrInvalidToken) {
				unavailable++
			}
		}
		assert.Equal(t, len(res.other), unavailable, "only ErrUnavailable besides rejections")
		assert.Equal(t, n, res.rejected+unavailable)
		res.other, res.rejected = nil, n
		check(t, res, clk.Now().Sub(start), time.Second)
	})
	// Without keys, failures pace the fetches: after a failed fetch the
	// next one waits a second (or MinRefreshInterval, if shorter), and
	// one fetch at most is in flight.
	t.Run("endpoint down, nothing cached", func(t *testing.T) {
		srv := jwkstest.NewServer()
		defer srv.Close()
		var inFlight, most atomic.Int32
		srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(2 * time.Millisecond)
			http.Error(w, "down", http.StatusServiceUnavailable)
		}))
		cfg, err := jwks.CognitoConfig(hostilePool, "id", hostileClient)
		require.NoError(t, err)
		cfg.JWKSURL = srv.URL()
		cfg.MinRefreshInterval = time.Second
		v, err := jwks.New(cfg)
		require.NoError(t, err)
		res := flood(v, srv, tokens, valid, func() {})
		for _, err := range res.other {
			require.ErrorIs(t, err, jwks.ErrUnavailable)
		}
		assert.Equal(t, int32(1), most.Load(), "JWKS fetches in flight at once")
		allowed := int(res.elapsed/time.Second) + 1
		assert.LessOrEqual(t, res.fetches, allowed, "one fetch per second after failures")
		t.Logf("figures: %d random-kid tokens against a JWKS endpoint answering 503 in 2 ms, nothing cached: "+
			"%d fetches in %v (at most one a second after a failure, one in flight)",
			n, res.fetches, res.elapsed.Round(time.Millisecond))
	})
}
