package challenge_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name        string
		cfg         challenge.Config
		wantErr     string
		wantAllowed int // wrong answers still followed by another challenge
	}{
		{name: "no verifier", cfg: challenge.Config{}, wantErr: "challenge: config has no verifier"},
		{name: "negative attempts", cfg: challenge.Config{Verifier: &fakeVerifier{}, MaxAttempts: -1}, wantErr: "challenge: max attempts must not be negative"},
		{name: "default attempts", cfg: challenge.Config{Verifier: &fakeVerifier{}}, wantAllowed: 2},
		{name: "one attempt", cfg: challenge.Config{Verifier: &fakeVerifier{}, MaxAttempts: 1}, wantAllowed: 0},
		{name: "seven attempts", cfg: challenge.Config{Verifier: &fakeVerifier{}, MaxAttempts: 7}, wantAllowed: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			h, err := challenge.New(cfg)
			assert.Equal(t, tt.cfg, cfg, "New must not change its config")
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Nil(t, h)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, challenge.DefaultMaxAttempts, 3)
			for wrong := 0; wrong <= tt.wantAllowed+1; wrong++ {
				out, err := h.Define(t.Context(), defineEvent(custom(make([]bool, wrong)...), false))
				require.NoError(t, err)
				assert.Equal(t, wrong > tt.wantAllowed, out.Response.FailAuthentication, "after %d wrong answers", wrong)
			}
		})
	}
}

// responseKeys are the response fields Cognito reads from each trigger.
var responseKeys = map[string][]string{
	challenge.TriggerSourceDefine: {"challengeName", "issueTokens", "failAuthentication"},
	challenge.TriggerSourceCreate: {"publicChallengeParameters", "privateChallengeParameters", "challengeMetadata"},
	challenge.TriggerSourceVerify: {"answerCorrect"},
}

func TestHandleTestdata(t *testing.T) {
	tests := []struct {
		file   string
		define *defineResponse
		create bool // a nonce challenge
		verify *bool
	}{
		{file: "define-first-round.json", define: &wantChallenge},
		{file: "define-second-round.json", define: &wantChallenge},
		{file: "define-after-correct-answer.json", define: &wantTokens},
		{file: "define-multi-round.json", define: &wantTokens},
		{file: "define-attempts-exhausted.json", define: &wantFail},
		{file: "define-password-verifier.json", define: &wantFail},
		{file: "define-user-not-found.json", define: &wantChallenge},
		{file: "define-user-not-found-exhausted.json", define: &wantFail},
		{file: "create-first-round.json", create: true},
		{file: "create-second-round.json", create: true},
		{file: "create-user-not-found.json", create: true},
		{file: "verify-correct-answer.json", verify: ptr(true)},
		{file: "verify-wrong-answer.json", verify: ptr(false)},
		{file: "verify-public-nonce.json", verify: ptr(false)},
		{file: "verify-user-not-found.json", verify: ptr(false)},
	}
	h := newHandler(t, challenge.Config{})
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readEvent(t, tt.file)
			out, err := h.Handle(t.Context(), raw)
			require.NoError(t, err)

			var trigger string
			switch ev := out.(type) {
			case *events.CognitoEventUserPoolsDefineAuthChallenge:
				require.NotNil(t, tt.define, "dispatched to Define")
				assert.Equal(t, *tt.define, ev.Response)
				trigger = ev.TriggerSource
			case *events.CognitoEventUserPoolsCreateAuthChallenge:
				require.True(t, tt.create, "dispatched to Create")
				requireNonceChallenge(t, ev.Response)
				trigger = ev.TriggerSource
			case *events.CognitoEventUserPoolsVerifyAuthChallenge:
				require.NotNil(t, tt.verify, "dispatched to Verify")
				assert.Equal(t, *tt.verify, ev.Response.AnswerCorrect)
				trigger = ev.TriggerSource
			default:
				t.Fatalf("Handle returned %T", out)
			}

			// What goes back to Cognito: the header as it came, and every
			// response key Cognito reads, none of them null.
			encoded, err := json.Marshal(out)
			require.NoError(t, err)
			var got, sent map[string]any
			require.NoError(t, json.Unmarshal(encoded, &got))
			require.NoError(t, json.Unmarshal(raw, &sent))
			for _, k := range []string{"version", "triggerSource", "region", "userPoolId", "userName", "callerContext"} {
				assert.Equal(t, sent[k], got[k], k)
			}
			resp, ok := got["response"].(map[string]any)
			require.True(t, ok, "response object in %s", encoded)
			keys := responseKeys[trigger]
			require.NotEmpty(t, keys)
			assert.Len(t, resp, len(keys))
			for _, k := range keys {
				require.Contains(t, resp, k)
				assert.NotNil(t, resp[k], k)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestHandleFlow plays Cognito and the backend through a whole sign-in:
// Define, Create, a wrong answer, Create, the signed answer, Define.
func TestHandleFlow(t *testing.T) {
	proof := newProof(t)
	h := newHandler(t, challenge.Config{Verifier: proof})
	var session []*events.CognitoEventUserPoolsChallengeResult

	define := func() defineResponse {
		ev := defineEvent(session, false)
		out := handleAs[*events.CognitoEventUserPoolsDefineAuthChallenge](t, h, ev)
		return out.Response
	}
	round := func(answer func(nonce string) string) bool {
		cev := createEvent(challenge.CustomChallenge, false)
		cev.Request.Session = session
		created := handleAs[*events.CognitoEventUserPoolsCreateAuthChallenge](t, h, cev)
		public := created.Response.PublicChallengeParameters
		vev := verifyEvent(answer(public[challenge.NonceParameter]), created.Response.PrivateChallengeParameters, false)
		verified := handleAs[*events.CognitoEventUserPoolsVerifyAuthChallenge](t, h, vev)
		session = append(session, entry(challenge.CustomChallenge, verified.Response.AnswerCorrect))
		return verified.Response.AnswerCorrect
	}

	require.Equal(t, wantChallenge, define())
	assert.False(t, round(func(nonce string) string { return nonce }), "echoing the public nonce must fail")
	require.Equal(t, wantChallenge, define())
	assert.True(t, round(func(nonce string) string { return proof.Sign(testUser, testPool, testClient, nonce) }))
	assert.Equal(t, wantTokens, define())
}

// handleAs sends ev through Handle as JSON, as the Lambda runtime would.
func handleAs[T any](t *testing.T, h *challenge.Handler, ev any) T {
	t.Helper()
	raw, err := json.Marshal(ev)
	require.NoError(t, err)
	out, err := h.Handle(t.Context(), raw)
	require.NoError(t, err)
	typed, ok := out.(T)
	require.True(t, ok, "Handle returned %T", out)
	return typed
}

func TestHandleErrors(t *testing.T) {
	longSource := strings.Repeat("A", 500)
	tests := []struct {
		name    string
		event   string
		wantErr error
		wantMsg string // exact text, when set
	}{
		{name: "nil input", event: "", wantErr: challenge.ErrMalformedEvent},
		{name: "not JSON", event: "hello", wantErr: challenge.ErrMalformedEvent, wantMsg: "challenge: malformed event: invalid JSON at byte 1"},
		{name: "truncated", event: `{"triggerSource":"DefineAuthChallenge_Authentication"`, wantErr: challenge.ErrMalformedEvent},
		{name: "array", event: `[]`, wantErr: challenge.ErrMalformedEvent},
		{name: "string", event: `"DefineAuthChallenge_Authentication"`, wantErr: challenge.ErrMalformedEvent},
		{name: "null", event: `null`, wantErr: challenge.ErrUnsupportedTrigger, wantMsg: `challenge: unsupported trigger source ""`},
		{name: "empty object", event: `{}`, wantErr: challenge.ErrUnsupportedTrigger, wantMsg: `challenge: unsupported trigger source ""`},
		{name: "other trigger", event: `{"triggerSource":"PreSignUp_SignUp"}`, wantErr: challenge.ErrUnsupportedTrigger, wantMsg: `challenge: unsupported trigger source "PreSignUp_SignUp"`},
		{name: "sign-up variant of a name", event: `{"triggerSource":"DefineAuthChallenge_SignUp"}`, wantErr: challenge.ErrUnsupportedTrigger},
		{name: "lower-case trigger", event: `{"triggerSource":"defineauthchallenge_authentication"}`, wantErr: challenge.ErrUnsupportedTrigger},
		{name: "long trigger is cut", event: `{"triggerSource":"` + longSource + `"}`, wantErr: challenge.ErrUnsupportedTrigger,
			wantMsg: `challenge: unsupported trigger source "` + strings.Repeat("A", 40) + `"…`},
		{name: "control characters are escaped and cut", event: `{"triggerSource":"` + strings.Repeat(`\u0001`, 500) + `"}`, wantErr: challenge.ErrUnsupportedTrigger,
			wantMsg: `challenge: unsupported trigger source "` + strings.Repeat(`\x01`, 10) + `"…`},
		{name: "quotes are escaped", event: `{"triggerSource":"a\"b"}`, wantErr: challenge.ErrUnsupportedTrigger, wantMsg: `challenge: unsupported trigger source "a\"b"`},
		{name: "invalid UTF-8", event: "{\"triggerSource\":\"\xff\xfe\"}", wantErr: challenge.ErrUnsupportedTrigger, wantMsg: "challenge: unsupported trigger source \"\ufffd\ufffd\""},
		{name: "trigger source not a string", event: `{"triggerSource":7}`, wantErr: challenge.ErrMalformedEvent, wantMsg: `challenge: malformed event: wrong type at "triggerSource"`},
		{name: "define session not a list", event: `{"triggerSource":"DefineAuthChallenge_Authentication","request":{"session":"x"}}`, wantErr: challenge.ErrMalformedEvent},
		{name: "define result not a bool", event: `{"triggerSource":"DefineAuthChallenge_Authentication","request":{"session":[{"challengeName":"CUSTOM_CHALLENGE","challengeResult":"true"}]}}`, wantErr: challenge.ErrMalformedEvent},
		{name: "create for another challenge", event: `{"triggerSource":"CreateAuthChallenge_Authentication","request":{"challengeName":"SMS_MFA"}}`, wantErr: challenge.ErrUnexpectedChallenge, wantMsg: `challenge: unexpected challenge name "SMS_MFA"`},
		{name: "create without challenge name", event: `{"triggerSource":"CreateAuthChallenge_Authentication"}`, wantErr: challenge.ErrUnexpectedChallenge},
		{name: "verify private parameters not strings", event: `{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"privateChallengeParameters":{"nonce":5}}}`, wantErr: challenge.ErrMalformedEvent},
	}
	h := newHandler(t, challenge.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := h.Handle(t.Context(), json.RawMessage(tt.event))
			require.ErrorIs(t, err, tt.wantErr)
			assert.True(t, out == nil, "a failed Handle returns a nil interface, not %T", out)
			assert.True(t, strings.HasPrefix(err.Error(), "challenge: "), err.Error())
			assert.Equal(t, strings.ToLower(err.Error()[:20]), err.Error()[:20])
			if tt.wantMsg != "" {
				assert.Equal(t, tt.wantMsg, err.Error())
			}
		})
	}
}

func TestHandleMalformedKeepsJSONCause(t *testing.T) {
	_, err := newHandler(t, challenge.Config{}).Handle(t.Context(), json.RawMessage(`{"triggerSource":`))
	var syntax *json.SyntaxError
	require.ErrorAs(t, err, &syntax)
	assert.ErrorIs(t, err, challenge.ErrMalformedEvent)
}

// Errors reach Cognito and CloudWatch: whatever the input, their text never
// carries the key, the nonce or the answer.
func TestHandleErrorsCarryNoSecrets(t *testing.T) {
	const secretNonce = "NONCE-9f1c2a7d"
	const secretAnswer = "ANSWER-5b3e8c01"
	leaky := &fakeVerifier{err: errLeaky}
	tests := []struct {
		name     string
		verifier challenge.Verifier
		event    string
	}{
		{name: "nonce as a number", event: `{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"privateChallengeParameters":{"nonce":123456789},"challengeAnswer":"` + secretAnswer + `"}}`},
		{name: "nonce as a list", event: `{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"privateChallengeParameters":{"nonce":["` + secretNonce + `"]},"challengeAnswer":"` + secretAnswer + `"}}`},
		{name: "control character in the answer", event: "{\"triggerSource\":\"VerifyAuthChallengeResponse_Authentication\",\"request\":{\"challengeAnswer\":\"" + secretAnswer + "\x01\"}}"},
		{name: "leaky verifier", verifier: leaky, event: `{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"privateChallengeParameters":{"nonce":"` + secretNonce + `"},"challengeAnswer":"` + secretAnswer + `"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, challenge.Config{Verifier: tt.verifier})
			_, err := h.Handle(t.Context(), json.RawMessage(tt.event))
			require.Error(t, err)
			for _, s := range []string{secretNonce, secretAnswer, "123456789", string(testKey()), "KEY-"} {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}
}

var errLeaky = leakyError("KEY-1f2e3d nonce NONCE-9f1c2a7d answer ANSWER-5b3e8c01")

type leakyError string

func (e leakyError) Error() string { return string(e) }
