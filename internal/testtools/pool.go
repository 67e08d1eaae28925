package testtools

import (
	"crypto/rand"
	"log/slog"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/jwks"
)

// PoolType is one kind of Cognito user pool and app client the library
// must work on. Cognito fixes the first three when it creates the pool.
type PoolType struct {
	// Name names the type in subtest names.
	Name string
	// UsernameAttributes ["email"]: users sign in with their address, and
	// Cognito's username is a UUID equal to sub (the console's "sign in
	// with email", the seed tutorial's pool).
	UsernameAttributes []string
	// AliasAttributes ["email"]: users have a username of their own and
	// may sign in with their verified address as well.
	AliasAttributes []string
	// CaseSensitive is UsernameConfiguration.CaseSensitive (true by
	// default in the API and CloudFormation, false in the console).
	CaseSensitive bool
	// ClientSecret gives the app client a secret (SECRET_HASH on every
	// auth call).
	ClientSecret bool
}

// PoolTypes is the one table of pool configurations the tests of
// cognitobridge, corbado, passkey and the examples run across. Each kind
// of username (plain, email as username attribute, email as alias) appears
// case-sensitive and not, and with and without a client secret.
var PoolTypes = []PoolType{
	{Name: "plain", CaseSensitive: true, ClientSecret: true},
	{Name: "plain-insensitive-nosecret"},
	{Name: "email-username", UsernameAttributes: []string{"email"}, ClientSecret: true},
	{Name: "email-username-sensitive-nosecret", UsernameAttributes: []string{"email"}, CaseSensitive: true},
	{Name: "email-alias", AliasAttributes: []string{"email"}, ClientSecret: true},
	{Name: "email-alias-sensitive-nosecret", AliasAttributes: []string{"email"}, CaseSensitive: true},
}

// PoolConfig says how NewPool builds a pool. The zero value is a plain,
// case-insensitive pool without a client secret whose triggers check the
// store's HMAC proof.
type PoolConfig struct {
	// Type is the kind of pool; its fields override Server's.
	Type PoolType
	// Server holds further emulator settings (PreventUserExistenceErrors,
	// PasswordPolicy, token lifetimes…). Triggers, SigningKey and the
	// pool-type fields are filled in unless set.
	Server cognitotest.Config
	// Store holds further store settings (PasswordAuthFlow, Logger…).
	// Client, UserPoolID, ClientID, ClientSecret, Proof, IDTokens and
	// CaseInsensitiveUsernames are filled in from the pool.
	Store cognitobridge.Config
	// ProofKey is the HMAC proof key of store and triggers; nil means a
	// fresh random one. Set it to run triggers built elsewhere (the Lambda
	// binary's) with Server.Triggers.
	ProofKey []byte
	// Verifier is what the Lambda triggers check answers with; nil means
	// the store's HMAC proof. Set it for provider-token mode.
	Verifier challenge.Verifier
	// WrapTriggers, when set, wraps the triggers the emulator runs (to
	// watch what the Lambda sees).
	WrapTriggers func(cognitotest.Lambda) cognitotest.Lambda
	// NoTriggers leaves the pool without CUSTOM_AUTH triggers.
	NoTriggers bool
	// ClientOptions adjust the store's SDK client, after NoRetryDelay.
	ClientOptions []func(*cip.Options)
	// WrapClient, when set, wraps the store's client.
	WrapClient func(cognitobridge.CognitoAPI) cognitobridge.CognitoAPI
	// SkipIDTokenCheck leaves Store.IDTokens nil: the store then reads the
	// ID token's claims unverified.
	SkipIDTokenCheck bool
}

// Pool is an emulated pool with everything a test drives it with.
type Pool struct {
	Type   PoolType
	Server *cognitotest.Server
	Store  *cognitobridge.Store
	// StoreConfig is the Config Store was built from, for more stores on
	// the same pool (other processes of one backend).
	StoreConfig cognitobridge.Config
	Proof       *challenge.HMACProof
	ProofKey    []byte
	// IDTokens and AccessTokens check the pool's tokens against its JWKS.
	IDTokens, AccessTokens *jwks.Validator
	// Admin is a plain SDK client for arranging state behind the store's back.
	Admin *cip.Client
	// Logs holds the store's log lines (JSON, Debug and up) unless
	// PoolConfig.Store.Logger was set.
	Logs *LogBuffer
}

// NewPool builds proof, triggers, emulator, validators and store in one
// call, and closes the emulator when the test ends.
func NewPool(t testing.TB, cfg PoolConfig) *Pool {
	t.Helper()
	key := cfg.ProofKey
	if key == nil {
		key = make([]byte, challenge.MinKeySize)
		_, _ = rand.Read(key)
	}
	proof, err := challenge.NewHMACProof(key)
	if err != nil {
		t.Fatalf("testtools: proof: %v", err)
	}
	p := &Pool{Type: cfg.Type, Proof: proof, ProofKey: key, Logs: &LogBuffer{}}

	sc := cfg.Server
	applyPoolType(&sc, cfg.Type)
	if sc.SigningKey == nil {
		sc.SigningKey = RSAKey()
	}
	if sc.Triggers == nil && !cfg.NoTriggers {
		verifier := cfg.Verifier
		if verifier == nil {
			verifier = proof
		}
		h, err := challenge.New(challenge.Config{Verifier: verifier})
		if err != nil {
			t.Fatalf("testtools: triggers: %v", err)
		}
		sc.Triggers = h
	}
	if cfg.WrapTriggers != nil && sc.Triggers != nil {
		sc.Triggers = cfg.WrapTriggers(sc.Triggers)
	}
	srv, err := cognitotest.NewServer(sc)
	if err != nil {
		t.Fatalf("testtools: emulator: %v", err)
	}
	t.Cleanup(srv.Close)
	p.Server, p.Admin = srv, srv.Client(cognitotest.NoRetryDelay)
	p.IDTokens = p.Validator(t, "id")
	p.AccessTokens = p.Validator(t, "access")

	st := cfg.Store
	var client cognitobridge.CognitoAPI = srv.Client(append([]func(*cip.Options){cognitotest.NoRetryDelay}, cfg.ClientOptions...)...)
	if cfg.WrapClient != nil {
		client = cfg.WrapClient(client)
	}
	st.Client = client
	st.UserPoolID, st.ClientID, st.ClientSecret = srv.UserPoolID(), srv.ClientID(), srv.ClientSecret()
	st.Proof = proof
	st.CaseInsensitiveUsernames = !cfg.Type.CaseSensitive
	if st.IDTokens == nil && !cfg.SkipIDTokenCheck {
		st.IDTokens = p.IDTokens
	}
	if st.Logger == nil {
		st.Logger = slog.New(slog.NewJSONHandler(p.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p.StoreConfig = st
	p.Store = p.NewStore(t)
	return p
}

// applyPoolType sets the emulator's pool-type settings for pt.
func applyPoolType(c *cognitotest.Config, pt PoolType) {
	c.UsernameAttributes = pt.UsernameAttributes
	c.AliasAttributes = pt.AliasAttributes
	sensitive := pt.CaseSensitive
	c.CaseSensitive = &sensitive
	c.ClientSecret = pt.ClientSecret
}

// NewStore returns another Store on the pool's client and settings, as a
// second process of the same backend would have.
func (p *Pool) NewStore(t testing.TB) *cognitobridge.Store {
	t.Helper()
	s, err := cognitobridge.New(p.StoreConfig)
	if err != nil {
		t.Fatalf("testtools: store: %v", err)
	}
	return s
}

// Validator checks the pool's tokens of tokenUse ("id" or "access") with
// keys fetched from the emulator's JWKS.
func (p *Pool) Validator(t testing.TB, tokenUse string) *jwks.Validator {
	t.Helper()
	cfg, err := jwks.CognitoConfig(p.Server.UserPoolID(), tokenUse, p.Server.ClientID())
	if err != nil {
		t.Fatalf("testtools: validator: %v", err)
	}
	cfg.JWKSURL = p.Server.JWKSURL()
	v, err := jwks.New(cfg)
	if err != nil {
		t.Fatalf("testtools: validator: %v", err)
	}
	return v
}

// PasswordUser adds a CONFIRMED user with a password of its own and a
// verified address, as an administrator or a sign-up before the bridge
// would, without the provider attribute. On an alias pool the user gets a
// username of its own ("legacy-" and a number) with the address as alias;
// elsewhere the address is the name Cognito is given. It returns Cognito's
// username for the user.
func (p *Pool) PasswordUser(t testing.TB, address, password string) string {
	t.Helper()
	return p.addUser(t, address, password, map[string]string{"email": address, "email_verified": "true"})
}

// AddUser adds a user in the pool's way (see PasswordUser) with exactly
// attrs (plus email = address) and password; "" leaves it in
// FORCE_CHANGE_PASSWORD. It returns Cognito's username for the user.
func (p *Pool) AddUser(t testing.TB, address, password string, attrs map[string]string) string {
	t.Helper()
	all := map[string]string{"email": address}
	for k, v := range attrs {
		all[k] = v
	}
	return p.addUser(t, address, password, all)
}

func (p *Pool) addUser(t testing.TB, address, password string, attrs map[string]string) string {
	t.Helper()
	name := address
	if len(p.Type.AliasAttributes) > 0 {
		// Alias pools refuse an address as the username.
		name = "legacy-" + strings.ToLower(rand.Text()[:10])
	}
	u, err := p.Server.AddUser(name, password, attrs)
	if err != nil {
		t.Fatalf("testtools: add user: %v", err)
	}
	return u.Username
}
