package challenge_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
)

type defineResponse = events.CognitoEventUserPoolsDefineAuthChallengeResponse

var (
	wantChallenge = defineResponse{ChallengeName: challenge.CustomChallenge}
	wantTokens    = defineResponse{IssueTokens: true}
	wantFail      = defineResponse{FailAuthentication: true}
)

func entry(name string, ok bool) *events.CognitoEventUserPoolsChallengeResult {
	return &events.CognitoEventUserPoolsChallengeResult{ChallengeName: name, ChallengeResult: ok, ChallengeMetadata: challenge.ChallengeMetadata}
}

func custom(results ...bool) []*events.CognitoEventUserPoolsChallengeResult {
	s := make([]*events.CognitoEventUserPoolsChallengeResult, 0, len(results))
	for _, ok := range results {
		s = append(s, entry(challenge.CustomChallenge, ok))
	}
	return s
}

func defineEvent(session []*events.CognitoEventUserPoolsChallengeResult, userNotFound bool) *events.CognitoEventUserPoolsDefineAuthChallenge {
	ev := &events.CognitoEventUserPoolsDefineAuthChallenge{CognitoEventUserPoolsHeader: testHeader(challenge.TriggerSourceDefine)}
	ev.Request.Session = session
	ev.Request.UserNotFound = userNotFound
	return ev
}

func TestDefine(t *testing.T) {
	tests := []struct {
		name         string
		maxAttempts  int
		session      []*events.CognitoEventUserPoolsChallengeResult
		userNotFound bool
		want         defineResponse
	}{
		{name: "nil session presents the challenge", session: nil, want: wantChallenge},
		{name: "empty session presents the challenge", session: custom(), want: wantChallenge},
		{name: "right answer issues tokens", session: custom(true), want: wantTokens},
		{name: "right answer after wrong ones issues tokens", session: custom(false, false, true), want: wantTokens},
		{name: "one wrong answer asks again", session: custom(false), want: wantChallenge},
		{name: "two wrong answers ask again", session: custom(false, false), want: wantChallenge},
		{name: "three wrong answers fail", session: custom(false, false, false), want: wantFail},
		{name: "more wrong answers than allowed fail", session: custom(false, false, false, false), want: wantFail},
		{name: "max 1: one wrong answer fails", maxAttempts: 1, session: custom(false), want: wantFail},
		{name: "max 1: right answer issues tokens", maxAttempts: 1, session: custom(true), want: wantTokens},
		{name: "max 5: four wrong answers ask again", maxAttempts: 5, session: custom(false, false, false, false), want: wantChallenge},
		{name: "max 5: five wrong answers fail", maxAttempts: 5, session: custom(false, false, false, false, false), want: wantFail},
		{name: "SRP before custom fails", session: []*events.CognitoEventUserPoolsChallengeResult{
			entry("SRP_A", true), entry("PASSWORD_VERIFIER", true),
		}, want: wantFail},
		{name: "password verifier then right custom answer fails", session: []*events.CognitoEventUserPoolsChallengeResult{
			entry("PASSWORD_VERIFIER", true), entry(challenge.CustomChallenge, true),
		}, want: wantFail},
		{name: "admin no SRP auth fails", session: []*events.CognitoEventUserPoolsChallengeResult{entry("ADMIN_NO_SRP_AUTH", true)}, want: wantFail},
		{name: "SMS MFA after custom fails", session: []*events.CognitoEventUserPoolsChallengeResult{
			entry(challenge.CustomChallenge, true), entry("SMS_MFA", true),
		}, want: wantFail},
		{name: "device SRP fails", session: []*events.CognitoEventUserPoolsChallengeResult{entry("DEVICE_SRP_AUTH", false)}, want: wantFail},
		{name: "lower-case name fails", session: []*events.CognitoEventUserPoolsChallengeResult{entry("custom_challenge", true)}, want: wantFail},
		{name: "empty name fails", session: []*events.CognitoEventUserPoolsChallengeResult{entry("", true)}, want: wantFail},
		{name: "nil entry fails", session: []*events.CognitoEventUserPoolsChallengeResult{nil}, want: wantFail},
		{name: "nil entry before right answer fails", session: []*events.CognitoEventUserPoolsChallengeResult{nil, entry(challenge.CustomChallenge, true)}, want: wantFail},
		{name: "right answer that is not last fails", session: custom(true, false), want: wantFail},
		{name: "missing user, empty session: same challenge", userNotFound: true, session: custom(), want: wantChallenge},
		{name: "missing user, one wrong answer: asks again", userNotFound: true, session: custom(false), want: wantChallenge},
		{name: "missing user, three wrong answers fail", userNotFound: true, session: custom(false, false, false), want: wantFail},
		{name: "missing user never gets tokens", userNotFound: true, session: custom(true), want: wantFail},
		{name: "missing user, right answer after wrong ones fails", userNotFound: true, session: custom(false, true), want: wantFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, challenge.Config{MaxAttempts: tt.maxAttempts})
			out, err := h.Define(t.Context(), defineEvent(tt.session, tt.userNotFound))
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.Response)
		})
	}
}

// A caller must not learn from the flow whether a user exists: for every
// number of wrong answers, a missing user gets what a real one gets.
func TestDefineMissingUserIndistinguishable(t *testing.T) {
	for _, maxAttempts := range []int{0, 1, 3, 5} {
		h := newHandler(t, challenge.Config{MaxAttempts: maxAttempts})
		for wrong := 0; wrong <= 6; wrong++ {
			t.Run(fmt.Sprintf("max %d wrong %d", maxAttempts, wrong), func(t *testing.T) {
				results := make([]bool, wrong)
				existing, err := h.Define(t.Context(), defineEvent(custom(results...), false))
				require.NoError(t, err)
				missing, err := h.Define(t.Context(), defineEvent(custom(results...), true))
				require.NoError(t, err)
				assert.Equal(t, existing.Response, missing.Response)
			})
		}
	}
}

func TestDefineOverwritesResponseAndKeepsInput(t *testing.T) {
	h := newHandler(t, challenge.Config{})
	ev := defineEvent(custom(false, false, false), false)
	ev.Response = defineResponse{ChallengeName: "SMS_MFA", IssueTokens: true, FailAuthentication: false}
	before := *ev

	out, err := h.Define(t.Context(), ev)
	require.NoError(t, err)
	assert.Equal(t, wantFail, out.Response)
	assert.Equal(t, before, *ev, "Define must not change its input")
	assert.NotSame(t, ev, out)
	assert.Equal(t, ev.CognitoEventUserPoolsHeader, out.CognitoEventUserPoolsHeader)
	assert.Equal(t, ev.Request, out.Request)
}

func TestDefineNilEvent(t *testing.T) {
	out, err := newHandler(t, challenge.Config{}).Define(t.Context(), nil)
	require.ErrorIs(t, err, challenge.ErrMalformedEvent)
	assert.Nil(t, out)
}
