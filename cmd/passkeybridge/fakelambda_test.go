package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// fakeLambda is the Lambda API's resource policies as AWS keeps them, for
// the emulator (which has no Lambda) and for what moto gets wrong: moto
// 5.2.1 appends a second statement under an ID already taken, where AWS
// answers ResourceConflictException.
type fakeLambda struct {
	mu         sync.Mutex
	statements map[string][]fakeStatement // by function ARN
	calls      *calls
}

type fakeStatement struct{ sid, principal, action, sourceARN string }

func newFakeLambda(c *calls) *fakeLambda {
	return &fakeLambda{statements: map[string][]fakeStatement{}, calls: c}
}

// create makes a function without a resource policy and returns its ARN.
func (l *fakeLambda) create(name string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	arn := "arn:aws:lambda:us-east-1:123456789012:function:" + name
	l.statements[arn] = nil
	return arn
}

func (l *fakeLambda) record(op string) {
	l.calls.mu.Lock()
	defer l.calls.mu.Unlock()
	l.calls.names = append(l.calls.names, op)
}

func (l *fakeLambda) GetPolicy(_ context.Context, in *lambda.GetPolicyInput, _ ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	l.record("GetPolicy")
	l.mu.Lock()
	defer l.mu.Unlock()
	arn := aws.ToString(in.FunctionName)
	sts, ok := l.statements[arn]
	if !ok || len(sts) == 0 {
		return nil, &ltypes.ResourceNotFoundException{Message: aws.String("The resource you requested does not exist.")}
	}
	type statement struct {
		Sid       string
		Effect    string
		Principal map[string]string
		Action    string
		Resource  string
		Condition map[string]map[string]string `json:",omitempty"`
	}
	doc := struct {
		Version, Id string
		Statement   []statement
	}{Version: "2012-10-17", Id: "default"}
	for _, s := range sts {
		st := statement{Sid: s.sid, Effect: "Allow", Principal: map[string]string{"Service": s.principal}, Action: s.action, Resource: arn}
		if s.sourceARN != "" {
			st.Condition = map[string]map[string]string{"ArnLike": {"AWS:SourceArn": s.sourceARN}}
		}
		doc.Statement = append(doc.Statement, st)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return &lambda.GetPolicyOutput{Policy: aws.String(string(b))}, nil
}

func (l *fakeLambda) AddPermission(_ context.Context, in *lambda.AddPermissionInput, _ ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	l.record("AddPermission")
	l.mu.Lock()
	defer l.mu.Unlock()
	arn := aws.ToString(in.FunctionName)
	sts, ok := l.statements[arn]
	if !ok {
		return nil, &ltypes.ResourceNotFoundException{Message: aws.String("Function not found: " + arn)}
	}
	for _, s := range sts {
		if s.sid == aws.ToString(in.StatementId) {
			return nil, &ltypes.ResourceConflictException{Message: aws.String(fmt.Sprintf(
				"The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", s.sid))}
		}
	}
	l.statements[arn] = append(sts, fakeStatement{
		sid: aws.ToString(in.StatementId), principal: aws.ToString(in.Principal),
		action: aws.ToString(in.Action), sourceARN: aws.ToString(in.SourceArn),
	})
	return &lambda.AddPermissionOutput{}, nil
}
