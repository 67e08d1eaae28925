package cognitotest

import (
	"context"
	"encoding/json"
	"maps"

	"github.com/aws/aws-lambda-go/events"
)

// Trigger sources and the header version Cognito sends.
const (
	sourceDefine    = "DefineAuthChallenge_Authentication"
	sourceCreate    = "CreateAuthChallenge_Authentication"
	sourceVerify    = "VerifyAuthChallengeResponse_Authentication"
	eventVersion    = "1"
	sdkVersion      = "aws-sdk-unknown-unknown" // what Cognito reports for callers it cannot name
	challengeCustom = "CUSTOM_CHALLENGE"
)

// subject is who a CUSTOM_AUTH flow is for, as the triggers see them.
type subject struct {
	username string            // the pool's username, or the name asked for when notFound
	sub      string            // "" when notFound
	attrs    map[string]string // the event's userAttributes
	notFound bool              // PreventUserExistenceErrors hides a missing user
}

// subjectOf describes u for the triggers: every attribute, sub, and
// cognito:user_status, all as strings.
func subjectOf(u *user) subject {
	attrs := maps.Clone(u.attrs)
	attrs["sub"] = u.sub
	attrs["cognito:user_status"] = string(u.status)
	return subject{username: u.username, sub: u.sub, attrs: attrs}
}

func (s *Server) header(source, username string) events.CognitoEventUserPoolsHeader {
	return events.CognitoEventUserPoolsHeader{
		Version:       eventVersion,
		TriggerSource: source,
		Region:        s.region,
		UserPoolID:    s.poolID,
		CallerContext: events.CognitoEventUserPoolsCallerContext{AWSSDKVersion: sdkVersion, ClientID: s.clientID},
		UserName:      username,
	}
}

// history copies the session history for an event; an empty history goes
// out as [] as in Cognito, not null.
func history(h []events.CognitoEventUserPoolsChallengeResult) []*events.CognitoEventUserPoolsChallengeResult {
	out := make([]*events.CognitoEventUserPoolsChallengeResult, len(h))
	for i := range h {
		entry := h[i]
		out[i] = &entry
	}
	return out
}

func (s *Server) define(ctx context.Context, subj subject, h []events.CognitoEventUserPoolsChallengeResult, meta map[string]string) (events.CognitoEventUserPoolsDefineAuthChallengeResponse, *apiError) {
	out, err := invoke(ctx, s, triggerDefine, &events.CognitoEventUserPoolsDefineAuthChallenge{
		CognitoEventUserPoolsHeader: s.header(sourceDefine, subj.username),
		Request: events.CognitoEventUserPoolsDefineAuthChallengeRequest{
			UserAttributes: subj.attrs,
			Session:        history(h),
			ClientMetadata: meta,
			UserNotFound:   subj.notFound,
		},
	})
	if err != nil {
		return events.CognitoEventUserPoolsDefineAuthChallengeResponse{}, err
	}
	return out.Response, nil
}

func (s *Server) create(ctx context.Context, subj subject, h []events.CognitoEventUserPoolsChallengeResult, meta map[string]string) (events.CognitoEventUserPoolsCreateAuthChallengeResponse, *apiError) {
	out, err := invoke(ctx, s, triggerCreate, &events.CognitoEventUserPoolsCreateAuthChallenge{
		CognitoEventUserPoolsHeader: s.header(sourceCreate, subj.username),
		Request: events.CognitoEventUserPoolsCreateAuthChallengeRequest{
			UserAttributes: subj.attrs,
			ChallengeName:  challengeCustom,
			Session:        history(h),
			ClientMetadata: meta,
			UserNotFound:   subj.notFound,
		},
	})
	if err != nil {
		return events.CognitoEventUserPoolsCreateAuthChallengeResponse{}, err
	}
	return out.Response, nil
}

func (s *Server) verify(ctx context.Context, subj subject, private map[string]string, answer string, meta map[string]string) (bool, *apiError) {
	out, err := invoke(ctx, s, triggerVerify, &events.CognitoEventUserPoolsVerifyAuthChallenge{
		CognitoEventUserPoolsHeader: s.header(sourceVerify, subj.username),
		Request: events.CognitoEventUserPoolsVerifyAuthChallengeRequest{
			UserAttributes:             subj.attrs,
			PrivateChallengeParameters: private,
			ChallengeAnswer:            answer,
			ClientMetadata:             meta,
			UserNotFound:               subj.notFound,
		},
	})
	if err != nil {
		return false, err
	}
	return out.Response.AnswerCorrect, nil
}

// invoke calls a trigger the way Lambda does: the event goes in as JSON,
// the handler's return value comes back through JSON into the event type,
// so the exact path of a deployed function is exercised. It must not be
// called with s.mu held.
func invoke[E any](ctx context.Context, s *Server, trigger string, event *E) (*E, *apiError) {
	in, err := json.Marshal(event)
	if err != nil {
		return nil, internalError()
	}
	if observe := s.observe.Load(); observe != nil {
		(*observe)(trigger, in)
	}
	out, crashed, err := call(ctx, s.triggers, in)
	switch {
	case crashed:
		return nil, triggerCrashed(trigger)
	case err != nil:
		return nil, triggerFailed(trigger, err)
	}
	raw, err := json.Marshal(out)
	if err != nil || string(raw) == "null" {
		return nil, invalidLambdaResponse(msgInvalidLambdaJSON)
	}
	result := new(E)
	if err := json.Unmarshal(raw, result); err != nil {
		return nil, invalidLambdaResponse(msgInvalidLambdaJSON)
	}
	return result, nil
}

// call runs the handler, turning a panic into crashed, as the Lambda
// runtime turns one into a failed invocation.
func call(ctx context.Context, h Lambda, event []byte) (out any, crashed bool, err error) {
	defer func() {
		if recover() != nil {
			out, crashed, err = nil, true, nil
		}
	}()
	out, err = h.Handle(ctx, event)
	return out, false, err
}
