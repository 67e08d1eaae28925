package jwks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// allocsPerValidate counts the allocations of one Validate of tok, after a
// first call that may fill the cache. Counting allocations, not time,
// shows whether the signature check ran: a remembered token costs a
// copy of its claims, a checked one its decoding too.
func allocsPerValidate(t *testing.T, v *jwks.Validator, tok string) float64 {
	t.Helper()
	_, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)
	return testing.AllocsPerRun(50, func() {
		if _, err := v.Validate(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCacheAnswersRepeatsAndCanBeTurnedOff(t *testing.T) {
	key, _ := keys(t)
	tok := sign(t, key, idClaims(func(c map[string]any) { c["name"] = "Alice Example" }))

	cached := allocsPerValidate(t, newCognito(t, "id"), tok)
	off := allocsPerValidate(t, newCognito(t, "id", func(c *jwks.Config) { c.CacheSize = -1 }), tok)
	assert.LessOrEqual(t, cached, 3.0, "a remembered token costs at most 3 allocations")
	assert.Greater(t, off, cached+5, "CacheSize -1 checks every time")
}

func TestCachedTokenExpires(t *testing.T) {
	key, _ := keys(t)
	for _, leeway := range []time.Duration{0, 30 * time.Second} {
		t.Run(leeway.String(), func(t *testing.T) {
			clk := newClock(fixedNow)
			v := newCognito(t, "id", func(c *jwks.Config) { c.Now = clk.Now; c.Leeway = leeway })
			tok := sign(t, key, idClaims(func(c map[string]any) { c["exp"] = fixedNow.Add(time.Minute).Unix() }))
			_, err := v.Validate(context.Background(), tok)
			require.NoError(t, err)

			clk.Advance(time.Minute + leeway - time.Second)
			_, err = v.Validate(context.Background(), tok)
			require.NoError(t, err, "a second before exp + leeway")

			clk.Advance(time.Second)
			_, err = v.Validate(context.Background(), tok)
			assert.ErrorIs(t, err, jwks.ErrExpired, "at exp + leeway")
		})
	}
}

// The clock going back before a remembered token's nbf (an NTP step, a
// restored VM) makes it not valid yet again, as it would be unremembered.
func TestCachedTokenRespectsNotBefore(t *testing.T) {
	key, _ := keys(t)
	clk := newClock(fixedNow)
	v := newCognito(t, "id", func(c *jwks.Config) { c.Now = clk.Now; c.Leeway = 10 * time.Second })
	tok := sign(t, key, idClaims(func(c map[string]any) { c["nbf"] = fixedNow.Unix() }))
	_, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)

	clk.Advance(-11 * time.Second)
	_, err = v.Validate(context.Background(), tok)
	assert.ErrorContains(t, err, "nbf")

	clk.Advance(time.Second)
	_, err = v.Validate(context.Background(), tok)
	assert.NoError(t, err, "within the leeway again")
}

// A caller that changes the Claims it got changes nothing for the next
// caller of the same token.
func TestCachedClaimsAreNotShared(t *testing.T) {
	key, _ := keys(t)
	v := newCognito(t, "id")
	tok := sign(t, key, idClaims(func(c map[string]any) {
		c["cognito:groups"] = []string{"staff"}
		c["custom:tier"] = "gold"
	}))
	first, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)
	want := *first
	want.Audience = []string{clientID}
	want.Groups = []string{"staff"}
	want.Custom = map[string]string{"custom:tier": "gold"}

	for range 3 {
		got, err := v.Validate(context.Background(), tok)
		require.NoError(t, err)
		assert.Equal(t, []string{clientID}, got.Audience)
		assert.Equal(t, []string{"staff"}, got.Groups)
		assert.Equal(t, map[string]string{"custom:tier": "gold"}, got.Custom)
		assert.Equal(t, "alice@example.com", got.Email)

		// The attack: a handler that "adds" a group or edits what it got.
		got.Audience[0] = "another-client"
		got.Groups[0] = "admins"
		got.Groups = append(got.Groups[:1], "root")
		got.Custom["custom:tier"] = "platinum"
		got.Custom["custom:createdByCorbado"] = "true"
		got.Email = "mallory@example.com"
		got.ExpiresAt = got.ExpiresAt.Add(24 * time.Hour)
	}
	// first was handed out on the first (uncached) call: also the caller's own.
	first.Groups[0] = "admins"
	got, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, want.Audience, got.Audience)
	assert.Equal(t, want.Groups, got.Groups)
	assert.Equal(t, want.Custom, got.Custom)
	assert.Equal(t, want.Email, got.Email)
	assert.Equal(t, want.ExpiresAt, got.ExpiresAt)
	var all map[string]any
	require.NoError(t, got.Decode(&all))
	assert.Equal(t, []any{"staff"}, all["cognito:groups"])
}

// Many goroutines validate and change their claims at once, through
// evictions (a cache far smaller than the set of tokens); -race reports
// any sharing, and every answer belongs to its own token.
func TestCacheConcurrent(t *testing.T) {
	key, _ := keys(t)
	v := newCognito(t, "id", func(c *jwks.Config) { c.CacheSize = 8 })
	const users = 40
	toks := make([]string, users)
	for i := range toks {
		toks[i] = sign(t, key, idClaims(func(c map[string]any) {
			c["cognito:username"] = fmt.Sprintf("user-%d", i)
			c["cognito:groups"] = []string{"g"}
		}))
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for n := range 200 {
				i := (g*7 + n) % users
				got, err := v.Validate(context.Background(), toks[i])
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, fmt.Sprintf("user-%d", i), got.Username)
				assert.Equal(t, []string{"g"}, got.Groups)
				got.Groups[0] = "changed"
				got.Username = "changed"
			}
		})
	}
	wg.Wait()
}

// When a refreshed JWKS no longer holds a key, a token of that key that
// was remembered is refused, as it would be if it were new.
func TestCachedTokenGoesWithItsKey(t *testing.T) {
	key, other := keys(t)
	srv := jwkstest.NewServer(key, other)
	defer srv.Close()
	clk := newClock(fixedNow)
	v := newRemote(t, srv, clk)
	tok := sign(t, key, idClaims())
	_, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)

	// The issuer withdraws key; an unknown kid causes the refresh.
	srv.SetKeys(other)
	clk.Advance(time.Minute)
	_, err = v.Validate(context.Background(), signHeader(t, other, map[string]any{"alg": "RS256", "kid": "new"}, idClaims()))
	require.ErrorContains(t, err, "kid")
	require.Equal(t, 2, srv.Requests(), "the JWKS was fetched again")

	_, err = v.Validate(context.Background(), tok)
	assert.ErrorContains(t, err, "kid", "the remembered token went with its key")
	_, err = v.Validate(context.Background(), sign(t, other, idClaims()))
	assert.NoError(t, err, "tokens of the key still published are fine")
}

// A kid that comes back with other key material does not revive tokens
// checked with the old key.
func TestCachedTokenGoesWhenItsKidChangesKey(t *testing.T) {
	key, other := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	clk := newClock(fixedNow)
	v := newRemote(t, srv, clk)
	tok := sign(t, key, idClaims())
	_, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)

	impostor := other.JWK()
	impostor["kid"] = key.ID
	doc, err := json.Marshal(map[string]any{"keys": []any{impostor}})
	require.NoError(t, err)
	srv.SetDocument(doc)
	clk.Advance(time.Hour) // MaxKeyAge: the keys are fetched again
	_, err = v.Validate(context.Background(), tok)
	assert.ErrorContains(t, err, "signature")
	assert.Equal(t, 2, srv.Requests())
}

// A refresh that still publishes the key keeps its remembered tokens: the
// repeat stays a lookup, not a signature check.
func TestCachedTokenSurvivesRefreshThatKeepsKey(t *testing.T) {
	key, other := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	clk := newClock(fixedNow)
	v := newRemote(t, srv, clk, func(c *jwks.Config) { c.Leeway = 24 * time.Hour })
	tok := sign(t, key, idClaims())
	_, err := v.Validate(context.Background(), tok)
	require.NoError(t, err)

	srv.SetKeys(key, other)
	clk.Advance(time.Hour)
	assert.LessOrEqual(t, allocsPerValidate(t, v, tok), 3.0)
	assert.Equal(t, 2, srv.Requests(), "refreshed once, after MaxKeyAge")
}

// One key cache per JWKS URL: a pool's ID-token and access-token
// validators fetch its keys once between them.
func TestValidatorsShareKeysOfOneURL(t *testing.T) {
	key, other := keys(t)
	srv := jwkstest.NewServer(key)
	defer srv.Close()
	clk := newClock(fixedNow)
	ids := newRemote(t, srv, clk)
	access := newRemote(t, srv, clk, func(c *jwks.Config) { c.TokenUse = "access" })

	_, err := ids.Validate(context.Background(), sign(t, key, idClaims()))
	require.NoError(t, err)
	_, err = access.Validate(context.Background(), sign(t, key, jwkstest.CognitoAccessClaims(poolID, clientID, "alice", fixedNow)))
	require.NoError(t, err)
	require.NoError(t, access.Warm(context.Background()))
	assert.Equal(t, 1, srv.Requests(), "one fetch for both validators")

	// A rotation one validator notices is seen by the other.
	srv.SetKeys(key, other)
	clk.Advance(time.Minute)
	_, err = ids.Validate(context.Background(), sign(t, other, idClaims()))
	require.NoError(t, err)
	_, err = access.Validate(context.Background(), sign(t, other, jwkstest.CognitoAccessClaims(poolID, clientID, "alice", fixedNow)))
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Requests())

	// Other fetch settings are another cache.
	slow := newRemote(t, srv, clk, func(c *jwks.Config) { c.FetchTimeout = time.Minute })
	require.NoError(t, slow.Warm(context.Background()))
	assert.Equal(t, 3, srv.Requests())
}

// The cache key's inner SHA-256 is reused as the digest of RS256, PS256
// and ES256 signatures; every other algorithm hashes for itself. Each
// algorithm, first and repeated, accepts its own signature and refuses a
// tampered one.
func TestEveryAlgorithmWithTheCache(t *testing.T) {
	key, _ := keys(t)
	jwk := key.JWK()
	delete(jwk, "alg")
	doc, _ := json.Marshal(map[string]any{"keys": []any{jwk}})
	algs := []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	v, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: doc,
		Algorithms: algs, Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	for _, alg := range algs {
		tok := signHeader(t, key, map[string]any{"alg": alg, "kid": key.ID}, idClaims())
		for range 2 {
			_, err := v.Validate(context.Background(), tok)
			assert.NoError(t, err, alg)
		}
		// Another algorithm's signature under this header.
		other := "RS256"
		if alg == "RS256" {
			other = "RS384"
		}
		forged := signHeader(t, key, map[string]any{"alg": other, "kid": key.ID}, idClaims())
		dot := strings.LastIndexByte(tok, '.')
		mixed := tok[:dot] + forged[strings.LastIndexByte(forged, '.'):]
		_, err := v.Validate(context.Background(), mixed)
		assert.ErrorContains(t, err, "signature", alg)
	}
	ec, err := newECKey()
	require.NoError(t, err)
	ev, err := jwks.New(jwks.Config{Issuers: []string{issuer}, Audiences: []string{clientID}, Keys: ec.jwks(),
		Algorithms: []string{"ES256"}, Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	tok := ec.sign(t, idClaims())
	for range 2 {
		_, err := ev.Validate(context.Background(), tok)
		assert.NoError(t, err)
	}
}
