package challenge

import "github.com/aws/aws-lambda-go/events"

// anyEvent holds the fields of the three trigger events at once, under
// their JSON names: the header is common, the requests share
// userAttributes, session, clientMetadata and userNotFound and add one or
// two fields each, and the three responses have distinct field names. So
// one decode into it reads any of the events as its own type would,
// except that a field of another trigger's event, which Cognito never
// sends, is type-checked too (TestAnyEventDecodesAsTheTypedEvent).
//
// Its fields are spelled out rather than embedded from aws-lambda-go's
// types so that a decode error names the field by its JSON path
// ("triggerSource", "response.issueTokens"), not a Go type name.
type anyEvent struct {
	Version       string                                    `json:"version"`
	TriggerSource string                                    `json:"triggerSource"`
	Region        string                                    `json:"region"`
	UserPoolID    string                                    `json:"userPoolId"`
	CallerContext events.CognitoEventUserPoolsCallerContext `json:"callerContext"`
	UserName      string                                    `json:"userName"`
	Request       struct {
		UserAttributes             map[string]string                              `json:"userAttributes"`
		Session                    []*events.CognitoEventUserPoolsChallengeResult `json:"session"`
		ClientMetadata             map[string]string                              `json:"clientMetadata"`
		UserNotFound               bool                                           `json:"userNotFound"`
		ChallengeName              string                                         `json:"challengeName"`              // create
		PrivateChallengeParameters map[string]string                              `json:"privateChallengeParameters"` // verify
		ChallengeAnswer            any                                            `json:"challengeAnswer"`            // verify
	} `json:"request"`
	Response struct {
		ChallengeName              string            `json:"challengeName"`              // define
		IssueTokens                bool              `json:"issueTokens"`                // define
		FailAuthentication         bool              `json:"failAuthentication"`         // define
		PublicChallengeParameters  map[string]string `json:"publicChallengeParameters"`  // create
		PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"` // create
		ChallengeMetadata          string            `json:"challengeMetadata"`          // create
		AnswerCorrect              bool              `json:"answerCorrect"`              // verify
	} `json:"response"`
}

func (ev *anyEvent) header() events.CognitoEventUserPoolsHeader {
	return events.CognitoEventUserPoolsHeader{
		Version: ev.Version, TriggerSource: ev.TriggerSource, Region: ev.Region,
		UserPoolID: ev.UserPoolID, CallerContext: ev.CallerContext, UserName: ev.UserName,
	}
}

func (ev *anyEvent) define() *events.CognitoEventUserPoolsDefineAuthChallenge {
	r := &ev.Request
	return &events.CognitoEventUserPoolsDefineAuthChallenge{
		CognitoEventUserPoolsHeader: ev.header(),
		Request: events.CognitoEventUserPoolsDefineAuthChallengeRequest{
			UserAttributes: r.UserAttributes, Session: r.Session,
			ClientMetadata: r.ClientMetadata, UserNotFound: r.UserNotFound,
		},
		Response: events.CognitoEventUserPoolsDefineAuthChallengeResponse{
			ChallengeName: ev.Response.ChallengeName, IssueTokens: ev.Response.IssueTokens,
			FailAuthentication: ev.Response.FailAuthentication,
		},
	}
}

func (ev *anyEvent) create() *events.CognitoEventUserPoolsCreateAuthChallenge {
	r := &ev.Request
	return &events.CognitoEventUserPoolsCreateAuthChallenge{
		CognitoEventUserPoolsHeader: ev.header(),
		Request: events.CognitoEventUserPoolsCreateAuthChallengeRequest{
			UserAttributes: r.UserAttributes, ChallengeName: r.ChallengeName, Session: r.Session,
			ClientMetadata: r.ClientMetadata, UserNotFound: r.UserNotFound,
		},
		Response: events.CognitoEventUserPoolsCreateAuthChallengeResponse{
			PublicChallengeParameters:  ev.Response.PublicChallengeParameters,
			PrivateChallengeParameters: ev.Response.PrivateChallengeParameters,
			ChallengeMetadata:          ev.Response.ChallengeMetadata,
		},
	}
}

func (ev *anyEvent) verify() *events.CognitoEventUserPoolsVerifyAuthChallenge {
	r := &ev.Request
	return &events.CognitoEventUserPoolsVerifyAuthChallenge{
		CognitoEventUserPoolsHeader: ev.header(),
		Request: events.CognitoEventUserPoolsVerifyAuthChallengeRequest{
			UserAttributes: r.UserAttributes, PrivateChallengeParameters: r.PrivateChallengeParameters,
			ChallengeAnswer: r.ChallengeAnswer, ClientMetadata: r.ClientMetadata, UserNotFound: r.UserNotFound,
		},
		Response: events.CognitoEventUserPoolsVerifyAuthChallengeResponse{AnswerCorrect: ev.Response.AnswerCorrect},
	}
}
