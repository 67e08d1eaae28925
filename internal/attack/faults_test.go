package attack

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// faultFraction is the share of Cognito requests that fail.
const faultFraction = 0.3

// injectFaults makes 30 % of every operation's requests fail and adds
// latency. Phase 0 throttles most operations and fails the two second
// steps (AdminSetUserPassword, AdminRespondToAuthChallenge) with internal
// errors; phase 1 swaps the two kinds, so every operation meets both.
func injectFaults(s *cognitotest.Server, phase int) {
	s.ClearFaults()
	most, second := cognitotest.FaultThrottle, cognitotest.FaultInternal
	if phase == 1 {
		most, second = second, most
	}
	s.FailFraction("", faultFraction, most)
	s.FailFraction("AdminSetUserPassword", faultFraction, second)
	s.FailFraction("AdminRespondToAuthChallenge", faultFraction, second)
	s.SetLatency("", 2*time.Millisecond)
	s.SetLatency("AdminSetUserPassword", 30*time.Millisecond)
}

// unavailable reports whether err is a Store error of kind ErrUnavailable
// and of no other kind.
func unavailable(err error) bool {
	var e *cognitobridge.Error
	return errors.As(err, &e) && e.Kind == cognitobridge.ErrUnavailable &&
		!errors.Is(err, cognitobridge.ErrNotAuthorized) && !errors.Is(err, cognitobridge.ErrUserNotFound) &&
		!errors.Is(err, cognitobridge.ErrMisconfigured) && !errors.Is(err, cognitobridge.ErrUserDisabled)
}

// interrupter gives the store's AdminSetUserPassword calls for chosen
// users a deadline shorter than the injected latency: the caller's
// deadline passes between CreateUser's two calls, which leaves the user as
// AdminCreateUser made it (FORCE_CHANGE_PASSWORD, provider attribute set).
type interrupter struct {
	on    atomic.Bool
	users sync.Map // username → true
}

func (c *interrupter) wrap(next cognitobridge.CognitoAPI) cognitobridge.CognitoAPI {
	return &interruptAPI{CognitoAPI: next, c: c}
}

type interruptAPI struct {
	cognitobridge.CognitoAPI
	c *interrupter
}

func (i *interruptAPI) AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, o ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	if _, cut := i.c.users.Load(*in.Username); cut && i.c.on.Load() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
	}
	return i.CognitoAPI.AdminSetUserPassword(ctx, in, o...)
}

// TestLoginUnderCognitoFaults runs logins (new, returning, and 20 at once
// for one new user), password checks and lookups from 50 goroutines while
// 30 % of all Cognito requests are throttled or fail with internal errors
// (after the SDK's three attempts some calls fail for good) and every
// request is delayed; for every fifth new user the caller's deadline also
// passes between AdminCreateUser and AdminSetUserPassword. It asserts:
//
//   - every Login returns a session whose tokens validate, or an error of
//     kind ErrUnavailable only: never ErrNotAuthorized, ErrUserNotFound,
//     ErrMisconfigured or ErrUserDisabled;
//   - VerifyPassword never answers (false, nil) for the right password nor
//     true for a wrong one: an outage is an ErrUnavailable error;
//   - Status never calls an existing user missing;
//   - afterwards no user the store touched lacks the provider attribute,
//     and the password users are untouched;
//   - users left in FORCE_CHANGE_PASSWORD exist (the interrupted creates;
//     the test insists on at least one so that the next check means
//     something), all carry the provider attribute, and one CreateUser
//     each, without faults, makes every one CONFIRMED. (Login alone does
//     not repair them on the emulator: its CUSTOM_AUTH issues tokens to
//     FORCE_CHANGE_PASSWORD users, where Cognito asks NEW_PASSWORD_REQUIRED,
//     which Login answers with CreateUser's repair.)
//   - a Login of every name then succeeds, with one Cognito user per name.
func TestLoginUnderCognitoFaults(t *testing.T) {
	testtools.LoadTest(t)
	const (
		workers    = 50
		pwUsers    = 40
		returning  = 60
		newUsers   = 300
		contention = 20
	)
	a := newAudit(t)
	cut := &interrupter{}
	p := newPool(t, a, func(o *poolOptions) {
		o.server.FaultSeed = 2026
		o.wrap = cut.wrap
	})
	ctx := context.Background()

	pwName := func(i int) string { return fmt.Sprintf("pw%03d@example.com", i) }
	pwOf := func(i int) string { return fmt.Sprintf("Legacy-Pass<&>%03d!", i) }
	oldName := func(i int) string { return fmt.Sprintf("returning%03d@example.com", i) }
	newName := func(i int) string { return fmt.Sprintf("new%03d@example.com", i) }
	const contended = "contended@example.com"
	a.username(contended)
	for i := range pwUsers {
		p.passwordUser(t, pwName(i), pwOf(i))
	}
	for i := range returning {
		a.username(oldName(i))
		sess, err := p.store.Login(ctx, oldName(i), cognitobridge.CreateOptions{})
		require.NoError(t, err)
		require.NoError(t, p.checkSession(ctx, oldName(i), sess))
	}
	for i := range newUsers {
		a.username(newName(i))
		if i%5 == 0 {
			cut.users.Store(newName(i), true)
		}
	}

	type job struct {
		kind string
		i    int
	}
	var jobs []job
	for i := range newUsers {
		jobs = append(jobs, job{"login new", i})
	}
	for i := range returning {
		jobs = append(jobs, job{"login returning", i}, job{"status", i})
	}
	for i := range pwUsers {
		jobs = append(jobs, job{"verify right", i}, job{"verify wrong", i})
	}
	for range contention {
		jobs = append(jobs, job{"login contended", 0})
	}
	rng := rand.New(rand.NewPCG(9, 2026))
	rng.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })

	var mu sync.Mutex
	outcomes := map[string]map[string]int{}
	tally := func(kind, outcome string) {
		mu.Lock()
		defer mu.Unlock()
		if outcomes[kind] == nil {
			outcomes[kind] = map[string]int{}
		}
		outcomes[kind][outcome]++
	}
	run := func(j job) {
		switch j.kind {
		case "login new", "login returning", "login contended":
			name := map[string]func(int) string{"login new": newName, "login returning": oldName,
				"login contended": func(int) string { return contended }}[j.kind](j.i)
			sess, err := p.store.Login(ctx, name, cognitobridge.CreateOptions{})
			a.err(err)
			switch {
			case err == nil:
				if serr := p.checkSession(ctx, name, sess); serr != nil {
					t.Errorf("%s %s: session does not check: %v", j.kind, name, serr)
				}
				tally(j.kind, "ok")
			case unavailable(err):
				tally(j.kind, "unavailable")
			default:
				t.Errorf("%s %s: %v", j.kind, name, err)
			}
		case "verify right", "verify wrong":
			pw := pwOf(j.i)
			if j.kind == "verify wrong" {
				pw = "Wrong-" + pw
				a.secret("wrong password", pw)
			}
			ok, err := p.store.VerifyPassword(ctx, pwName(j.i), pw)
			a.err(err)
			switch {
			case err != nil && !ok && unavailable(err):
				tally(j.kind, "unavailable")
			case err == nil && ok == (j.kind == "verify right"):
				tally(j.kind, "ok")
			default:
				t.Errorf("%s %s: (%v, %v)", j.kind, pwName(j.i), ok, err)
			}
		case "status":
			u, err := p.store.Status(ctx, oldName(j.i))
			a.err(err)
			switch {
			case err == nil && u.Status == cognitobridge.StatusExists && u.CreatedByProvider:
				tally(j.kind, "ok")
			case err != nil && unavailable(err):
				tally(j.kind, "unavailable")
			default:
				t.Errorf("status %s: %+v, %v", oldName(j.i), u, err)
			}
		}
	}

	p.srv.ResetCalls()
	cut.on.Store(true)
	t0 := time.Now()
	for phase, part := range [][]job{jobs[:len(jobs)/2], jobs[len(jobs)/2:]} {
		injectFaults(p.srv, phase)
		queue := make(chan job)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for j := range queue {
					run(j)
				}
			})
		}
		for _, j := range part {
			queue <- j
		}
		close(queue)
		wg.Wait()
	}
	elapsed := time.Since(t0)
	requests := p.srv.Calls("")
	p.srv.ClearFaults()
	cut.on.Store(false)

	// State left behind by the faults.
	isPW := map[string]bool{}
	for i := range pwUsers {
		isPW[pwName(i)] = true
	}
	var half []string
	for _, u := range p.srv.Users() {
		attr := u.Attributes[cognitobridge.DefaultProviderAttribute]
		switch {
		case isPW[u.Username]:
			assert.Equal(t, types.UserStatusTypeConfirmed, u.Status, u.Username)
			assert.Empty(t, attr, "the store marked password user %s", u.Username)
		case attr != "true":
			t.Errorf("user %s (%s) lacks the provider attribute", u.Username, u.Status)
		case u.Status == types.UserStatusTypeForceChangePassword:
			half = append(half, u.Username)
		default:
			assert.Equal(t, types.UserStatusTypeConfirmed, u.Status, u.Username)
		}
	}
	require.NotEmpty(t, half, "no create was interrupted: the repair below proves nothing")
	for _, name := range half {
		u, err := p.store.CreateUser(ctx, name, cognitobridge.CreateOptions{})
		a.err(err)
		require.NoError(t, err, name)
		assert.Equal(t, "CONFIRMED", u.CognitoStatus, name)
		got, _ := p.srv.User(name)
		assert.Equal(t, types.UserStatusTypeConfirmed, got.Status, "CreateUser repaired %s", name)
	}

	// Every name signs in now, each with exactly one user.
	names := []string{contended}
	for i := range newUsers {
		names = append(names, newName(i))
	}
	for i := range returning {
		names = append(names, oldName(i))
	}
	for _, name := range names {
		sess, err := p.store.Login(ctx, name, cognitobridge.CreateOptions{})
		a.err(err)
		require.NoError(t, err, name)
		require.NoError(t, p.checkSession(ctx, name, sess), name)
	}
	all := p.srv.Users()
	assert.Len(t, all, len(names)+pwUsers, "one Cognito user per name")
	for _, u := range all {
		assert.Equal(t, types.UserStatusTypeConfirmed, u.Status, u.Username)
	}

	summary := []string{}
	for _, kind := range []string{"login new", "login returning", "login contended", "verify right", "verify wrong", "status"} {
		o := outcomes[kind]
		summary = append(summary, fmt.Sprintf("%s %d ok / %d unavailable", kind, o["ok"], o["unavailable"]))
	}
	t.Logf("figures: %d operations from %d goroutines with %.0f%% of Cognito requests failing (+2 ms latency, 30 ms on AdminSetUserPassword): "+
		"%v wall, %d Cognito requests; %s; %d users left half-created (FORCE_CHANGE_PASSWORD), all repaired by CreateUser; no wrong verdict",
		len(jobs), workers, faultFraction*100, elapsed.Round(time.Millisecond), requests, strings.Join(summary, ", "), len(half))
}

// TestWebhookUnderCognitoFaults: Corbado's webhooks, answered from Cognito
// while 30 % of its requests fail, either give the right verdict or 500:
// never {"success":false} for a right password, nor not_exists for a user
// with a password (Corbado would then treat the user as new).
func TestWebhookUnderCognitoFaults(t *testing.T) {
	testtools.LoadTest(t)
	const users = 30
	a := newAudit(t)
	p := newPool(t, a, func(o *poolOptions) { o.server.FaultSeed = 7 })
	h, err := corbado.NewWebhookHandler(corbado.WebhookConfig{
		Username: hookUser, Password: hookPass, Users: corbado.CognitoDirectory(p.store), Logger: a.logger(),
	})
	require.NoError(t, err)
	a.secret("webhook password", hookPass)
	name := func(i int) string { return fmt.Sprintf("legacy%02d@example.com", i) }
	pw := func(i int) string { return fmt.Sprintf("Old-Password-%02d-x", i) }
	for i := range users {
		p.passwordUser(t, name(i), pw(i))
	}
	injectFaults(p.srv, 0)

	type want struct {
		body, action string
		ok           string
	}
	var calls []want
	for i := range users {
		calls = append(calls,
			want{passwordVerify(name(i), pw(i)), corbado.ActionPasswordVerify, `{"responseID":"","data":{"success":true}}`},
			want{passwordVerify(name(i), pw(i)+"-wrong"), corbado.ActionPasswordVerify, `{"responseID":"","data":{"success":false}}`},
			want{authMethods(name(i)), corbado.ActionAuthMethods, `{"responseID":"","data":{"status":"exists"}}`},
		)
		a.secret("wrong password", pw(i)+"-wrong")
	}
	var failed atomic.Int32
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, webhookRequest(c.action, c.body))
			switch {
			case rec.Code == http.StatusOK && rec.Body.String() == c.ok:
			case rec.Code == http.StatusInternalServerError:
				failed.Add(1)
			default:
				t.Errorf("%s: %d %s", c.body, rec.Code, rec.Body)
			}
		})
	}
	wg.Wait()
	t.Logf("figures: %d webhooks with %.0f%% of Cognito requests failing: %d answered 500, the rest with the right verdict",
		len(calls), faultFraction*100, failed.Load())
}

// TestJWKSEndpointFaults: a JWKS endpoint that is down, slow, trickles,
// answers garbage, an endless body or no keys makes Validate fail with
// ErrUnavailable (never a token rejection) within FetchTimeout, or within
// the caller's own deadline when that is sooner; keys fetched before keep
// validating tokens while the endpoint is broken, also after MaxKeyAge.
func TestJWKSEndpointFaults(t *testing.T) {
	// Each case runs in a synctest bubble over an in-memory network
	// (pipeNet), so the bounds below are exact on the bubble's clock: no
	// slack for a loaded machine, and no waiting for FetchTimeout in real
	// time.
	const fetchTimeout = 300 * time.Millisecond
	key := &jwkstest.Key{ID: "main", Alg: "RS256", PrivateKey: rsaKey(t, "main")}
	doc := jwkstest.JWKS(key)
	token := jws(hdrMain, claimsJSON(nil), rs(key.PrivateKey, crypto.SHA256)) // valid until 2100

	wait := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	breakages := map[string]http.HandlerFunc{
		"503":     func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) },
		"slow":    wait,
		"garbage": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>Service Unavailable</html>")) },
		"no keys": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"keys":[]}`)) },
		"trickle": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"keys":[`))
			w.(http.Flusher).Flush()
			for {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(50 * time.Millisecond):
					w.Write([]byte(" "))
					w.(http.Flusher).Flush()
				}
			}
		},
		"endless body": func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat(`{"kty":"RSA"},`, 4096))
			w.Write([]byte(`{"keys":[`))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		},
		"down": nil, // the server is closed
	}
	for name, broken := range breakages {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a := newAudit(t)
				a.secret("token", token)
				var handler atomic.Pointer[http.HandlerFunc]
				good := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(doc) })
				handler.Store(&good)
				pn := newPipeNet(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load())(w, r) }))
				defer pn.close()

				clk := newFakeClock(time.Now())
				// Validators of one JWKS URL share their keys: a query the
				// server ignores gives each validator keys of its own.
				newValidator := func(query string) *jwks.Validator {
					cfg, err := jwks.CognitoConfig(hostilePool, "id", hostileClient)
					require.NoError(t, err)
					cfg.JWKSURL = "http://jwks.pipe/.well-known/jwks.json" + query
					cfg.HTTPClient = pn.client
					cfg.FetchTimeout = fetchTimeout
					cfg.MinRefreshInterval = time.Minute
					cfg.MaxKeyAge = time.Hour
					cfg.Now = clk.Now
					cfg.Logger = a.logger()
					v, err := jwks.New(cfg)
					require.NoError(t, err)
					return v
				}
				warm := newValidator("")
				require.NoError(t, warm.Warm(t.Context()))
				cold := newValidator("?cold")
				if broken == nil {
					pn.down()
				} else {
					handler.Store(&broken)
				}

				t0 := time.Now()
				_, err := cold.Validate(t.Context(), token)
				took := time.Since(t0)
				a.err(err)
				assert.ErrorIs(t, err, jwks.ErrUnavailable)
				assert.NotErrorIs(t, err, jwks.ErrInvalidToken)
				assert.LessOrEqual(t, took, fetchTimeout, "no keys: bounded by FetchTimeout")

				ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
				t1 := time.Now()
				_, err = newValidator("?caller").Validate(ctx, token)
				callerTook := time.Since(t1)
				cancel()
				a.err(err)
				assert.ErrorIs(t, err, jwks.ErrUnavailable)
				assert.LessOrEqual(t, callerTook, 50*time.Millisecond, "bounded by the caller's deadline")

				// Cached keys keep working while the endpoint is broken,
				// also once they are older than MaxKeyAge (the refetch
				// fails).
				_, err = warm.Validate(t.Context(), token)
				assert.NoError(t, a.err(err), "fresh cached keys")
				clk.Advance(2 * time.Hour)
				t2 := time.Now()
				_, err = warm.Validate(t.Context(), token)
				staleTook := time.Since(t2)
				assert.NoError(t, a.err(err), "stale cached keys while the endpoint is broken")
				assert.LessOrEqual(t, staleTook, fetchTimeout)
				t.Logf("figures: JWKS endpoint %s: no cached keys → ErrUnavailable after %v (FetchTimeout %v); "+
					"caller deadline 50ms → %v; stale cached keys → valid after %v (bubble clock)",
					name, took, fetchTimeout, callerTook, staleTook)
			})
		})
	}
}

// pipeNet serves handler over net.Pipe connections: an in-memory network
// whose reads and writes block on channels, so that goroutines waiting on
// it are durably blocked in a synctest bubble and its clock can advance.
type pipeNet struct {
	server *http.Server
	client *http.Client
	conns  chan net.Conn
	done   chan struct{}
	once   sync.Once
	served chan struct{}
}

func newPipeNet(handler http.Handler) *pipeNet {
	n := &pipeNet{conns: make(chan net.Conn), done: make(chan struct{}), served: make(chan struct{})}
	n.server = &http.Server{Handler: handler}
	n.client = &http.Client{Transport: &http.Transport{DialContext: n.dial}}
	go func() {
		defer close(n.served)
		_ = n.server.Serve(n)
	}()
	return n
}

// dial connects to the server, or fails as a closed port does.
func (n *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case n.conns <- server:
		return client, nil
	case <-n.done:
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: errors.New("connection refused")}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// down closes the server: later dials are refused.
func (n *pipeNet) down() {
	n.once.Do(func() { close(n.done) })
	_ = n.server.Close()
	<-n.served
}

func (n *pipeNet) close() {
	n.down()
	n.client.CloseIdleConnections()
}

// Accept, Close and Addr make pipeNet the server's net.Listener.
func (n *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-n.conns:
		return c, nil
	case <-n.done:
		return nil, net.ErrClosed
	}
}

func (n *pipeNet) Close() error {
	n.once.Do(func() { close(n.done) })
	return nil
}

func (n *pipeNet) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

type fakeClock = testtools.Clock

func newFakeClock(t time.Time) *fakeClock { return testtools.NewClock(t) }
