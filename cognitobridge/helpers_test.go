package cognitobridge_test

import (
	"context"
	"crypto/rand"
	"log/slog"
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

// env is one emulated pool with a Store in front of it.
type env struct {
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
	server     cognitotest.Config
	store      cognitobridge.Config
	clientOpts []func(*cip.Options)
	// triggerProof is the key the Lambda side holds; nil means the store's.
	triggerProof *challenge.HMACProof
	// noTriggers leaves the pool without CUSTOM_AUTH triggers.
	noTriggers bool
	// afterStore edits the store's Config once it holds the emulator's
	// pool, client and secret.
	afterStore []func(*cognitobridge.Config)
}

type envOption func(*envConfig)

func withSecret(c *envConfig)     { c.server.ClientSecret = true }
func withPrevention(c *envConfig) { c.server.PreventUserExistenceErrors = true }
func withClientSecret(secret string) envOption {
	return func(c *envConfig) {
		c.afterStore = append(c.afterStore, func(cfg *cognitobridge.Config) { cfg.ClientSecret = secret })
	}
}
func withNoRetries(c *envConfig) {
	c.clientOpts = append(c.clientOpts, func(o *cip.Options) { o.RetryMaxAttempts = 1 })
}

func newProof(t testing.TB) *challenge.HMACProof {
	t.Helper()
	key := make([]byte, challenge.MinKeySize)
	_, _ = rand.Read(key)
	p, err := challenge.NewHMACProof(key)
	require.NoError(t, err)
	return p
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	proof := newProof(t)
	c := envConfig{store: cognitobridge.Config{Proof: proof}}
	c.server.SigningKey = signingKey()
	for _, o := range opts {
		o(&c)
	}
	triggerProof := proof
	if c.triggerProof != nil {
		triggerProof = c.triggerProof
	}
	if c.server.Triggers == nil && !c.noTriggers {
		h, err := challenge.New(challenge.Config{Verifier: triggerProof})
		require.NoError(t, err)
		c.server.Triggers = h
	}
	srv, err := cognitotest.NewServer(c.server)
	require.NoError(t, err)
	t.Cleanup(srv.Close)

	e := &env{srv: srv, proof: proof, admin: srv.Client(), logs: &syncBuffer{}}
	cfg := c.store
	cfg.Client = srv.Client(append([]func(*cip.Options){cognitotest.NoRetryDelay}, c.clientOpts...)...)
	cfg.UserPoolID = srv.UserPoolID()
	cfg.ClientID = srv.ClientID()
	cfg.ClientSecret = srv.ClientSecret()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, edit := range c.afterStore {
		edit(&cfg)
	}
	e.store, err = cognitobridge.New(cfg)
	require.NoError(t, err)
	if s := srv.ClientSecret(); s != "" {
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
