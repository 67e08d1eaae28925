package challenge_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
)

func verifyEvent(answer any, private map[string]string, userNotFound bool) *events.CognitoEventUserPoolsVerifyAuthChallenge {
	ev := &events.CognitoEventUserPoolsVerifyAuthChallenge{CognitoEventUserPoolsHeader: testHeader(challenge.TriggerSourceVerify)}
	ev.Request.ChallengeAnswer = answer
	ev.Request.PrivateChallengeParameters = private
	ev.Request.UserNotFound = userNotFound
	return ev
}

func nonceParams(nonce string) map[string]string {
	return map[string]string{challenge.NonceParameter: nonce}
}

func TestVerifyWithHMACProof(t *testing.T) {
	tests := []struct {
		name         string
		answer       any
		private      map[string]string
		userNotFound bool
		want         bool
	}{
		{name: "right proof", answer: testProof, private: nonceParams(testNonce), want: true},
		{name: "wrong proof", answer: rawSign(testKey(), "bob@example.com", testPool, testClient, testNonce), private: nonceParams(testNonce)},
		{name: "public nonce echoed", answer: testNonce, private: nonceParams(testNonce)},
		{name: "empty answer", answer: "", private: nonceParams(testNonce)},
		{name: "null answer", answer: nil, private: nonceParams(testNonce)},
		{name: "number answer", answer: 42.0, private: nonceParams(testNonce)},
		{name: "bool answer", answer: true, private: nonceParams(testNonce)},
		{name: "proof inside an array", answer: []any{testProof}, private: nonceParams(testNonce)},
		{name: "proof inside an object", answer: map[string]any{"answer": testProof}, private: nonceParams(testNonce)},
		{name: "no private parameters", answer: testProof, private: nil},
		{name: "nonce under another key", answer: testProof, private: map[string]string{"secret": testNonce}},
		{name: "empty nonce, proof over empty nonce", answer: rawSign(testKey(), testUser, testPool, testClient, ""), private: nonceParams("")},
		{name: "missing user with the right proof", answer: testProof, private: nonceParams(testNonce), userNotFound: true},
	}
	h := newHandler(t, challenge.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := verifyEvent(tt.answer, tt.private, tt.userNotFound)
			ev.Response.AnswerCorrect = !tt.want // must be overwritten either way
			out, err := h.Verify(t.Context(), ev)
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.Response.AnswerCorrect)
			assert.Equal(t, !tt.want, ev.Response.AnswerCorrect, "Verify must not change its input")
		})
	}
}

func TestVerifyFillsVerifyInput(t *testing.T) {
	f := &fakeVerifier{answer: true}
	h := newHandler(t, challenge.Config{Verifier: f})
	ev := verifyEvent("the-answer", nonceParams(testNonce), false)
	ev.Request.UserAttributes = map[string]string{"email": testUser}
	ev.Request.ClientMetadata = map[string]string{"k": "v"}

	out, err := h.Verify(t.Context(), ev)
	require.NoError(t, err)
	assert.True(t, out.Response.AnswerCorrect)
	require.Len(t, f.calls, 1)
	assert.Equal(t, challenge.VerifyInput{
		Username:       testUser,
		UserPoolID:     testPool,
		ClientID:       testClient,
		Nonce:          testNonce,
		Answer:         "the-answer",
		UserAttributes: map[string]string{"email": testUser},
		ClientMetadata: map[string]string{"k": "v"},
	}, f.calls[0])
}

func TestVerifySkipsVerifier(t *testing.T) {
	tests := []struct {
		name         string
		answer       any
		userNotFound bool
	}{
		{name: "missing user", answer: "anything", userNotFound: true},
		{name: "non-string answer", answer: 1.0},
		{name: "null answer", answer: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeVerifier{answer: true}
			out, err := newHandler(t, challenge.Config{Verifier: f}).
				Verify(t.Context(), verifyEvent(tt.answer, nonceParams(testNonce), tt.userNotFound))
			require.NoError(t, err)
			assert.False(t, out.Response.AnswerCorrect)
			assert.Empty(t, f.calls)
		})
	}
}

var errOutage = errors.New("verifier outage")

func TestVerifyVerifierError(t *testing.T) {
	secrets := []string{testNonce, testProof, string(testKey())}
	leaky := fmt.Errorf("provider said no to %s with nonce %s and key %s: %w", testProof, testNonce, testKey(), errOutage)
	tests := []struct {
		name    string
		err     error
		wantIs  []error
		wantMsg string
	}{
		{name: "plain outage", err: leaky, wantIs: []error{challenge.ErrVerifier, errOutage}, wantMsg: "challenge: verifier failed"},
		{name: "deadline", err: fmt.Errorf("token %s: %w", testProof, context.DeadlineExceeded),
			wantIs: []error{challenge.ErrVerifier, context.DeadlineExceeded}, wantMsg: "challenge: verifier failed: context deadline exceeded"},
		{name: "canceled", err: fmt.Errorf("nonce %s: %w", testNonce, context.Canceled),
			wantIs: []error{challenge.ErrVerifier, context.Canceled}, wantMsg: "challenge: verifier failed: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, challenge.Config{Verifier: &fakeVerifier{answer: true, err: tt.err}})
			out, err := h.Verify(t.Context(), verifyEvent(testProof, nonceParams(testNonce), false))
			require.Error(t, err)
			assert.Nil(t, out)
			for _, target := range tt.wantIs {
				assert.ErrorIs(t, err, target)
			}
			assert.Equal(t, tt.wantMsg, err.Error())
			for _, s := range secrets {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}
}

func TestVerifyNilEvent(t *testing.T) {
	out, err := newHandler(t, challenge.Config{}).Verify(t.Context(), nil)
	require.ErrorIs(t, err, challenge.ErrMalformedEvent)
	assert.Nil(t, out)
}
