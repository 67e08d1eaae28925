package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/testtools"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestNewHandler(t *testing.T) {
	key32 := []byte("k-e-y-0123456789abcdef0123456789") // 32 bytes
	good := base64.StdEncoding.EncodeToString(key32)
	short := base64.StdEncoding.EncodeToString(key32[:31])
	tests := []struct {
		name        string
		vars        map[string]string
		wantErr     string
		wantAllowed int // wrong answers still followed by another challenge
	}{
		{name: "key unset", vars: nil, wantErr: "PASSKEYBRIDGE_PROOF_KEY is not set"},
		{name: "key blank", vars: map[string]string{envProofKey: "  \n"}, wantErr: "PASSKEYBRIDGE_PROOF_KEY is not set"},
		{name: "key not base64", vars: map[string]string{envProofKey: "not*base64!" + good}, wantErr: "PASSKEYBRIDGE_PROOF_KEY is not standard base64"},
		{name: "key base64url", vars: map[string]string{envProofKey: base64.RawURLEncoding.EncodeToString([]byte("\xff\xfe" + string(key32)))}, wantErr: "PASSKEYBRIDGE_PROOF_KEY is not standard base64"},
		{name: "key too short", vars: map[string]string{envProofKey: short}, wantErr: "PASSKEYBRIDGE_PROOF_KEY must decode to at least 32 bytes, got 31"},
		{name: "bad attempts", vars: map[string]string{envProofKey: good, envMaxAttempts: "three"}, wantErr: "PASSKEYBRIDGE_MAX_ATTEMPTS must be a positive whole number"},
		{name: "zero attempts", vars: map[string]string{envProofKey: good, envMaxAttempts: "0"}, wantErr: "PASSKEYBRIDGE_MAX_ATTEMPTS must be a positive whole number"},
		{name: "negative attempts", vars: map[string]string{envProofKey: good, envMaxAttempts: "-2"}, wantErr: "PASSKEYBRIDGE_MAX_ATTEMPTS must be a positive whole number"},
		{name: "defaults", vars: map[string]string{envProofKey: good}, wantAllowed: 2},
		{name: "key with trailing newline (secret from a file)", vars: map[string]string{envProofKey: good + "\n"}, wantAllowed: 2},
		{name: "five attempts", vars: map[string]string{envProofKey: good, envMaxAttempts: "5"}, wantAllowed: 4},
		{name: "previous key too short", vars: map[string]string{envProofKey: good, envPreviousProofKey: short}, wantErr: "PASSKEYBRIDGE_PROOF_KEY_PREVIOUS must decode to at least 32 bytes, got 31"},
		{name: "previous key not base64", vars: map[string]string{envProofKey: good, envPreviousProofKey: "*" + good}, wantErr: "PASSKEYBRIDGE_PROOF_KEY_PREVIOUS is not standard base64"},
		{name: "previous key without a key", vars: map[string]string{envPreviousProofKey: good}, wantErr: "PASSKEYBRIDGE_PROOF_KEY is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newHandler(env(tt.vars))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Nil(t, h)
				if k := tt.vars[envProofKey]; strings.TrimSpace(k) != "" {
					assert.NotContains(t, err.Error(), strings.TrimSpace(k))
				}
				return
			}
			require.NoError(t, err)
			for wrong := 0; wrong <= tt.wantAllowed+1; wrong++ {
				ev := &events.CognitoEventUserPoolsDefineAuthChallenge{}
				for range wrong {
					ev.Request.Session = append(ev.Request.Session, &events.CognitoEventUserPoolsChallengeResult{ChallengeName: challenge.CustomChallenge})
				}
				out, err := h.Define(t.Context(), ev)
				require.NoError(t, err)
				assert.Equal(t, wrong > tt.wantAllowed, out.Response.FailAuthentication, "after %d wrong answers", wrong)
			}
		})
	}
}

// The handler built from the environment accepts answers signed with the
// key in that environment, and only those.
func TestNewHandlerUsesKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	oldKey := []byte("the key being rotated out, 32 b!")
	h, err := newHandler(env(map[string]string{
		envProofKey:         base64.StdEncoding.EncodeToString(key),
		envPreviousProofKey: base64.StdEncoding.EncodeToString(oldKey),
	}))
	require.NoError(t, err)
	proof, err := challenge.NewHMACProof(key)
	require.NoError(t, err)
	old, err := challenge.NewHMACProof(oldKey)
	require.NoError(t, err)
	other, err := challenge.NewHMACProof([]byte("another key, also 32 bytes long!"))
	require.NoError(t, err)

	for _, tt := range []struct {
		name  string
		proof *challenge.HMACProof
		want  bool
	}{
		{name: "same key", proof: proof, want: true},
		{name: "previous key, during a rotation", proof: old, want: true},
		{name: "other key", proof: other, want: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev := map[string]any{
				"triggerSource": challenge.TriggerSourceVerify,
				"userPoolId":    "eu-central-1_aBcDeF123",
				"userName":      "alice@example.com",
				"callerContext": map[string]string{"clientId": "client"},
				"request": map[string]any{
					"privateChallengeParameters": map[string]string{challenge.NonceParameter: "n"},
					"challengeAnswer":            tt.proof.Sign("alice@example.com", "eu-central-1_aBcDeF123", "client", "n"),
				},
			}
			raw, err := json.Marshal(ev)
			require.NoError(t, err)
			out, err := h.Handle(t.Context(), raw)
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.(*events.CognitoEventUserPoolsVerifyAuthChallenge).Response.AnswerCorrect)
		})
	}
}

// The handler works through aws-lambda-go's own reflection wrapper, which is
// what lambda.Start uses: raw event in, JSON response out.
func TestLambdaRuntimeInvoke(t *testing.T) {
	h, err := newHandler(env(map[string]string{envProofKey: base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))}))
	require.NoError(t, err)
	invoke := lambda.NewHandler(h.Handle)

	out, err := invoke.Invoke(t.Context(), []byte(`{"triggerSource":"CreateAuthChallenge_Authentication","userName":"alice@example.com","request":{"challengeName":"CUSTOM_CHALLENGE","session":[]}}`))
	require.NoError(t, err)
	var created events.CognitoEventUserPoolsCreateAuthChallenge
	require.NoError(t, json.Unmarshal(out, &created))
	assert.Len(t, created.Response.PublicChallengeParameters[challenge.NonceParameter], 43)
	assert.Equal(t, created.Response.PublicChallengeParameters, created.Response.PrivateChallengeParameters)
	assert.Equal(t, "alice@example.com", created.UserName)

	_, err = invoke.Invoke(t.Context(), []byte(`{"triggerSource":"PostConfirmation_ConfirmSignUp"}`))
	require.ErrorIs(t, err, challenge.ErrUnsupportedTrigger)
}

// The binary's handler, configured from its environment, as the triggers
// of an emulated pool of every type: the store signs users in through it,
// whether the events name the user by address, UUID or generated name.
func TestHandlerSignsInOnEveryPoolType(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, pt := range testtools.PoolTypes {
		t.Run(pt.Name, func(t *testing.T) {
			h, err := newHandler(env(map[string]string{envProofKey: base64.StdEncoding.EncodeToString(key)}))
			require.NoError(t, err)
			p := testtools.NewPool(t, testtools.PoolConfig{Type: pt, ProofKey: key, Server: cognitotest.Config{Triggers: h}})
			sess, err := p.Store.Login(t.Context(), "alice@example.com", cognitobridge.CreateOptions{EmailVerified: true})
			require.NoError(t, err)
			assert.Equal(t, "alice@example.com", sess.Email)
			users := p.Server.Users()
			require.Len(t, users, 1)
			assert.Equal(t, users[0].Sub, sess.Sub)

			// A store with another key gets nothing from this Lambda.
			cfg := p.StoreConfig
			cfg.Proof, err = challenge.NewHMACProof([]byte("another key, also 32 bytes long!"))
			require.NoError(t, err)
			other, err := cognitobridge.New(cfg)
			require.NoError(t, err)
			_, err = other.StartSession(t.Context(), "alice@example.com")
			require.ErrorIs(t, err, cognitobridge.ErrNotAuthorized)
		})
	}
}
