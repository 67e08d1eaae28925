package challenge

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
)

// Define answers the DefineAuthChallenge trigger: which challenge comes next,
// whether to issue tokens, or whether to fail the sign-in. It returns a copy
// of ev with the response set; ev itself is not changed.
//
// The rules, in order:
//   - any session entry that is not CUSTOM_CHALLENGE fails (no SRP or password
//     step may lead into this flow), and so does a successful entry that is
//     not the last (this Handler would have issued tokens there);
//   - a last entry that is a successful CUSTOM_CHALLENGE issues tokens, unless
//     userNotFound is set, which fails;
//   - MaxAttempts or more failed entries fail;
//   - otherwise CUSTOM_CHALLENGE is presented (again).
//
// A user Cognito does not know (userNotFound, with PreventUserExistenceErrors
// ENABLED) is treated as a real user whose answers are always wrong: the
// same challenge and the same number of attempts, so callers cannot tell
// missing users from existing ones.
func (h *Handler) Define(_ context.Context, ev *events.CognitoEventUserPoolsDefineAuthChallenge) (*events.CognitoEventUserPoolsDefineAuthChallenge, error) {
	if ev == nil {
		return nil, malformed(errNilEvent)
	}
	out := *ev
	out.Response = h.define(&ev.Request)
	return &out, nil
}

var (
	presentChallenge = events.CognitoEventUserPoolsDefineAuthChallengeResponse{ChallengeName: CustomChallenge}
	issueTokens      = events.CognitoEventUserPoolsDefineAuthChallengeResponse{IssueTokens: true}
	failAuth         = events.CognitoEventUserPoolsDefineAuthChallengeResponse{FailAuthentication: true}
)

func (h *Handler) define(req *events.CognitoEventUserPoolsDefineAuthChallengeRequest) events.CognitoEventUserPoolsDefineAuthChallengeResponse {
	failed := 0
	last := len(req.Session) - 1
	for i, entry := range req.Session {
		if entry == nil || entry.ChallengeName != CustomChallenge {
			return failAuth
		}
		switch {
		case !entry.ChallengeResult:
			failed++
		case i != last:
			return failAuth
		case req.UserNotFound:
			return failAuth
		default:
			return issueTokens
		}
	}
	if failed >= h.maxAttempts {
		return failAuth
	}
	return presentChallenge
}
