package cognitobridge_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
)

// idTokenValidator returns a validator for the emulator's ID tokens, as an
// application would configure it for the real pool.
func idTokenValidator(t testing.TB, srv *cognitotest.Server, clientIDs ...string) *jwks.Validator {
	t.Helper()
	if len(clientIDs) == 0 {
		clientIDs = []string{srv.ClientID()}
	}
	cfg, err := jwks.CognitoConfig(srv.UserPoolID(), "id", clientIDs...)
	require.NoError(t, err)
	cfg.JWKSURL = srv.JWKSURL()
	v, err := jwks.New(cfg)
	require.NoError(t, err)
	return v
}

// withValidator configures Config.IDTokens once the emulator exists.
func withValidator(t testing.TB, e *env, clientIDs ...string) {
	t.Helper()
	cfg := cognitobridge.Config{
		Client:       e.srv.Client(cognitotest.NoRetryDelay),
		UserPoolID:   e.srv.UserPoolID(),
		ClientID:     e.srv.ClientID(),
		ClientSecret: e.srv.ClientSecret(),
		Proof:        e.proof,
		IDTokens:     idTokenValidator(t, e.srv, clientIDs...),
		Logger:       slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	store, err := cognitobridge.New(cfg)
	require.NoError(t, err)
	e.store = store
}

// payload decodes a JWT's claims for inspection.
func payload(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestStartSession(t *testing.T) {
	for _, tc := range []struct {
		name      string
		secret    bool
		validator bool
	}{
		{name: "plain"},
		{name: "client secret", secret: true},
		{name: "validated", validator: true},
		{name: "client secret, validated", secret: true, validator: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []envOption
			if tc.secret {
				opts = append(opts, withSecret)
			}
			e := newEnv(t, opts...)
			if tc.validator {
				withValidator(t, e)
			}
			ctx := context.Background()
			_, err := e.store.CreateUser(ctx, alice, cognitobridge.CreateOptions{})
			require.NoError(t, err)
			e.passwordUser(t, bob, alicePW)

			for _, username := range []string{alice, bob} {
				e.srv.ResetCalls()
				sess, err := e.store.StartSession(ctx, username)
				require.NoError(t, err)
				e.session(sess)
				assert.Equal(t, 1, e.srv.Calls("AdminInitiateAuth"))
				assert.Equal(t, 1, e.srv.Calls("AdminRespondToAuthChallenge"))
				assert.Equal(t, 2, e.srv.Calls(""))

				u, _ := e.srv.User(username)
				assert.Equal(t, u.Sub, sess.Sub)
				assert.Equal(t, username, sess.Email)
				assert.NotEmpty(t, sess.IDToken)
				assert.NotEmpty(t, sess.AccessToken)
				assert.NotEmpty(t, sess.RefreshToken)
				claims := payload(t, sess.IDToken)
				assert.Equal(t, "id", claims["token_use"])
				assert.Equal(t, int64(claims["exp"].(float64)), sess.Expires.Unix())
				assert.WithinDuration(t, time.Now().Add(time.Hour), sess.Expires, time.Minute)
			}
		})
	}
}

func TestStartSessionErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		opts     []envOption
		arrange  func(t *testing.T, e *env)
		username string
		wantErr  error
		wantCode string
	}{
		{name: "unknown user", username: nobody, wantErr: cognitobridge.ErrUserNotFound, wantCode: "UserNotFoundException"},
		{name: "unknown user, existence hidden", opts: []envOption{withPrevention}, username: nobody, wantErr: cognitobridge.ErrNotAuthorized},
		{
			name:     "disabled user",
			arrange:  func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW); e.disable(t, alice) },
			username: alice, wantErr: cognitobridge.ErrUserDisabled, wantCode: "NotAuthorizedException",
		},
		{
			name:     "Lambda holds another key",
			opts:     []envOption{func(c *envConfig) { c.pool.Verifier = newProof(t) }},
			arrange:  func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW) },
			username: alice, wantErr: cognitobridge.ErrNotAuthorized,
		},
		{
			name:     "custom auth not enabled",
			opts:     []envOption{func(c *envConfig) { c.pool.Server.ExplicitAuthFlows = []string{cognitotest.AllowUserPasswordAuth} }},
			arrange:  func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW) },
			username: alice, wantErr: cognitobridge.ErrMisconfigured, wantCode: "InvalidParameterException",
		},
		{
			name:     "wrong client secret",
			opts:     []envOption{withSecret, withClientSecret("some-other-secret")},
			arrange:  func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW) },
			username: alice, wantErr: cognitobridge.ErrMisconfigured, wantCode: "NotAuthorizedException",
		},
		{
			name: "initiate throttled",
			arrange: func(t *testing.T, e *env) {
				e.passwordUser(t, alice, alicePW)
				e.srv.FailNext("AdminInitiateAuth", 10, cognitotest.FaultThrottle)
			},
			username: alice, wantErr: cognitobridge.ErrUnavailable, wantCode: "TooManyRequestsException",
		},
		{
			name: "respond failing",
			arrange: func(t *testing.T, e *env) {
				e.passwordUser(t, alice, alicePW)
				e.srv.FailNext("AdminRespondToAuthChallenge", 10, cognitotest.FaultInternal)
			},
			username: alice, wantErr: cognitobridge.ErrUnavailable, wantCode: "InternalErrorException",
		},
		{
			name:     "ID token for another client",
			arrange:  func(t *testing.T, e *env) { e.passwordUser(t, alice, alicePW); withValidator(t, e, "another-client") },
			username: alice, wantErr: jwks.ErrInvalidToken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			if tt.arrange != nil {
				tt.arrange(t, e)
			}
			sess, err := e.store.StartSession(ctx, tt.username)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, sess)
			var ce *cognitobridge.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "start session", ce.Op)
			if tt.wantCode != "" {
				var ae smithy.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.wantCode, ae.ErrorCode())
			}
			assert.Regexp(t, `^cognitobridge: start session: `, err.Error())
			e.assertClean(t, err.Error())
		})
	}
}

func TestStartSessionRejectedIDTokenIsMisconfigured(t *testing.T) {
	e := newEnv(t)
	withValidator(t, e, "another-client")
	e.passwordUser(t, alice, alicePW)
	_, err := e.store.StartSession(context.Background(), alice)
	require.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
	require.ErrorIs(t, err, jwks.ErrInvalidToken)
}

func TestStartSessionNoTriggers(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.pool.NoTriggers = true })
	e.passwordUser(t, alice, alicePW)
	_, err := e.store.StartSession(context.Background(), alice)
	require.ErrorIs(t, err, cognitobridge.ErrMisconfigured)
	var invalid *types.InvalidParameterException
	require.ErrorAs(t, err, &invalid)
}

// A deadline that passes while Cognito hangs is ErrUnavailable (and
// DeadlineExceeded); a caller that gave up is neither. The hanging pool is
// an in-memory fake in a synctest bubble, so the 200 ms pass on the
// bubble's clock, at once.
func TestStartSessionCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		proof := newProof(t)
		store, err := cognitobridge.New(cognitobridge.Config{Client: hangingRespond{}, UserPoolID: "us-east-1_fake", ClientID: "client", Proof: proof})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err = store.StartSession(ctx, alice)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, cognitobridge.ErrUnavailable)

		ctx, cancel = context.WithCancel(t.Context())
		cancel()
		_, err = store.StartSession(ctx, alice)
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, cognitobridge.ErrUnavailable)
	})
}

// hangingRespond issues a custom challenge and then never answers it, as
// a Cognito that hangs; calls return their context's error, as the SDK's do.
type hangingRespond struct{ cognitobridge.CognitoAPI }

func (hangingRespond) AdminInitiateAuth(ctx context.Context, in *cip.AdminInitiateAuthInput, _ ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &cip.AdminInitiateAuthOutput{
		ChallengeName:       types.ChallengeNameTypeCustomChallenge,
		ChallengeParameters: map[string]string{challenge.NonceParameter: "nonce", "USERNAME": in.AuthParameters["USERNAME"]},
		Session:             aws.String("session"),
	}, nil
}

func (hangingRespond) AdminRespondToAuthChallenge(ctx context.Context, _ *cip.AdminRespondToAuthChallengeInput, _ ...func(*cip.Options)) (*cip.AdminRespondToAuthChallengeOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestSessionJSON(t *testing.T) {
	e := newEnv(t)
	sess, err := e.store.Login(context.Background(), alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.session(sess)

	b, err := json.Marshal(sess)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"email", "cognitoUUID", "name", "expires", "idToken", "refreshToken", "accessToken"}, keys)
	assert.Equal(t, alice, m["email"])
	assert.Equal(t, alice, sess.Username, "Cognito's username, the address on a plain pool")
	assert.Equal(t, sess.Sub, m["cognitoUUID"])
	assert.Equal(t, sess.IDToken, m["idToken"])
	assert.Equal(t, sess.RefreshToken, m["refreshToken"])
	assert.Equal(t, sess.AccessToken, m["accessToken"])
	// The seed sent the ID token's exp: seconds since the epoch, a number.
	assert.Equal(t, payload(t, sess.IDToken)["exp"], m["expires"])
	assert.IsType(t, float64(0), m["expires"])

	var back cognitobridge.Session
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, sess.Expires.Unix(), back.Expires.Unix())
	back.Expires = sess.Expires
	back.Username = sess.Username // not in the seed's JSON
	assert.Equal(t, *sess, back)
}

func TestSessionNotPrinted(t *testing.T) {
	e := newEnv(t)
	sess, err := e.store.Login(context.Background(), alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.session(sess)

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("signed in", "session", sess, "value", *sess)
	for _, text := range []string{
		fmt.Sprintf("%v %+v %#v %s", sess, sess, sess, sess),
		fmt.Sprintf("%v %+v %#v %s", *sess, *sess, *sess, *sess),
		logged.String(),
	} {
		e.assertClean(t, text)
		assert.Contains(t, text, sess.Sub)
	}
	assert.NotContains(t, logged.String(), alice)
}

func TestRefresh(t *testing.T) {
	for _, secret := range []bool{false, true} {
		t.Run(fmt.Sprintf("secret=%v", secret), func(t *testing.T) {
			var opts []envOption
			if secret {
				opts = append(opts, withSecret)
			}
			e := newEnv(t, opts...)
			ctx := context.Background()
			first, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
			require.NoError(t, err)
			e.session(first)

			e.srv.ResetCalls()
			next, err := e.store.Refresh(ctx, alice, first.RefreshToken)
			require.NoError(t, err)
			e.session(next)
			assert.Equal(t, 1, e.srv.Calls(""))
			assert.Equal(t, first.RefreshToken, next.RefreshToken)
			assert.NotEqual(t, first.AccessToken, next.AccessToken)
			assert.Equal(t, first.Sub, next.Sub)
			assert.Equal(t, alice, next.Email)
			assert.False(t, next.Expires.Before(first.Expires))

			_, err = e.store.Refresh(ctx, alice, "not-a-refresh-token")
			require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
			_, err = e.store.Refresh(ctx, alice, "")
			require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
			if secret {
				e.srv.ResetCalls()
				_, err = e.store.Refresh(ctx, "", first.RefreshToken)
				require.Error(t, err)
				assert.NotErrorIs(t, err, cognitobridge.ErrMisconfigured)
				assert.Equal(t, 0, e.srv.Calls(""))
			}

			e.srv.ResetCalls()
			require.NoError(t, e.store.SignOut(ctx, next.AccessToken))
			assert.Equal(t, 1, e.srv.Calls("GlobalSignOut"))

			_, err = e.store.Refresh(ctx, alice, first.RefreshToken)
			require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized, "refresh token still works after sign-out")
			var ce *cognitobridge.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "refresh", ce.Op)
			e.assertClean(t, err.Error())
		})
	}
}

func TestRefreshDisabledUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sess, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{})
	require.NoError(t, err)
	e.session(sess)
	e.disable(t, alice)
	_, err = e.store.Refresh(ctx, alice, sess.RefreshToken)
	require.ErrorIs(t, err, cognitobridge.ErrUserDisabled)
	err = e.store.SignOut(ctx, sess.AccessToken)
	require.ErrorIs(t, err, cognitobridge.ErrUserDisabled)
	assert.NotErrorIs(t, err, cognitobridge.ErrNotAuthorized)
}

func TestSignOutErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	err := e.store.SignOut(ctx, "")
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	assert.Equal(t, 0, e.srv.Calls(""))

	err = e.store.SignOut(ctx, "garbage")
	require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "NotAuthorizedException", ae.ErrorCode())

	e.srv.FailNext("GlobalSignOut", 10, cognitotest.FaultThrottle)
	err = e.store.SignOut(ctx, "garbage")
	require.ErrorIs(t, err, cognitobridge.ErrUnavailable)
}

// A client with refresh-token rotation refuses REFRESH_TOKEN_AUTH; with
// Config.RefreshTokenRotation the store calls GetTokensFromRefreshToken,
// which needs no username (SECRET_HASH is the client secret itself), and
// keeps the rotated token.
func TestRefreshRotatingClient(t *testing.T) {
	for _, pt := range testtools.PoolTypes {
		t.Run(pt.Name, func(t *testing.T) {
			rotating := func(c *envConfig) { c.pool.Server.RefreshTokenRotation = true }
			e := newEnv(t, withPoolType(pt), rotating)
			ctx := context.Background()
			first, err := e.store.Login(ctx, alice, cognitobridge.CreateOptions{EmailVerified: true})
			require.NoError(t, err)
			e.session(first)

			_, err = e.store.Refresh(ctx, first.Username, first.RefreshToken)
			require.ErrorIs(t, err, cognitobridge.ErrMisconfigured, "REFRESH_TOKEN_AUTH is refused on such clients")

			cfg := e.pool.StoreConfig
			cfg.RefreshTokenRotation = true
			store, err := cognitobridge.New(cfg)
			require.NoError(t, err)
			e.srv.ResetCalls()
			next, err := store.Refresh(ctx, "", first.RefreshToken)
			require.NoError(t, err)
			e.session(next)
			assert.Equal(t, 1, e.srv.Calls("GetTokensFromRefreshToken"))
			assert.Equal(t, 1, e.srv.Calls(""))
			assert.Equal(t, first.Sub, next.Sub)
			assert.NotEqual(t, first.RefreshToken, next.RefreshToken, "rotated")

			again, err := store.Refresh(ctx, "", next.RefreshToken)
			require.NoError(t, err, "the rotated token refreshes")
			e.session(again)
			_, err = store.Refresh(ctx, "", "not-a-refresh-token")
			require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
		})
	}
}
