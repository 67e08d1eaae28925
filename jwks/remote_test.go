package jwks_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

type clock = testtools.Clock

func newClock(t time.Time) *clock { return testtools.NewClock(t) }

func newRemote(t *testing.T, srv *jwkstest.Server, clk *clock, mutate ...func(*jwks.Config)) *jwks.Validator {
	t.Helper()
	cfg, err := jwks.CognitoConfig(poolID, "id", clientID)
	require.NoError(t, err)
	cfg.JWKSURL = srv.URL()
	cfg.Now = clk.Now
	for _, m := range mutate {
		m(&cfg)
	}
	v, err := jwks.New(cfg)
	require.NoError(t, err)
	return v
}

func TestRemoteKeysFetchedOnceAndCached(t *testing.T) {
	key, _ := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	clk := newClock(fixedNow)
	v := newRemote(t, srv, clk)
	tok := sign(t, key, idClaims())
	for range 10 {
		_, err := v.Validate(context.Background(), tok)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Requests())
}

func TestRemoteSingleflight(t *testing.T) {
	// Inside a synctest bubble, with a transport that holds the fetch
	// until released, synctest.Wait returns once every caller is parked:
	// on the one fetch in flight, or, were the fetches not shared, on a
	// fetch of its own. No caller can still be on its way when the fetch
	// is released, as one could after a sleep on a loaded machine.
	key, _ := keys(t)
	doc := jwkstest.JWKS(key)
	tok := sign(t, key, idClaims())
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var requests atomic.Int64
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			requests.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
			return &http.Response{
				StatusCode: http.StatusOK,
				Header:     http.Header{"Content-Type": {"application/json"}},
				Body:       io.NopCloser(bytes.NewReader(doc)),
				Request:    r,
			}, nil
		})}
		cfg, err := jwks.CognitoConfig(poolID, "id", clientID)
		require.NoError(t, err)
		cfg.JWKSURL = "http://jwks.test/.well-known/jwks.json"
		cfg.HTTPClient = client
		cfg.Now = newClock(fixedNow).Now
		v, err := jwks.New(cfg)
		require.NoError(t, err)

		const callers = 50
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for range callers {
			wg.Go(func() {
				_, err := v.Validate(context.Background(), tok)
				errs <- err
			})
		}
		synctest.Wait() // every caller waits on a fetch
		assert.EqualValues(t, 1, requests.Load(), "one in-flight fetch however many callers")
		close(release)
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
		assert.EqualValues(t, 1, requests.Load(), "the callers waiting got the one fetch's keys")
	})
}

// roundTripFunc is an http.RoundTripper in a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRemoteCallerContextBoundsOnlyThatCaller(t *testing.T) {
	key, _ := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	release := make(chan struct{})
	srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write(jwkstest.JWKS(key))
	}))
	v := newRemote(t, srv, newClock(fixedNow))
	tok := sign(t, key, idClaims())

	patient := make(chan error, 1)
	go func() {
		_, err := v.Validate(context.Background(), tok)
		patient <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := v.Validate(ctx, tok)
	assert.ErrorIs(t, err, jwks.ErrUnavailable)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// The impatient caller leaving does not cancel the fetch the other waits on.
	close(release)
	assert.NoError(t, <-patient)
	assert.Equal(t, 1, srv.Requests())
}

func TestRemoteFetchTimeout(t *testing.T) {
	key, _ := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	v := newRemote(t, srv, newClock(fixedNow), func(c *jwks.Config) { c.FetchTimeout = 50 * time.Millisecond })
	done := make(chan error, 1)
	go func() {
		_, err := v.Validate(context.Background(), sign(t, key, idClaims()))
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, jwks.ErrUnavailable)
		assert.NotErrorIs(t, err, jwks.ErrInvalidToken)
	case <-time.After(10 * time.Second):
		t.Fatal("the fetch timeout did not end the fetch")
	}
}

func TestRemoteFailuresNotCached(t *testing.T) {
	key, _ := keys(t)
	huge := strings.Repeat(" ", jwks.MaxJWKSSize+1)
	bad := map[string]http.HandlerFunc{
		"500":     func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) },
		"garbage": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>not json")) },
		"huge":    func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"keys":[]}` + huge)) },
		"no keys": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"keys":[]}`)) },
		"404":     http.NotFound,
		"private doc": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"keys":[{"kty":"oct","kid":"x","k":"AAAA"}]}`))
		},
	}
	for name, h := range bad {
		t.Run(name, func(t *testing.T) {
			// A server of its own: validators of one URL share their keys.
			srv := jwkstest.NewServer(key)
			defer srv.Close()
			srv.SetHandler(h)
			clk := newClock(fixedNow)
			v := newRemote(t, srv, clk)
			tok := sign(t, key, idClaims())
			before := srv.Requests()
			_, err := v.Validate(context.Background(), tok)
			assert.ErrorIs(t, err, jwks.ErrUnavailable)

			// Within a second of a failure, callers get that failure
			// without another fetch: a burst is not a burst of fetches.
			srv.SetHandler(nil)
			assert.ErrorIs(t, v.Warm(context.Background()), jwks.ErrUnavailable)
			assert.Equal(t, before+1, srv.Requests())

			// Failures are not cached beyond that: once the endpoint has
			// recovered, the next call after the pause fetches and succeeds.
			clk.Advance(time.Second)
			_, err = v.Validate(context.Background(), tok)
			assert.NoError(t, err)
			assert.Equal(t, before+2, srv.Requests())
		})
	}
}

func TestRemoteUnknownKidRateLimited(t *testing.T) {
	key, other := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	clk := newClock(fixedNow)
	v := newRemote(t, srv, clk, func(c *jwks.Config) { c.MinRefreshInterval = time.Minute })
	require.NoError(t, v.Warm(context.Background()))
	require.Equal(t, 1, srv.Requests())
	_, err := v.Validate(context.Background(), signHeader(t, key, map[string]any{"alg": "RS256", "kid": "early"}, idClaims()))
	assert.ErrorContains(t, err, "kid")
	assert.Equal(t, 1, srv.Requests(), "the load by Warm counts: no refetch inside the interval")

	// A flood of random kids costs at most one refetch per interval. The
	// tokens are signed first: 1,000 RSA signatures inside the burst (under
	// -race, on 2 cores) starved the refetch past its FetchTimeout, and the
	// burst got ErrUnavailable instead of a verdict.
	toks := make([]string, 1000)
	for i := range toks {
		toks[i] = signHeader(t, key, map[string]any{"alg": "RS256", "kid": fmt.Sprintf("random-%d", i)}, idClaims())
	}
	clk.Advance(time.Minute)
	var wg sync.WaitGroup
	for _, tok := range toks {
		wg.Go(func() {
			_, err := v.Validate(context.Background(), tok)
			assert.ErrorIs(t, err, jwks.ErrInvalidToken)
		})
	}
	wg.Wait()
	assert.Equal(t, 2, srv.Requests(), "one refetch for the whole burst")

	// Key rotation: a new kid is found once the interval has passed.
	srv.SetKeys(key, other)
	rotated := sign(t, other, idClaims())
	_, err = v.Validate(context.Background(), rotated)
	assert.ErrorContains(t, err, "kid", "still inside the interval")
	assert.Equal(t, 2, srv.Requests())
	clk.Advance(time.Minute)
	_, err = v.Validate(context.Background(), rotated)
	assert.NoError(t, err)
	assert.Equal(t, 3, srv.Requests())
	// The old key keeps working without a fetch.
	_, err = v.Validate(context.Background(), sign(t, key, idClaims()))
	assert.NoError(t, err)
	assert.Equal(t, 3, srv.Requests())
}

func TestRemoteStaleKeysRefetchedAndKeptOnFailure(t *testing.T) {
	key, other := keys(t)
	srv := jwkstest.NewServer(key, other)
	defer srv.Close()
	clk := newClock(fixedNow)
	v := newRemote(t, srv, clk, func(c *jwks.Config) { c.MaxKeyAge = time.Hour; c.Leeway = 24 * time.Hour })
	tok := sign(t, key, idClaims())
	_, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)

	// After MaxKeyAge the keys are fetched again; the issuer withdrew key.
	srv.SetKeys(other)
	clk.Advance(time.Hour)
	_, err = v.Validate(context.Background(), tok)
	assert.ErrorContains(t, err, "kid", "a withdrawn key stops being trusted")
	assert.Equal(t, 2, srv.Requests())

	// When the endpoint is down, stale keys are still used.
	clk.Advance(2 * time.Hour)
	srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }))
	_, err = v.Validate(context.Background(), sign(t, other, idClaims()))
	assert.NoError(t, err)
	assert.Equal(t, 3, srv.Requests())
}

func TestWarm(t *testing.T) {
	key, _ := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	v := newRemote(t, srv, newClock(fixedNow))
	require.NoError(t, v.Warm(context.Background()))
	assert.Equal(t, 1, srv.Requests())
	_, err := v.Validate(context.Background(), sign(t, key, idClaims()))
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Requests(), "Validate used the warmed keys")

	static := newCognito(t, "id")
	assert.NoError(t, static.Warm(context.Background()))
}

// An endless JWKS body is stopped by the 1 MiB cap, not by the fetch
// timeout: with an hour of FetchTimeout, the fetch still ends, with the
// cap's error, having read little more than the cap. (The server gives up
// after 256 MiB, so that a broken cap fails this test instead of hanging it.)
func TestRemoteBodyCapStopsEndlessBody(t *testing.T) {
	key, _ := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	var written atomic.Int64
	srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat(`{"kty":"RSA","kid":"x"},`, 2048))
		w.Write([]byte(`{"keys":[`))
		for written.Load() < 256<<20 {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	v := newRemote(t, srv, newClock(fixedNow), func(c *jwks.Config) { c.FetchTimeout = time.Hour })
	err := v.Warm(context.Background())
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	assert.ErrorContains(t, err, "larger than 1 MiB")
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, written.Load(), int64(64<<20), "the client stopped reading at the cap")
}
