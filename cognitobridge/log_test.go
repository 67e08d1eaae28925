package cognitobridge_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// spy forwards to a real client and keeps every secret that crosses it:
// passwords, SECRET_HASHes, challenge answers, nonces, session strings and
// tokens, so that a test can check none of them reaches a log or an error.
type spy struct {
	cognitobridge.CognitoAPI
	mu      sync.Mutex
	secrets []string
}

func (s *spy) keep(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if v != "" {
			s.secrets = append(s.secrets, v)
		}
	}
}

func (s *spy) params(m map[string]string) {
	for k, v := range m {
		if k != "USERNAME" {
			s.keep(v)
		}
	}
}

func (s *spy) result(r *types.AuthenticationResultType) {
	if r != nil {
		s.keep(aws.ToString(r.IdToken), aws.ToString(r.AccessToken), aws.ToString(r.RefreshToken))
	}
}

func (s *spy) AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, opts ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	s.keep(aws.ToString(in.Password))
	return s.CognitoAPI.AdminSetUserPassword(ctx, in, opts...)
}

func (s *spy) AdminInitiateAuth(ctx context.Context, in *cip.AdminInitiateAuthInput, opts ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error) {
	s.params(in.AuthParameters)
	out, err := s.CognitoAPI.AdminInitiateAuth(ctx, in, opts...)
	if out != nil {
		s.keep(aws.ToString(out.Session), out.ChallengeParameters[challenge.NonceParameter])
		s.result(out.AuthenticationResult)
	}
	return out, err
}

func (s *spy) AdminRespondToAuthChallenge(ctx context.Context, in *cip.AdminRespondToAuthChallengeInput, opts ...func(*cip.Options)) (*cip.AdminRespondToAuthChallengeOutput, error) {
	s.params(in.ChallengeResponses)
	s.keep(aws.ToString(in.Session))
	out, err := s.CognitoAPI.AdminRespondToAuthChallenge(ctx, in, opts...)
	if out != nil {
		s.keep(aws.ToString(out.Session))
		s.result(out.AuthenticationResult)
	}
	return out, err
}

func (s *spy) InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, opts ...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	s.params(in.AuthParameters)
	out, err := s.CognitoAPI.InitiateAuth(ctx, in, opts...)
	if out != nil {
		s.keep(aws.ToString(out.Session))
		s.result(out.AuthenticationResult)
	}
	return out, err
}

func (s *spy) GlobalSignOut(ctx context.Context, in *cip.GlobalSignOutInput, opts ...func(*cip.Options)) (*cip.GlobalSignOutOutput, error) {
	s.keep(aws.ToString(in.AccessToken))
	return s.CognitoAPI.GlobalSignOut(ctx, in, opts...)
}

// TestNothingSecretLogged drives every operation, successful and failing,
// with Debug logging on, and looks for every secret the spy saw, and for
// the usernames, in the log and in every error text.
func TestNothingSecretLogged(t *testing.T) {
	for _, flow := range []types.AuthFlowType{types.AuthFlowTypeUserPasswordAuth, types.AuthFlowTypeAdminUserPasswordAuth} {
		t.Run(string(flow), func(t *testing.T) {
			sp := &spy{}
			e := newEnv(t, withSecret, withNoRetries, func(c *envConfig) {
				c.pool.Store.PasswordAuthFlow = flow
				c.afterStore = append(c.afterStore, func(cfg *cognitobridge.Config) {
					sp.CognitoAPI = cfg.Client
					cfg.Client = sp
				})
			})
			ctx := context.Background()
			var errs []error
			try := func(err error) {
				if err != nil {
					errs = append(errs, err)
				}
			}

			e.passwordUser(t, bob, alicePW)
			e.passwordUser(t, "mfa@example.com", alicePW)
			e.srv.RequireMFA("mfa@example.com")
			e.halfCreatedUser(t, "half@example.com")
			e.passwordUser(t, "off@example.com", alicePW)
			e.disable(t, "off@example.com")

			sess, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
			require.NoError(t, err)
			_, err = e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
			try(err)
			_, err = e.store.CreateUser(ctx, "half@example.com", cognitobridge.CreateOptions{})
			try(err)
			_, err = e.store.Login(ctx, "off@example.com", cognitobridge.CreateOptions{})
			require.Error(t, err)
			try(err)
			for _, u := range []string{bob, "mfa@example.com", "off@example.com", nobody} {
				for _, pw := range []string{alicePW, wrongPW} {
					_, err = e.store.VerifyPassword(ctx, u, pw)
					try(err)
				}
			}
			e.secret(wrongPW)
			_, err = e.store.Refresh(ctx, alice, sess.RefreshToken)
			try(err)
			_, err = e.store.Refresh(ctx, alice, "bogus-refresh-token")
			try(err)
			try(e.store.SignOut(ctx, sess.AccessToken))
			try(e.store.SignOut(ctx, sess.AccessToken))

			e.srv.FailNext("", 100, cognitotest.FaultInternal)
			_, err = e.store.VerifyPassword(ctx, bob, alicePW)
			try(err)
			_, err = e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
			try(err)
			e.srv.ClearFaults()

			sp.mu.Lock()
			e.secret(sp.secrets...)
			require.NotEmpty(t, sp.secrets)
			sp.mu.Unlock()
			require.NotEmpty(t, errs)

			logs := e.logs.String()
			require.NotEmpty(t, logs)
			e.assertClean(t, logs)
			for _, err := range errs {
				e.assertClean(t, err.Error())
			}
			for _, name := range []string{alice, bob, "mfa@example.com", "half@example.com", "off@example.com", nobody} {
				assert.NotContains(t, logs, name, "usernames are personal data")
				assert.NotContains(t, logs, strings.Split(name, "@")[0]+"@")
			}
			assert.Contains(t, logs, cognitobridge.UserRef(alice), "the pseudonym stands in")
		})
	}
}

func TestLogLevels(t *testing.T) {
	var buf syncBuffer
	e := newEnv(t, func(c *envConfig) {
		c.pool.Store.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ctx := context.Background()
	_, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{}) // creates: one Info line
	require.NoError(t, err)
	ok, err := e.store.VerifyPassword(ctx, alice, wrongPW) // Debug only
	require.NoError(t, err)
	require.False(t, ok)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 1, buf.String())
	assert.Contains(t, lines[0], `"level":"INFO"`)
	assert.Contains(t, lines[0], `"msg":"cognitobridge: created user"`)
	assert.Contains(t, lines[0], `"user":"`+cognitobridge.UserRef(alice)+`"`)

	// A misconfiguration is worth a warning.
	var warnings syncBuffer
	misconfigured := newEnv(t, withSecret, withClientSecret("wrong"), func(c *envConfig) {
		c.pool.Store.Logger = slog.New(slog.NewJSONHandler(&warnings, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	_, err = misconfigured.store.Login(ctx, alice, cognitobridge.CreateOptions{})
	require.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
	assert.Contains(t, warnings.String(), `"level":"WARN"`)
	assert.Contains(t, warnings.String(), `"code":"NotAuthorizedException"`)
}

func TestUserRef(t *testing.T) {
	ref := cognitobridge.UserRef(alice)
	assert.Regexp(t, `^[0-9a-f]{12}$`, ref)
	assert.Equal(t, ref, cognitobridge.UserRef(alice))
	assert.NotEqual(t, ref, cognitobridge.UserRef(bob))
}

func TestNilLoggerDiscards(t *testing.T) {
	srv, err := cognitotest.NewServer(cognitotest.Config{SigningKey: signingKey()})
	require.NoError(t, err)
	defer srv.Close()
	store, err := cognitobridge.New(cognitobridge.Config{
		Client: srv.Client(), UserPoolID: srv.UserPoolID(), ClientID: srv.ClientID(), Proof: newProof(t),
	})
	require.NoError(t, err)
	_, err = store.CreateUser(context.Background(), alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	_, err = store.StartSession(context.Background(), alice)
	require.True(t, errors.Is(err, cognitobridge.ErrMisconfigured), "no triggers: %v", err)
}

// Cognito's validation errors repeat a malformed username; it must not
// reach the log, and it is the caller's input, not a misconfiguration.
func TestMalformedUsername(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bad = "not an email address"

	u, err := e.store.Status(ctx, bad)
	require.NoError(t, err)
	assert.Equal(t, cognitobridge.StatusNotExists, u.Status)

	_, err = e.store.CreateUser(ctx, bad, cognitobridge.CreateOptions{})
	require.Error(t, err)
	assert.NotErrorIs(t, err, cognitobridge.ErrMisconfigured)
	assert.NotErrorIs(t, err, cognitobridge.ErrUnavailable)
	var invalid *types.InvalidParameterException
	require.ErrorAs(t, err, &invalid)

	logs := e.logs.String()
	assert.Contains(t, logs, "cognito rejected the username as malformed")
	assert.NotContains(t, logs, bad)
	assert.NotContains(t, logs, `"level":"WARN"`)
}
