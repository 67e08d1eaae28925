package cognitotest_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/secrethash"
)

// authClient drives CUSTOM_AUTH through either the admin or the public
// calls, adding SECRET_HASH when the client has a secret.
type authClient struct {
	s     *cognitotest.Server
	c     *cip.Client
	admin bool
}

type step struct {
	tokens  *types.AuthenticationResultType
	name    types.ChallengeNameType
	params  map[string]string
	session *string
}

func (a authClient) start(ctx context.Context, username string, meta map[string]string) (step, error) {
	res, name, params, session, err := initiateMeta(ctx, a, username, meta)
	return step{res, name, params, session}, err
}

func initiateMeta(ctx context.Context, a authClient, username string, meta map[string]string) (*types.AuthenticationResultType, types.ChallengeNameType, map[string]string, *string, error) {
	params := withSecret(a.s, username, map[string]string{"USERNAME": username})
	if a.admin {
		out, err := a.c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(a.s.UserPoolID()), ClientId: aws.String(a.s.ClientID()),
			AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: params, ClientMetadata: meta,
		})
		if err != nil {
			return nil, "", nil, nil, err
		}
		return out.AuthenticationResult, out.ChallengeName, out.ChallengeParameters, out.Session, nil
	}
	out, err := a.c.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(a.s.ClientID()), AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: params, ClientMetadata: meta,
	})
	if err != nil {
		return nil, "", nil, nil, err
	}
	return out.AuthenticationResult, out.ChallengeName, out.ChallengeParameters, out.Session, nil
}

func (a authClient) answer(ctx context.Context, username string, session *string, answer string, meta map[string]string) (step, error) {
	responses := withSecret(a.s, username, map[string]string{"USERNAME": username, "ANSWER": answer})
	if a.admin {
		out, err := a.c.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
			UserPoolId: aws.String(a.s.UserPoolID()), ClientId: aws.String(a.s.ClientID()),
			ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: session,
			ChallengeResponses: responses, ClientMetadata: meta,
		})
		if err != nil {
			return step{}, err
		}
		return step{out.AuthenticationResult, out.ChallengeName, out.ChallengeParameters, out.Session}, nil
	}
	out, err := a.c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(a.s.ClientID()), ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: session,
		ChallengeResponses: responses, ClientMetadata: meta,
	})
	if err != nil {
		return step{}, err
	}
	return step{out.AuthenticationResult, out.ChallengeName, out.ChallengeParameters, out.Session}, nil
}

func TestCustomAuth(t *testing.T) {
	for _, secret := range []bool{false, true} {
		for _, admin := range []bool{false, true} {
			name := map[bool]string{false: "InitiateAuth", true: "AdminInitiateAuth"}[admin] + map[bool]string{false: "", true: " with secret"}[secret]
			t.Run(name, func(t *testing.T) {
				h, proof := newHandler(t, nil, 3)
				s := newServer(t, cognitotest.Config{Triggers: h, ClientSecret: secret})
				createUser(t, s, alice, map[string]string{"email": alice, "email_verified": "true"})
				a := authClient{s: s, c: s.Client(), admin: admin}
				ctx := context.Background()
				sign := func(st step) string {
					return proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter])
				}

				t.Run("right proof", func(t *testing.T) {
					st, err := a.start(ctx, alice, nil)
					require.NoError(t, err)
					assert.Nil(t, st.tokens)
					assert.Equal(t, types.ChallengeNameTypeCustomChallenge, st.name)
					assert.Equal(t, alice, st.params["USERNAME"], "Cognito adds USERNAME")
					assert.NotEmpty(t, st.params[challenge.NonceParameter])
					assert.NotEmpty(t, aws.ToString(st.session))

					done, err := a.answer(ctx, alice, st.session, sign(st), nil)
					require.NoError(t, err)
					require.NotNil(t, done.tokens)
					assert.Empty(t, done.name)
					assert.Nil(t, done.session)
					id := claimsOf(t, aws.ToString(done.tokens.IdToken))
					assert.Equal(t, alice, id["cognito:username"])
					assert.NotEmpty(t, aws.ToString(done.tokens.RefreshToken))
				})

				t.Run("echoed nonce fails after MaxAttempts", func(t *testing.T) {
					st, err := a.start(ctx, alice, nil)
					require.NoError(t, err)
					sessions := map[string]bool{aws.ToString(st.session): true}
					for round := 1; round < 3; round++ {
						st, err = a.answer(ctx, alice, st.session, st.params[challenge.NonceParameter], nil)
						require.NoError(t, err, "round %d", round)
						assert.Nil(t, st.tokens)
						assert.Equal(t, types.ChallengeNameTypeCustomChallenge, st.name)
						assert.False(t, sessions[aws.ToString(st.session)], "each round has a new session")
						sessions[aws.ToString(st.session)] = true
					}
					_, err = a.answer(ctx, alice, st.session, st.params[challenge.NonceParameter], nil)
					requireAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
				})

				t.Run("right proof after wrong ones", func(t *testing.T) {
					st, err := a.start(ctx, alice, nil)
					require.NoError(t, err)
					st, err = a.answer(ctx, alice, st.session, "wrong", nil)
					require.NoError(t, err)
					st, err = a.answer(ctx, alice, st.session, "wrong again", nil)
					require.NoError(t, err)
					done, err := a.answer(ctx, alice, st.session, sign(st), nil)
					require.NoError(t, err)
					require.NotNil(t, done.tokens)
				})

				t.Run("proof for an earlier nonce", func(t *testing.T) {
					first, err := a.start(ctx, alice, nil)
					require.NoError(t, err)
					second, err := a.answer(ctx, alice, first.session, "wrong", nil)
					require.NoError(t, err)
					st, err := a.answer(ctx, alice, second.session, sign(first), nil)
					require.NoError(t, err)
					assert.Nil(t, st.tokens)
				})
			})
		}
	}
}

// recorder is a Verifier that remembers what it was asked and answers
// with the HMAC proof.
type recorder struct {
	mu     sync.Mutex
	inputs []challenge.VerifyInput
	next   challenge.Verifier
}

func (r *recorder) VerifyAnswer(ctx context.Context, in challenge.VerifyInput) (bool, error) {
	r.mu.Lock()
	r.inputs = append(r.inputs, in)
	r.mu.Unlock()
	return r.next.VerifyAnswer(ctx, in)
}

func TestCustomAuthEvents(t *testing.T) {
	proof, err := challenge.NewHMACProof(proofKey)
	require.NoError(t, err)
	rec := &recorder{next: proof}
	h, _ := newHandler(t, rec, 3)
	s := newServer(t, cognitotest.Config{Triggers: h, ClientSecret: true, Region: "eu-west-1"})
	createUser(t, s, alice, map[string]string{"email": alice, "email_verified": "true", "custom:createdByCorbado": "true"})
	u, _ := s.User(alice)

	type event struct {
		trigger string
		raw     map[string]any
	}
	var mu sync.Mutex
	var seen []event
	cognitotest.ObserveTriggers(s, func(trigger string, raw []byte) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(raw, &m))
		mu.Lock()
		seen = append(seen, event{trigger, m})
		mu.Unlock()
	})

	a := authClient{s: s, c: s.Client(), admin: true}
	ctx := context.Background()
	st, err := a.start(ctx, alice, map[string]string{"from": "initiate"})
	require.NoError(t, err)
	st, err = a.answer(ctx, alice, st.session, "wrong", map[string]string{"from": "respond-1"})
	require.NoError(t, err)
	done, err := a.answer(ctx, alice, st.session, proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter]), map[string]string{"from": "respond-2"})
	require.NoError(t, err)
	require.NotNil(t, done.tokens)

	wantAttributes := map[string]any{
		"sub":                     u.Sub,
		"email":                   alice,
		"email_verified":          "true",
		"cognito:user_status":     "CONFIRMED",
		"custom:createdByCorbado": "true",
	}
	var triggers []string
	for _, e := range seen {
		triggers = append(triggers, e.trigger)
		assert.Equal(t, "1", e.raw["version"])
		assert.Equal(t, "eu-west-1", e.raw["region"])
		assert.Equal(t, s.UserPoolID(), e.raw["userPoolId"])
		assert.Equal(t, alice, e.raw["userName"])
		assert.Equal(t, map[string]any{"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": s.ClientID()}, e.raw["callerContext"])
		req := e.raw["request"].(map[string]any)
		assert.Equal(t, wantAttributes, req["userAttributes"])
		assert.Equal(t, false, req["userNotFound"])
	}
	require.Equal(t, []string{
		"DefineAuthChallenge", "CreateAuthChallenge", // InitiateAuth
		"VerifyAuthChallengeResponse", "DefineAuthChallenge", "CreateAuthChallenge", // wrong answer
		"VerifyAuthChallengeResponse", "DefineAuthChallenge", // right answer
	}, triggers)

	request := func(i int) map[string]any { return seen[i].raw["request"].(map[string]any) }
	sources := []string{
		"DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
		"VerifyAuthChallengeResponse_Authentication", "DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
		"VerifyAuthChallengeResponse_Authentication", "DefineAuthChallenge_Authentication",
	}
	for i, src := range sources {
		assert.Equal(t, src, seen[i].raw["triggerSource"])
	}

	// InitiateAuth's ClientMetadata reaches no trigger; the empty session
	// goes out as [], not null.
	assert.Nil(t, request(0)["clientMetadata"])
	assert.Nil(t, request(1)["clientMetadata"])
	assert.Equal(t, []any{}, request(0)["session"])
	assert.Equal(t, "CUSTOM_CHALLENGE", request(1)["challengeName"])

	// Each Respond's ClientMetadata reaches Verify, Define and Create.
	for _, i := range []int{2, 3, 4} {
		assert.Equal(t, map[string]any{"from": "respond-1"}, request(i)["clientMetadata"], "event %d", i)
	}
	for _, i := range []int{5, 6} {
		assert.Equal(t, map[string]any{"from": "respond-2"}, request(i)["clientMetadata"], "event %d", i)
	}
	assert.Equal(t, "wrong", request(2)["challengeAnswer"])
	assert.NotEmpty(t, request(2)["privateChallengeParameters"].(map[string]any)[challenge.NonceParameter])

	// The history, oldest first.
	entry := func(result bool) map[string]any {
		return map[string]any{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": result, "challengeMetadata": challenge.ChallengeMetadata}
	}
	assert.Equal(t, []any{entry(false)}, request(3)["session"])
	assert.Equal(t, []any{entry(false)}, request(4)["session"])
	assert.Equal(t, []any{entry(false), entry(true)}, request(6)["session"])

	// The Verifier saw the Respond's metadata, never InitiateAuth's.
	require.Len(t, rec.inputs, 2)
	for i, in := range rec.inputs {
		assert.Equal(t, alice, in.Username)
		assert.Equal(t, s.UserPoolID(), in.UserPoolID)
		assert.Equal(t, s.ClientID(), in.ClientID)
		assert.False(t, in.UserNotFound)
		assert.Equal(t, "CONFIRMED", in.UserAttributes["cognito:user_status"])
		assert.Equal(t, map[string]string{"from": []string{"respond-1", "respond-2"}[i]}, in.ClientMetadata)
	}
}

func TestCustomAuthSessions(t *testing.T) {
	clk := newClock()
	h, proof := newHandler(t, nil, 3)
	s := newServer(t, cognitotest.Config{Triggers: h, Now: clk.Now})
	createUser(t, s, alice, nil)
	createUser(t, s, "bob", nil)
	a := authClient{s: s, c: s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 }), admin: true}
	ctx := context.Background()
	sign := func(st step) string {
		return proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter])
	}

	t.Run("answered just in time", func(t *testing.T) {
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		clk.Advance(3*time.Minute - time.Second)
		done, err := a.answer(ctx, alice, st.session, sign(st), nil)
		require.NoError(t, err)
		assert.NotNil(t, done.tokens)
	})

	t.Run("expired", func(t *testing.T) {
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		clk.Advance(3 * time.Minute)
		_, err = a.answer(ctx, alice, st.session, sign(st), nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session is expired.")
		_, err = a.answer(ctx, alice, st.session, sign(st), nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session is expired.")
	})

	t.Run("each round has its own validity", func(t *testing.T) {
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		clk.Advance(2 * time.Minute)
		st, err = a.answer(ctx, alice, st.session, "wrong", nil)
		require.NoError(t, err)
		clk.Advance(2 * time.Minute)
		done, err := a.answer(ctx, alice, st.session, sign(st), nil)
		require.NoError(t, err)
		assert.NotNil(t, done.tokens)
	})

	t.Run("used once", func(t *testing.T) {
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		_, err = a.answer(ctx, alice, st.session, "wrong", nil)
		require.NoError(t, err)
		_, err = a.answer(ctx, alice, st.session, sign(st), nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")

		st, err = a.start(ctx, alice, nil)
		require.NoError(t, err)
		_, err = a.answer(ctx, alice, st.session, sign(st), nil)
		require.NoError(t, err)
		_, err = a.answer(ctx, alice, st.session, sign(st), nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
	})

	t.Run("unknown session", func(t *testing.T) {
		_, err := a.answer(ctx, alice, aws.String("this-is-not-a-session-string"), "x", nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	})

	t.Run("another user's session", func(t *testing.T) {
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		_, err = a.answer(ctx, "bob", st.session, "x", nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
		done, err := a.answer(ctx, alice, st.session, sign(st), nil)
		require.NoError(t, err, "the session stays usable by its user")
		assert.NotNil(t, done.tokens)
	})

	t.Run("session of another challenge", func(t *testing.T) {
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		_, err = a.c.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
			UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
			ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: st.session,
			ChallengeResponses: map[string]string{"USERNAME": alice, "NEW_PASSWORD": goodPassword},
		})
		requireAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	})

	t.Run("configured validity", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{Triggers: h, Now: clk.Now, AuthSessionValidity: 15 * time.Minute})
		createUser(t, s, alice, nil)
		a := authClient{s: s, c: s.Client()}
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		clk.Advance(14 * time.Minute)
		done, err := a.answer(ctx, alice, st.session, proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter]), nil)
		require.NoError(t, err)
		assert.NotNil(t, done.tokens)
	})
}

func TestCustomAuthUnknownUser(t *testing.T) {
	h, proof := newHandler(t, nil, 3)
	ctx := context.Background()

	t.Run("existence errors", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{Triggers: h})
		_, err := authClient{s: s, c: s.Client()}.start(ctx, "nobody", nil)
		requireAPIError[*types.UserNotFoundException](t, err, "User does not exist.")
	})

	t.Run("prevented", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{Triggers: h, PreventUserExistenceErrors: true})
		var notFound []bool
		var mu sync.Mutex
		cognitotest.ObserveTriggers(s, func(_ string, raw []byte) {
			var e struct {
				Request struct {
					UserNotFound   bool              `json:"userNotFound"`
					UserAttributes map[string]string `json:"userAttributes"`
				} `json:"request"`
			}
			require.NoError(t, json.Unmarshal(raw, &e))
			mu.Lock()
			notFound = append(notFound, e.Request.UserNotFound)
			mu.Unlock()
		})
		a := authClient{s: s, c: s.Client()}
		st, err := a.start(ctx, "nobody", nil)
		require.NoError(t, err, "an unknown user gets a challenge like anyone")
		assert.Equal(t, types.ChallengeNameTypeCustomChallenge, st.name)
		assert.Equal(t, "nobody", st.params["USERNAME"])
		assert.NotEmpty(t, st.params[challenge.NonceParameter])
		for round := 1; round < 3; round++ {
			proofAnswer := proof.Sign("nobody", s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter])
			st, err = a.answer(ctx, "nobody", st.session, proofAnswer, nil)
			require.NoError(t, err)
			assert.Nil(t, st.tokens)
		}
		_, err = a.answer(ctx, "nobody", st.session, "x", nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
		assert.NotEmpty(t, notFound)
		for _, nf := range notFound {
			assert.True(t, nf)
		}
	})
}

// failingVerifier fails, or panics when panics is set.
type failingVerifier struct{ panics bool }

func (f failingVerifier) VerifyAnswer(context.Context, challenge.VerifyInput) (bool, error) {
	if f.panics {
		panic("verifier exploded")
	}
	return false, errors.New("database down, password=hunter2")
}

func TestCustomAuthErrors(t *testing.T) {
	ctx := context.Background()
	h, proof := newHandler(t, nil, 3)

	t.Run("no triggers", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{})
		createUser(t, s, alice, nil)
		_, err := authClient{s: s, c: s.Client(), admin: true}.start(ctx, alice, nil)
		requireAPIError[*types.InvalidParameterException](t, err, "Custom auth lambda trigger is not configured for the user pool.")
	})

	t.Run("verifier error", func(t *testing.T) {
		bad, _ := newHandler(t, failingVerifier{}, 3)
		s := newServer(t, cognitotest.Config{Triggers: bad})
		createUser(t, s, alice, nil)
		a := authClient{s: s, c: s.Client()}
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		_, err = a.answer(ctx, alice, st.session, "x", nil)
		e := requireAPIError[*types.UserLambdaValidationException](t, err, "VerifyAuthChallengeResponse failed with error challenge: verifier failed.")
		assert.NotContains(t, e.ErrorMessage(), "hunter2")
	})

	t.Run("verifier panic", func(t *testing.T) {
		bad, _ := newHandler(t, failingVerifier{panics: true}, 3)
		s := newServer(t, cognitotest.Config{Triggers: bad})
		createUser(t, s, alice, nil)
		a := authClient{s: s, c: s.Client()}
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		_, err = a.answer(ctx, alice, st.session, "x", nil)
		e := requireAPIError[*types.UnexpectedLambdaException](t, err, "")
		assert.NotContains(t, e.ErrorMessage(), "exploded")
	})

	t.Run("disabled user", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{Triggers: h})
		createUser(t, s, alice, nil)
		a := authClient{s: s, c: s.Client(), admin: true}
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		_, err = s.Client().AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice)})
		require.NoError(t, err)
		_, err = a.answer(ctx, alice, st.session, proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter]), nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "User is disabled.")
		_, err = a.start(ctx, alice, nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "User is disabled.")
	})

	t.Run("user deleted mid-flow", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{Triggers: h})
		createUser(t, s, alice, nil)
		a := authClient{s: s, c: s.Client(), admin: true}
		st, err := a.start(ctx, alice, nil)
		require.NoError(t, err)
		_, err = s.Client().AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice)})
		require.NoError(t, err)
		createUser(t, s, alice, nil)
		_, err = a.answer(ctx, alice, st.session, proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter]), nil)
		requireAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})

	t.Run("respond parameters", func(t *testing.T) {
		s := newServer(t, cognitotest.Config{Triggers: h, ClientSecret: true})
		createUser(t, s, alice, nil)
		c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })
		st, err := authClient{s: s, c: c, admin: true}.start(ctx, alice, nil)
		require.NoError(t, err)
		hash := secrethash.Compute(s.ClientSecret(), alice, s.ClientID())
		tests := []struct {
			name  string
			in    cip.AdminRespondToAuthChallengeInput
			check func(t *testing.T, err error)
		}{
			{name: "no username", in: cip.AdminRespondToAuthChallengeInput{ChallengeResponses: map[string]string{"ANSWER": "x", "SECRET_HASH": hash}}, check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "Missing required parameter USERNAME")
			}},
			{name: "no answer", in: cip.AdminRespondToAuthChallengeInput{ChallengeResponses: map[string]string{"USERNAME": alice, "SECRET_HASH": hash}}, check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "Missing required parameter ANSWER")
			}},
			{name: "no secret hash", in: cip.AdminRespondToAuthChallengeInput{ChallengeResponses: map[string]string{"USERNAME": alice, "ANSWER": "x"}}, check: func(t *testing.T, err error) {
				requireAPIError[*types.NotAuthorizedException](t, err, "Client "+s.ClientID()+" is configured with secret but SECRET_HASH was not received")
			}},
			{name: "wrong secret hash", in: cip.AdminRespondToAuthChallengeInput{ChallengeResponses: map[string]string{"USERNAME": alice, "ANSWER": "x", "SECRET_HASH": "AAAA"}}, check: func(t *testing.T, err error) {
				requireAPIError[*types.NotAuthorizedException](t, err, "Unable to verify secret hash for client "+s.ClientID())
			}},
			{name: "unknown challenge name", in: cip.AdminRespondToAuthChallengeInput{ChallengeName: "RIDDLE", ChallengeResponses: map[string]string{"USERNAME": alice, "ANSWER": "x", "SECRET_HASH": hash}}, check: func(t *testing.T, err error) {
				requireAPIError[*types.InvalidParameterException](t, err, "")
			}},
			{name: "other pool", in: cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String("us-east-1_other0000"), ChallengeResponses: map[string]string{"USERNAME": alice, "ANSWER": "x", "SECRET_HASH": hash}}, check: func(t *testing.T, err error) {
				requireAPIError[*types.ResourceNotFoundException](t, err, "User pool us-east-1_other0000 does not exist.")
			}},
			{name: "other client", in: cip.AdminRespondToAuthChallengeInput{ClientId: aws.String("otherclient"), ChallengeResponses: map[string]string{"USERNAME": alice, "ANSWER": "x", "SECRET_HASH": hash}}, check: func(t *testing.T, err error) {
				requireAPIError[*types.ResourceNotFoundException](t, err, "User pool client otherclient does not exist.")
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := tt.in
				if in.UserPoolId == nil {
					in.UserPoolId = aws.String(s.UserPoolID())
				}
				if in.ClientId == nil {
					in.ClientId = aws.String(s.ClientID())
				}
				if in.ChallengeName == "" {
					in.ChallengeName = types.ChallengeNameTypeCustomChallenge
				}
				in.Session = st.session
				_, err := c.AdminRespondToAuthChallenge(ctx, &in)
				tt.check(t, err)
			})
		}
		// None of the refused answers used the session up.
		done, err := authClient{s: s, c: c, admin: true}.answer(ctx, alice, st.session, proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter]), nil)
		require.NoError(t, err)
		assert.NotNil(t, done.tokens)
	})
}
