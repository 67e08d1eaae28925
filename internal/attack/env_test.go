package attack

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
)

// testKeys are the fixed keys of testdata/keys.pem, by kid. Loading them
// instead of generating keys keeps -race runs short, and the hostile corpus
// needs fixed keys anyway.
var testKeys = sync.OnceValues(func() (map[string]crypto.Signer, error) {
	raw, err := os.ReadFile(filepath.Join("testdata", "keys.pem"))
	if err != nil {
		return nil, err
	}
	keys := map[string]crypto.Signer{}
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, err
		}
		keys[b.Headers["Kid"]] = k.(crypto.Signer)
	}
	return keys, nil
})

func rsaKey(t testing.TB, kid string) *rsa.PrivateKey {
	t.Helper()
	keys, err := testKeys()
	require.NoError(t, err)
	k, ok := keys[kid].(*rsa.PrivateKey)
	require.True(t, ok, "no RSA key %q in testdata/keys.pem", kid)
	return k
}

func ecKey(t testing.TB, kid string) *ecdsa.PrivateKey {
	t.Helper()
	keys, err := testKeys()
	require.NoError(t, err)
	k, ok := keys[kid].(*ecdsa.PrivateKey)
	require.True(t, ok, "no EC key %q in testdata/keys.pem", kid)
	return k
}

// pool is one emulated user pool (client with a secret, the challenge
// triggers) with a Store in front of it. Every part logs into, and every
// Cognito call and trigger invocation reports its secrets to, the audit.
type pool struct {
	srv      *cognitotest.Server
	store    *cognitobridge.Store
	proof    *challenge.HMACProof
	proofKey []byte
	// ids and access check tokens against the emulator's JWKS,
	// independently of the store's own validator.
	ids, access *jwks.Validator
	audit       *audit
	// storeConfig is the store's Config, for more stores on the same
	// client: other processes of the same backend.
	storeConfig cognitobridge.Config
}

type poolOptions struct {
	server cognitotest.Config
	// clientOpts adjust the store's SDK client; NoRetryDelay always comes first.
	clientOpts []func(*cip.Options)
	// wrap, when set, wraps the store's client (inside the audit's spy).
	wrap func(cognitobridge.CognitoAPI) cognitobridge.CognitoAPI
}

func newPool(t testing.TB, a *audit, opts ...func(*poolOptions)) *pool {
	t.Helper()
	o := poolOptions{}
	for _, f := range opts {
		f(&o)
	}
	o.server.SigningKey = rsaKey(t, "main")
	tp := testtools.NewPool(t, testtools.PoolConfig{
		Type:          testtools.PoolType{Name: "plain", CaseSensitive: true, ClientSecret: true},
		Server:        o.server,
		WrapTriggers:  a.lambda,
		ClientOptions: o.clientOpts,
		WrapClient: func(c cognitobridge.CognitoAPI) cognitobridge.CognitoAPI {
			if o.wrap != nil {
				c = o.wrap(c)
			}
			return a.cognito(c)
		},
		Store: cognitobridge.Config{Logger: a.logger()},
	})
	a.secretKey("proof key", tp.ProofKey)
	a.secret("client secret", tp.Server.ClientSecret())

	p := &pool{srv: tp.Server, proof: tp.Proof, proofKey: tp.ProofKey, audit: a}
	p.ids = p.validator(t, "id")
	p.access = p.validator(t, "access")
	// The store's own validator logs into the audit too.
	p.storeConfig = tp.StoreConfig
	p.storeConfig.IDTokens = p.validator(t, "id")
	p.store = p.newStore(t)
	return p
}

// newStore returns another Store on the pool's client and settings, as a
// second process of the same backend would have.
func (p *pool) newStore(t testing.TB) *cognitobridge.Store {
	t.Helper()
	s, err := cognitobridge.New(p.storeConfig)
	require.NoError(t, err)
	return s
}

// validator checks the pool's tokens of tokenUse with keys fetched from
// the emulator's JWKS.
func (p *pool) validator(t testing.TB, tokenUse string) *jwks.Validator {
	t.Helper()
	cfg, err := jwks.CognitoConfig(p.srv.UserPoolID(), tokenUse, p.srv.ClientID())
	require.NoError(t, err)
	cfg.JWKSURL = p.srv.JWKSURL()
	cfg.Logger = p.audit.logger()
	v, err := jwks.New(cfg)
	require.NoError(t, err)
	return v
}

// checkSession validates both tokens of sess independently of the store
// and checks that they name username and the session's sub.
func (p *pool) checkSession(ctx context.Context, username string, sess *cognitobridge.Session) error {
	if sess == nil {
		return errNilSession
	}
	p.audit.secret("refresh token", sess.RefreshToken)
	claims, err := p.ids.Validate(ctx, sess.IDToken)
	p.audit.err(err)
	if err != nil {
		return err
	}
	access, err := p.access.Validate(ctx, sess.AccessToken)
	p.audit.err(err)
	if err != nil {
		return err
	}
	switch {
	case claims.Username != username, access.Username != username:
		return errWrongUser
	case claims.Subject != sess.Sub, access.Subject != sess.Sub:
		return errWrongUser
	case sess.RefreshToken == "":
		return errNoRefresh
	}
	return nil
}

type sessionError string

func (e sessionError) Error() string { return string(e) }

const (
	errNilSession = sessionError("attack: nil session without error")
	errWrongUser  = sessionError("attack: session of another user")
	errNoRefresh  = sessionError("attack: session without refresh token")
)

// durations summarises latencies for the figures.
type durations []time.Duration

func (d durations) percentile(p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append(durations(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p * float64(len(s)-1))
	return s[i].Round(100 * time.Microsecond)
}

// passwordUser creates a CONFIRMED user with a password of its own, as an
// administrator or the seed's sign-up did: no provider attribute.
func (p *pool) passwordUser(t testing.TB, username, password string) {
	t.Helper()
	_, err := p.srv.AddUser(username, password, map[string]string{"email": username, "email_verified": "true"})
	require.NoError(t, err)
	p.audit.secret("user password", password)
	p.audit.username(username)
}
