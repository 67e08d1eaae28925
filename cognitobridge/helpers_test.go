package cognitobridge_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
)

// signingKey is shared by every emulator of the test binary.
var signingKey = testtools.RSAKey

// env is one emulated pool (testtools.NewPool) with a Store in front of it.
type env struct {
	pool  *testtools.Pool
	srv   *cognitotest.Server
	store *cognitobridge.Store
	proof *challenge.HMACProof
	// admin is a plain SDK client for arranging state behind the store's back.
	admin *cip.Client
	logs  *syncBuffer

	mu      sync.Mutex
	secrets []string // must appear in no log line and no error text
}

type envConfig struct {
	pool testtools.PoolConfig
	// afterStore edits the store's Config once it holds the emulator's
	// pool, client and secret.
	afterStore []func(*cognitobridge.Config)
}

type envOption func(*envConfig)

func withSecret(c *envConfig)     { c.pool.Type.ClientSecret = true }
func withPrevention(c *envConfig) { c.pool.Server.PreventUserExistenceErrors = true }
func withClientSecret(secret string) envOption {
	return func(c *envConfig) {
		c.afterStore = append(c.afterStore, func(cfg *cognitobridge.Config) { cfg.ClientSecret = secret })
	}
}
func withNoRetries(c *envConfig) {
	c.pool.ClientOptions = append(c.pool.ClientOptions, func(o *cip.Options) { o.RetryMaxAttempts = 1 })
}

// withPoolType runs the env on one of the table's pool types.
func withPoolType(pt testtools.PoolType) envOption {
	return func(c *envConfig) { c.pool.Type = pt }
}

func newProof(t testing.TB) *challenge.HMACProof {
	t.Helper()
	key := make([]byte, challenge.MinKeySize)
	_, _ = rand.Read(key)
	p, err := challenge.NewHMACProof(key)
	require.NoError(t, err)
	return p
}

// newEnv builds a plain, case-sensitive pool (the API's default) whose
// store reads ID tokens unverified, unless opts say otherwise.
func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	c := envConfig{pool: testtools.PoolConfig{
		Type:             testtools.PoolType{Name: "plain", CaseSensitive: true},
		SkipIDTokenCheck: true,
	}}
	for _, o := range opts {
		o(&c)
	}
	p := testtools.NewPool(t, c.pool)
	e := &env{pool: p, srv: p.Server, store: p.Store, proof: p.Proof, admin: p.Admin, logs: p.Logs}
	if len(c.afterStore) > 0 {
		for _, edit := range c.afterStore {
			edit(&p.StoreConfig)
		}
		e.store = p.NewStore(t)
	}
	if s := p.Server.ClientSecret(); s != "" {
		e.secret(s)
	}
	t.Cleanup(func() { e.assertNoSecretsLogged(t) })
	return e
}

// secret registers values that must never be logged or put in errors.
func (e *env) secret(values ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range values {
		if v != "" {
			e.secrets = append(e.secrets, v)
		}
	}
}

// session registers the tokens of sess as secrets and returns it.
func (e *env) session(sess *cognitobridge.Session) *cognitobridge.Session {
	if sess != nil {
		e.secret(sess.IDToken, sess.AccessToken, sess.RefreshToken)
	}
	return sess
}

// assertClean fails when text holds a registered secret.
func (e *env) assertClean(t testing.TB, text string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.secrets {
		if strings.Contains(text, s) {
			t.Errorf("secret %.6s… leaked into %q", s, text)
		}
	}
}

func (e *env) assertNoSecretsLogged(t testing.TB) {
	t.Helper()
	e.assertClean(t, e.logs.String())
}

// passwordUser creates a CONFIRMED user with a password, as an
// administrator or a sign-up would, without the provider attribute.
func (e *env) passwordUser(t testing.TB, username, password string) {
	t.Helper()
	_, err := e.srv.AddUser(username, password, map[string]string{"email": username, "email_verified": "true"})
	require.NoError(t, err)
	e.secret(password)
}

// halfCreatedUser is what a CreateUser leaves when it dies between its two
// calls: AdminCreateUser with the provider attribute, no password set.
func (e *env) halfCreatedUser(t testing.TB, username string) {
	t.Helper()
	_, err := e.admin.AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(e.srv.UserPoolID()),
		Username:      aws.String(username),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(username)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String(cognitobridge.DefaultProviderAttribute), Value: aws.String("true")},
		},
	})
	require.NoError(t, err)
}

func (e *env) disable(t testing.TB, username string) {
	t.Helper()
	_, err := e.admin.AdminDisableUser(context.Background(), &cip.AdminDisableUserInput{
		UserPoolId: aws.String(e.srv.UserPoolID()),
		Username:   aws.String(username),
	})
	require.NoError(t, err)
}

// syncBuffer collects log output from concurrent writers.
type syncBuffer = testtools.LogBuffer

const (
	alice   = "alice@example.com"
	bob     = "bob@example.com"
	nobody  = "nobody@example.com"
	alicePW = "Correct-Horse-Battery-9"
	wrongPW = "Wrong-Horse-Battery-9"
)
