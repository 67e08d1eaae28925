package attack

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/internal/testtools"
)

// TestConcurrentFirstLoginsOfOneUser: 100 first logins of the same new
// user at once make exactly one Cognito user, confirmed and marked as the
// provider's, and 100 distinct sessions of that user whose ID and access
// tokens validate against the emulator's JWKS.
func TestConcurrentFirstLoginsOfOneUser(t *testing.T) {
	testtools.LoadTest(t)
	const logins = 100
	a := newAudit(t)
	// Every login's first AdminInitiateAuth is answered before any login
	// goes on, so all 100 learn that the user is missing and race to
	// create it; the latency widens the window in which the winner's user
	// waits for its password, which the losers then repair.
	gate := newBarrier(logins)
	p := newPool(t, a, func(o *poolOptions) { o.wrap = gate.wrap })
	p.srv.SetLatency("AdminSetUserPassword", 100*time.Millisecond)
	ctx := context.Background()
	const username = "first.login@example.com"
	a.username(username)
	// Four backend processes: creates of one user coalesce inside a
	// process, so the race between processes is what Cognito settles.
	const processes = 4
	stores := make([]*cognitobridge.Store, processes)
	for i := range stores {
		stores[i] = p.newStore(t)
	}

	sessions := make([]*cognitobridge.Session, logins)
	errs := make([]error, logins)
	took := make(durations, logins)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range logins {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			sessions[i], errs[i] = stores[i%processes].Login(ctx, username, cognitobridge.CreateOptions{})
			took[i] = time.Since(t0)
			a.err(errs[i])
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)

	users := p.srv.Users()
	require.Len(t, users, 1, "exactly one Cognito user")
	u := users[0]
	assert.Equal(t, username, u.Username)
	assert.Equal(t, types.UserStatusTypeConfirmed, u.Status)
	assert.Equal(t, "true", u.Attributes[cognitobridge.DefaultProviderAttribute])
	assert.True(t, u.Enabled)

	refresh := map[string]bool{}
	for i := range logins {
		if !assert.NoError(t, errs[i], "login %d", i) {
			continue
		}
		assert.NoError(t, p.checkSession(ctx, username, sessions[i]), "session %d", i)
		assert.Equal(t, u.Sub, sessions[i].Sub, "session %d", i)
		refresh[sessions[i].RefreshToken] = true
	}
	assert.Len(t, refresh, logins, "every login is a session of its own")
	// The race happened: every login found the user missing (otherwise
	// this test would prove nothing), and every process tried to create it.
	assert.Equal(t, 2*logins, p.srv.Calls("AdminInitiateAuth"), "every login found the user missing first")
	assert.GreaterOrEqual(t, p.srv.Calls("AdminCreateUser"), processes, "every process raced to create the user")
	assert.Less(t, p.srv.Calls("AdminCreateUser"), logins, "creates coalesce inside a process")

	t.Logf("figures: %d concurrent first logins of one user: %v wall, latency p50 %v p99 %v; Cognito calls: %d "+
		"(AdminInitiateAuth %d, AdminCreateUser %d, AdminGetUser %d, AdminSetUserPassword %d, AdminRespondToAuthChallenge %d)",
		logins, elapsed.Round(time.Millisecond), took.percentile(0.5), took.percentile(0.99), p.srv.Calls(""),
		p.srv.Calls("AdminInitiateAuth"), p.srv.Calls("AdminCreateUser"), p.srv.Calls("AdminGetUser"),
		p.srv.Calls("AdminSetUserPassword"), p.srv.Calls("AdminRespondToAuthChallenge"))
}

// TestConcurrentLoginsOfDistinctUsers: 1,000 first logins of distinct
// users from 50 goroutines all succeed, make 1,000 confirmed provider
// users, and every session's tokens validate.
func TestConcurrentLoginsOfDistinctUsers(t *testing.T) {
	testtools.LoadTest(t)
	const (
		users   = 1000
		workers = 50
	)
	a := newAudit(t)
	p := newPool(t, a)
	ctx := context.Background()

	names := make(chan int)
	took := make(durations, users)
	errs := make([]error, users)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range names {
				username := fmt.Sprintf("user%04d@example.com", i)
				a.username(username)
				t0 := time.Now()
				sess, err := p.store.Login(ctx, username, cognitobridge.CreateOptions{})
				took[i] = time.Since(t0)
				if err == nil {
					err = p.checkSession(ctx, username, sess)
				}
				errs[i] = a.err(err)
			}
		})
	}
	t0 := time.Now()
	for i := range users {
		names <- i
	}
	close(names)
	wg.Wait()
	elapsed := time.Since(t0)

	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			if failed <= 5 {
				t.Errorf("login %d: %v", i, err)
			}
		}
	}
	assert.Zero(t, failed, "failed logins")
	all := p.srv.Users()
	require.Len(t, all, users)
	for _, u := range all {
		if u.Status != types.UserStatusTypeConfirmed || u.Attributes[cognitobridge.DefaultProviderAttribute] != "true" {
			t.Errorf("user %s: status %s, provider attribute %q", u.Username, u.Status, u.Attributes[cognitobridge.DefaultProviderAttribute])
		}
	}
	t.Logf("figures: %d first logins of distinct users from %d goroutines: %v wall (%.0f logins/s), latency p50 %v p99 %v, "+
		"%d Cognito calls (%.1f a login)",
		users, workers, elapsed.Round(time.Millisecond), float64(users)/elapsed.Seconds(),
		took.percentile(0.5), took.percentile(0.99), p.srv.Calls(""), float64(p.srv.Calls(""))/users)
}

// barrier holds the first n AdminInitiateAuth answers until all n have
// arrived (or 30 s have passed), so n logins start from the same state.
type barrier struct {
	n       int32
	arrived atomic.Int32
	all     chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: int32(n), all: make(chan struct{})} }

func (b *barrier) wrap(next cognitobridge.CognitoAPI) cognitobridge.CognitoAPI {
	return &barrierAPI{CognitoAPI: next, b: b}
}

type barrierAPI struct {
	cognitobridge.CognitoAPI
	b *barrier
}

func (g *barrierAPI) AdminInitiateAuth(ctx context.Context, in *cip.AdminInitiateAuthInput, o ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error) {
	out, err := g.CognitoAPI.AdminInitiateAuth(ctx, in, o...)
	switch n := g.b.arrived.Add(1); {
	case n == g.b.n:
		close(g.b.all)
	case n < g.b.n:
		select {
		case <-g.b.all:
		case <-time.After(30 * time.Second):
		}
	}
	return out, err
}
