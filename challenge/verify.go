package challenge

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
)

// Verifier decides whether the answer to a challenge is right. It returns
// (false, nil) for a wrong answer and an error only when it could not decide
// (an outage); Verify then fails the invocation, and Cognito the attempt.
// Implementations must be safe for concurrent use. *HMACProof is the
// default; a provider-token verifier can check Answer as a token of its own.
type Verifier interface {
	VerifyAnswer(ctx context.Context, in VerifyInput) (bool, error)
}

// VerifyInput is what a Verifier gets from a VerifyAuthChallengeResponse
// event.
type VerifyInput struct {
	Username   string // the event header's userName
	UserPoolID string // the event header's userPoolId
	ClientID   string // callerContext.clientId
	Nonce      string // privateChallengeParameters[NonceParameter]; "" if absent
	Answer     string // challengeAnswer

	UserAttributes map[string]string
	ClientMetadata map[string]string // from (Admin)RespondToAuthChallenge; caller-controlled

	// UserNotFound is true when Cognito has no such user. Verify never asks
	// a Verifier in that case; the field is here for completeness.
	UserNotFound bool
}

// Verify answers the VerifyAuthChallengeResponse trigger through the
// Verifier. A user Cognito does not know, and an answer that is not a JSON
// string, are wrong without asking the Verifier. A Verifier error is
// returned as ErrVerifier, whose text never repeats the Verifier's message.
// It returns a copy of ev with the response set; ev itself is not changed.
func (h *Handler) Verify(ctx context.Context, ev *events.CognitoEventUserPoolsVerifyAuthChallenge) (*events.CognitoEventUserPoolsVerifyAuthChallenge, error) {
	if ev == nil {
		return nil, malformed(errNilEvent)
	}
	out := *ev
	out.Response.AnswerCorrect = false
	answer, isString := ev.Request.ChallengeAnswer.(string)
	if ev.Request.UserNotFound || !isString {
		return &out, nil
	}
	ok, err := h.verifier.VerifyAnswer(ctx, VerifyInput{
		Username:       ev.UserName,
		UserPoolID:     ev.UserPoolID,
		ClientID:       ev.CallerContext.ClientID,
		Nonce:          ev.Request.PrivateChallengeParameters[NonceParameter],
		Answer:         answer,
		UserAttributes: ev.Request.UserAttributes,
		ClientMetadata: ev.Request.ClientMetadata,
		UserNotFound:   ev.Request.UserNotFound,
	})
	if err != nil {
		return nil, &verifierError{cause: err}
	}
	out.Response.AnswerCorrect = ok
	return &out, nil
}
