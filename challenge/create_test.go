package challenge_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
)

func createEvent(challengeName string, userNotFound bool) *events.CognitoEventUserPoolsCreateAuthChallenge {
	ev := &events.CognitoEventUserPoolsCreateAuthChallenge{CognitoEventUserPoolsHeader: testHeader(challenge.TriggerSourceCreate)}
	ev.Request.ChallengeName = challengeName
	ev.Request.UserNotFound = userNotFound
	return ev
}

// requireNonceChallenge checks the shape every Create response must have and
// returns the nonce.
func requireNonceChallenge(t *testing.T, r events.CognitoEventUserPoolsCreateAuthChallengeResponse) string {
	t.Helper()
	require.Len(t, r.PublicChallengeParameters, 1)
	require.Len(t, r.PrivateChallengeParameters, 1, "Cognito fails the flow on empty private parameters")
	nonce := r.PublicChallengeParameters[challenge.NonceParameter]
	require.Len(t, nonce, 43)
	raw, err := base64.RawURLEncoding.Strict().DecodeString(nonce)
	require.NoError(t, err)
	require.Len(t, raw, 32)
	assert.Equal(t, nonce, r.PrivateChallengeParameters[challenge.NonceParameter])
	assert.Equal(t, challenge.ChallengeMetadata, r.ChallengeMetadata)
	assert.NotContains(t, r.ChallengeMetadata, nonce)
	return nonce
}

func TestCreate(t *testing.T) {
	tests := []struct {
		name          string
		challengeName string
		userNotFound  bool
		session       []*events.CognitoEventUserPoolsChallengeResult
		wantErr       error
	}{
		{name: "first round", challengeName: challenge.CustomChallenge},
		{name: "after a wrong answer", challengeName: challenge.CustomChallenge, session: custom(false)},
		{name: "missing user", challengeName: challenge.CustomChallenge, userNotFound: true},
		{name: "empty challenge name", challengeName: "", wantErr: challenge.ErrUnexpectedChallenge},
		{name: "SMS MFA", challengeName: "SMS_MFA", wantErr: challenge.ErrUnexpectedChallenge},
		{name: "password verifier", challengeName: "PASSWORD_VERIFIER", wantErr: challenge.ErrUnexpectedChallenge},
		{name: "lower case", challengeName: "custom_challenge", wantErr: challenge.ErrUnexpectedChallenge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, challenge.Config{})
			ev := createEvent(tt.challengeName, tt.userNotFound)
			ev.Request.Session = tt.session
			out, err := h.Create(t.Context(), ev)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, out)
				return
			}
			require.NoError(t, err)
			requireNonceChallenge(t, out.Response)
		})
	}
}

func TestCreateNoncesAreFresh(t *testing.T) {
	h := newHandler(t, challenge.Config{})
	seen := make(map[string]bool)
	for range 1000 {
		out, err := h.Create(t.Context(), createEvent(challenge.CustomChallenge, false))
		require.NoError(t, err)
		nonce := requireNonceChallenge(t, out.Response)
		require.False(t, seen[nonce], "nonce repeated")
		seen[nonce] = true
	}
}

// A missing user's challenge has the same keys, lengths and metadata as a
// real user's, so its public parameters tell a caller nothing.
func TestCreateMissingUserIndistinguishable(t *testing.T) {
	h := newHandler(t, challenge.Config{})
	existing, err := h.Create(t.Context(), createEvent(challenge.CustomChallenge, false))
	require.NoError(t, err)
	missing, err := h.Create(t.Context(), createEvent(challenge.CustomChallenge, true))
	require.NoError(t, err)

	shape := func(r events.CognitoEventUserPoolsCreateAuthChallengeResponse) map[string]int {
		s := map[string]int{"metadata:" + r.ChallengeMetadata: 0}
		for k, v := range r.PublicChallengeParameters {
			s["public:"+k] = len(v)
		}
		for k, v := range r.PrivateChallengeParameters {
			s["private:"+k] = len(v)
		}
		return s
	}
	requireNonceChallenge(t, missing.Response)
	assert.Equal(t, shape(existing.Response), shape(missing.Response))
	assert.NotEqual(t, existing.Response.PublicChallengeParameters, missing.Response.PublicChallengeParameters)
}

func TestCreateOverwritesResponseAndKeepsInput(t *testing.T) {
	h := newHandler(t, challenge.Config{})
	ev := createEvent(challenge.CustomChallenge, false)
	ev.Response.PublicChallengeParameters = map[string]string{"answer": "leaked"}
	ev.Response.PrivateChallengeParameters = map[string]string{"c": "d"}
	ev.Response.ChallengeMetadata = "old"
	before := *ev

	out, err := h.Create(t.Context(), ev)
	require.NoError(t, err)
	requireNonceChallenge(t, out.Response)
	assert.NotContains(t, out.Response.PublicChallengeParameters, "answer")
	assert.Equal(t, before, *ev, "Create must not change its input")
	assert.Equal(t, map[string]string{"answer": "leaked"}, ev.Response.PublicChallengeParameters)
}

func TestCreateErrorEchoIsBounded(t *testing.T) {
	long := "SECRET_" + strings.Repeat("x", 200)
	_, err := newHandler(t, challenge.Config{}).Create(t.Context(), createEvent(long, false))
	require.ErrorIs(t, err, challenge.ErrUnexpectedChallenge)
	assert.Less(t, len(err.Error()), 100)
	assert.NotContains(t, err.Error(), long)
	assert.True(t, strings.HasPrefix(err.Error(), "challenge: unexpected challenge name \"SECRET_"), err.Error())
}

func TestCreateNilEvent(t *testing.T) {
	out, err := newHandler(t, challenge.Config{}).Create(t.Context(), nil)
	require.ErrorIs(t, err, challenge.ErrMalformedEvent)
	assert.Nil(t, out)
}
