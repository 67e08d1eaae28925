package cognitotest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// misbehaving wraps a real handler and spoils one trigger's answer, to
// drive the emulator's checks of what a Lambda returns.
type misbehaving struct {
	real  *challenge.Handler
	spoil func(source string, out any) (any, error)
}

func (m misbehaving) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	var hdr struct {
		TriggerSource string `json:"triggerSource"`
	}
	_ = json.Unmarshal(event, &hdr)
	out, err := m.real.Handle(ctx, event)
	if err != nil {
		return nil, err
	}
	return m.spoil(hdr.TriggerSource, out)
}

func TestTriggersOtherThanChallengeHandler(t *testing.T) {
	h, _ := newHandler(t, nil, 0)
	tests := []struct {
		name     string
		spoil    func(source string, out any) (any, error)
		wantType string
	}{
		{"create without private parameters", func(source string, out any) (any, error) {
			if ev, ok := out.(*events.CognitoEventUserPoolsCreateAuthChallenge); ok {
				ev.Response.PrivateChallengeParameters = nil
			}
			return out, nil
		}, "InvalidLambdaResponseException"},
		{"define with no decision", func(source string, out any) (any, error) {
			if ev, ok := out.(*events.CognitoEventUserPoolsDefineAuthChallenge); ok {
				ev.Response = events.CognitoEventUserPoolsDefineAuthChallengeResponse{}
			}
			return out, nil
		}, "InvalidLambdaResponseException"},
		{"trigger returns an error", func(source string, out any) (any, error) {
			if source == challenge.TriggerSourceDefine {
				return nil, errors.New("boom")
			}
			return out, nil
		}, "UserLambdaValidationException"},
		{"trigger returns null", func(string, any) (any, error) { return nil, nil }, "InvalidLambdaResponseException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, cognitotest.Config{Triggers: misbehaving{real: h, spoil: tt.spoil}})
			c := s.Client()
			_, err := c.AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
				UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), MessageAction: types.MessageActionTypeSuppress,
			})
			require.NoError(t, err)
			_, err = c.AdminInitiateAuth(context.Background(), &cip.AdminInitiateAuthInput{
				AuthFlow: types.AuthFlowTypeCustomAuth, UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
				AuthParameters: map[string]string{"USERNAME": alice},
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantType)
		})
	}
}

func TestNilHandlerMeansNoTriggers(t *testing.T) {
	var h *challenge.Handler
	s := newServer(t, cognitotest.Config{Triggers: h})
	c := s.Client()
	_, err := c.AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), MessageAction: types.MessageActionTypeSuppress,
	})
	require.NoError(t, err)
	_, err = c.AdminInitiateAuth(context.Background(), &cip.AdminInitiateAuthInput{
		AuthFlow: types.AuthFlowTypeCustomAuth, UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
		AuthParameters: map[string]string{"USERNAME": alice},
	})
	require.Error(t, err, "a typed nil handler must not panic or issue tokens")
}
