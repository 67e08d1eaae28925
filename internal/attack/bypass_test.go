package attack

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/secrethash"
)

// attacker drives CUSTOM_AUTH with the real SDK, knowing the app client's
// ID and secret (so SECRET_HASH is no obstacle) but not the proof key.
// admin uses the Admin* calls, as an insider with IAM rights to the pool
// but not the key would.
type attacker struct {
	p     *pool
	c     *cip.Client
	admin bool
}

func (a attacker) hash(username string) string {
	return secrethash.Compute(a.p.srv.ClientSecret(), username, a.p.srv.ClientID())
}

// start opens a CUSTOM_AUTH sign-in and returns the session string and the
// public challenge parameters.
func (a attacker) start(ctx context.Context, username string) (string, map[string]string, error) {
	params := map[string]string{"USERNAME": username, "SECRET_HASH": a.hash(username)}
	if a.admin {
		out, err := a.c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{AuthFlow: types.AuthFlowTypeCustomAuth,
			UserPoolId: aws.String(a.p.srv.UserPoolID()), ClientId: aws.String(a.p.srv.ClientID()), AuthParameters: params})
		if err != nil {
			return "", nil, err
		}
		if out.AuthenticationResult != nil {
			return "", nil, errTokensWithoutAnswer
		}
		return aws.ToString(out.Session), out.ChallengeParameters, nil
	}
	out, err := a.c.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeCustomAuth,
		ClientId: aws.String(a.p.srv.ClientID()), AuthParameters: params})
	if err != nil {
		return "", nil, err
	}
	if out.AuthenticationResult != nil {
		return "", nil, errTokensWithoutAnswer
	}
	return aws.ToString(out.Session), out.ChallengeParameters, nil
}

var errTokensWithoutAnswer = errors.New("attack: tokens without an answer")

// respond answers one challenge; it returns the tokens, or the next
// session and parameters, or Cognito's error.
func (a attacker) respond(ctx context.Context, username, session, answer string, metadata map[string]string) (*types.AuthenticationResultType, string, map[string]string, error) {
	responses := map[string]string{"USERNAME": username, "ANSWER": answer, "SECRET_HASH": a.hash(username)}
	if a.admin {
		out, err := a.c.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
			ChallengeName: types.ChallengeNameTypeCustomChallenge, UserPoolId: aws.String(a.p.srv.UserPoolID()),
			ClientId: aws.String(a.p.srv.ClientID()), Session: aws.String(session), ChallengeResponses: responses, ClientMetadata: metadata})
		if err != nil {
			return nil, "", nil, err
		}
		return out.AuthenticationResult, aws.ToString(out.Session), out.ChallengeParameters, nil
	}
	out, err := a.c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeCustomChallenge, ClientId: aws.String(a.p.srv.ClientID()),
		Session: aws.String(session), ChallengeResponses: responses, ClientMetadata: metadata})
	if err != nil {
		return nil, "", nil, err
	}
	return out.AuthenticationResult, aws.ToString(out.Session), out.ChallengeParameters, nil
}

// attempt runs one sign-in of username, answering each challenge with
// answer(nonce), until Cognito issues tokens or refuses. It returns the
// tokens (nil if none), how many answers were given, and the final error.
func (a attacker) attempt(ctx context.Context, username string, answer func(nonce string) string, metadata map[string]string) (*types.AuthenticationResultType, int, error) {
	session, params, err := a.start(ctx, username)
	if err != nil {
		return nil, 0, err
	}
	for answers := 1; answers <= 10; answers++ {
		tokens, next, nextParams, err := a.respond(ctx, username, session, answer(params[challenge.NonceParameter]), metadata)
		if err != nil || tokens != nil {
			return tokens, answers, err
		}
		session, params = next, nextParams
	}
	return nil, 10, errors.New("attack: Define never ended the sign-in")
}

// TestCustomAuthBypass: an attacker with the app client's ID and secret,
// on the real SDK against the emulated pool and the real triggers, gets no
// tokens by answering with the public nonce, replaying a proof the
// backend sent for an earlier nonce, or bringing a proof for the right
// nonce made for another user, pool or client, or under another key; nor
// by adding ClientMetadata of its choosing. Every attempt ends, after
// exactly MaxAttempts (3) answers, in NotAuthorizedException. The right
// proof, in the same harness, does get tokens.
func TestCustomAuthBypass(t *testing.T) {
	a := newAudit(t)
	p := newPool(t, a)
	ctx := context.Background()
	const victim, attackerUser = "victim@example.com", "attacker@example.com"
	a.username(victim, attackerUser)
	for _, u := range []string{victim, attackerUser} {
		_, err := p.store.CreateUser(ctx, u, cognitobridge.CreateOptions{})
		require.NoError(t, a.err(err))
	}
	pool, client := p.srv.UserPoolID(), p.srv.ClientID()

	// Proofs the attacker could have seen: the answers the backend sent in
	// earlier sign-ins of the victim and of the attacker's own account.
	captured := &captureAPI{}
	spied := newPoolStore(t, p, captured)
	for _, u := range []string{victim, attackerUser} {
		sess, err := spied.Login(ctx, u, cognitobridge.CreateOptions{})
		require.NoError(t, a.err(err))
		require.NoError(t, p.checkSession(ctx, u, sess))
	}
	oldVictimProof, oldAttackerProof := captured.answers[victim], captured.answers[attackerUser]
	require.NotEmpty(t, oldVictimProof)
	require.NotEmpty(t, oldAttackerProof)

	otherKey := make([]byte, challenge.MinKeySize)
	_, _ = rand.Read(otherKey)
	otherProof, err := challenge.NewHMACProof(otherKey)
	require.NoError(t, err)

	attacks := []struct {
		name     string
		answer   func(nonce string) string
		metadata map[string]string
	}{
		{"the public nonce", func(n string) string { return n }, nil},
		{"an old proof of the victim", func(string) string { return oldVictimProof }, nil},
		{"the attacker's own old proof", func(string) string { return oldAttackerProof }, nil},
		{"a proof for another user", func(n string) string { return p.proof.Sign(attackerUser, pool, client, n) }, nil},
		{"a proof for another pool", func(n string) string { return p.proof.Sign(victim, "us-east-1_OtherPool", client, n) }, nil},
		{"a proof for another client", func(n string) string { return p.proof.Sign(victim, pool, "another0client0id000000000", n) }, nil},
		{"a proof under another key", func(n string) string { return otherProof.Sign(victim, pool, client, n) }, nil},
		{"a proof for the victim in other case", func(n string) string { return p.proof.Sign("Victim@example.com", pool, client, n) }, nil},
		{"the nonce, with metadata claiming it right", func(n string) string { return n },
			map[string]string{"answerCorrect": "true", "nonce": "x", "proof": "x"}},
		{"a proof over a nonce of the attacker's choice, named in metadata",
			func(string) string { return p.proof.Sign(victim, pool, client, "attacker-nonce") }, map[string]string{"nonce": "attacker-nonce"}},
		{"an empty answer", func(string) string { return "" }, nil},
		{"the SECRET_HASH", func(string) string { return secrethash.Compute(p.srv.ClientSecret(), victim, client) }, nil},
	}
	for _, admin := range []bool{false, true} {
		att := attacker{p: p, c: p.srv.Client(cognitotest.NoRetryDelay), admin: admin}
		api := "InitiateAuth"
		if admin {
			api = "AdminInitiateAuth"
		}
		for _, atk := range attacks {
			t.Run(api+"/"+atk.name, func(t *testing.T) {
				tokens, answers, err := att.attempt(ctx, victim, atk.answer, atk.metadata)
				a.err(err)
				assert.Nil(t, tokens, "tokens issued")
				var denied *types.NotAuthorizedException
				assert.ErrorAs(t, err, &denied)
				assert.Equal(t, challenge.DefaultMaxAttempts, answers, "answers before Cognito gave up")
			})
		}
		t.Run(api+"/control: the right proof", func(t *testing.T) {
			tokens, answers, err := att.attempt(ctx, victim, func(n string) string { return p.proof.Sign(victim, pool, client, n) }, nil)
			require.NoError(t, a.err(err))
			require.NotNil(t, tokens)
			a.secret("token", aws.ToString(tokens.IdToken), aws.ToString(tokens.AccessToken), aws.ToString(tokens.RefreshToken))
			assert.Equal(t, 1, answers)
		})
	}

	// With PreventUserExistenceErrors an unknown user gets a challenge too:
	// no answer, not even the "right" proof, yields tokens.
	hidden := newPool(t, a, func(o *poolOptions) { o.server.PreventUserExistenceErrors = true })
	att := attacker{p: hidden, c: hidden.srv.Client(cognitotest.NoRetryDelay)}
	tokens, answers, err := att.attempt(ctx, "ghost@example.com", func(n string) string {
		return hidden.proof.Sign("ghost@example.com", hidden.srv.UserPoolID(), hidden.srv.ClientID(), n)
	}, nil)
	a.err(err)
	assert.Nil(t, tokens)
	var denied *types.NotAuthorizedException
	assert.ErrorAs(t, err, &denied)
	assert.Equal(t, challenge.DefaultMaxAttempts, answers)
	t.Logf("figures: %d CUSTOM_AUTH bypass attempts (public and admin API), each refused after %d answers; the right proof signs in",
		2*len(attacks)+1, challenge.DefaultMaxAttempts)
}

// captureAPI records the ANSWER the store sends for each user.
type captureAPI struct {
	cognitobridge.CognitoAPI
	answers map[string]string
}

func (c *captureAPI) AdminRespondToAuthChallenge(ctx context.Context, in *cip.AdminRespondToAuthChallengeInput, o ...func(*cip.Options)) (*cip.AdminRespondToAuthChallengeOutput, error) {
	c.answers[in.ChallengeResponses["USERNAME"]] = in.ChallengeResponses["ANSWER"]
	return c.CognitoAPI.AdminRespondToAuthChallenge(ctx, in, o...)
}

// newPoolStore is a second Store on p whose SDK client goes through c.
func newPoolStore(t *testing.T, p *pool, c *captureAPI) *cognitobridge.Store {
	t.Helper()
	c.CognitoAPI = p.audit.cognito(p.srv.Client(cognitotest.NoRetryDelay))
	c.answers = map[string]string{}
	s, err := cognitobridge.New(cognitobridge.Config{
		Client: c, UserPoolID: p.srv.UserPoolID(), ClientID: p.srv.ClientID(), ClientSecret: p.srv.ClientSecret(),
		Proof: p.proof, Logger: p.audit.logger(),
	})
	require.NoError(t, err)
	return s
}
