package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// cognitoPrincipal is the service principal Cognito invokes triggers as.
const cognitoPrincipal = "cognito-idp.amazonaws.com"

// invokeAction is the permission a trigger needs.
const invokeAction = "lambda:InvokeFunction"

// statementID names the statement setup adds for a pool: one per pool, so
// one function can serve several pools and a second run finds its own.
func statementID(poolID string) string { return "passkeybridge-" + poolID }

// grant is what the function's resource policy says about Cognito.
type grant struct {
	// scoped: a statement lets cognito-idp.amazonaws.com invoke the
	// function on behalf of exactly this pool (AWS:SourceArn).
	scoped bool
	// unscoped: a statement lets Cognito invoke it with no AWS:SourceArn
	// condition, so any pool, in any account, may.
	unscoped bool
}

// readGrant reads the function's resource policy. A function without one
// grants nothing.
func readGrant(ctx context.Context, lam LambdaAPI, functionARN, poolARN string) (grant, error) {
	out, err := lam.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(functionARN)})
	var notFound *ltypes.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return grant{}, nil
	}
	if err != nil {
		return grant{}, fmt.Errorf("wire: read the resource policy of %s: %w", functionARN, err)
	}
	return parseGrant(aws.ToString(out.Policy), poolARN)
}

// policyDocument is the part of an IAM resource policy readGrant looks at.
type policyDocument struct {
	Statement []struct {
		Sid       string
		Effect    string
		Principal json.RawMessage
		Action    stringList
		Condition map[string]map[string]stringList
	}
}

// stringList is an IAM policy value that is a string or a list of them.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

func parseGrant(policy, poolARN string) (grant, error) {
	var doc policyDocument
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return grant{}, fmt.Errorf("wire: the function's resource policy is not valid JSON: %w", err)
	}
	var g grant
	for _, st := range doc.Statement {
		if st.Effect != "Allow" || !principalIsCognito(st.Principal) || !allowsInvoke(st.Action) {
			continue
		}
		arns, conditioned := sourceARNs(st.Condition)
		switch {
		case !conditioned:
			g.unscoped = true
		case contains(arns, poolARN):
			g.scoped = true
		}
	}
	return g, nil
}

func principalIsCognito(raw json.RawMessage) bool {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		// "*" also lets Cognito in, but setup does not rely on a policy
		// open to everyone; such a statement is the operator's to remove.
		return false
	}
	var p struct{ Service stringList }
	if json.Unmarshal(raw, &p) != nil {
		return false
	}
	return contains(p.Service, cognitoPrincipal)
}

func allowsInvoke(actions stringList) bool {
	for _, a := range actions {
		if strings.EqualFold(a, invokeAction) || a == "lambda:*" || a == "*" {
			return true
		}
	}
	return false
}

// sourceARNs returns the ARNs an AWS:SourceArn condition allows, and
// whether there is such a condition at all.
func sourceARNs(cond map[string]map[string]stringList) ([]string, bool) {
	var arns []string
	found := false
	for op, kv := range cond {
		switch op {
		case "ArnLike", "ArnEquals", "StringEquals", "StringLike":
		default:
			continue
		}
		for k, v := range kv {
			if strings.EqualFold(k, "AWS:SourceArn") {
				found = true
				arns = append(arns, v...)
			}
		}
	}
	return arns, found
}

// permissionInput is the AddPermission call that lets the pool, and only
// it, invoke the function.
func permissionInput(functionARN, poolID, poolARN string) *lambda.AddPermissionInput {
	return &lambda.AddPermissionInput{
		FunctionName: aws.String(functionARN),
		StatementId:  aws.String(statementID(poolID)),
		Action:       aws.String(invokeAction),
		Principal:    aws.String(cognitoPrincipal),
		SourceArn:    aws.String(poolARN),
	}
}

// addPermission makes the AddPermission call. A statement of the same ID
// that already lets this pool in (another run got there first) is
// success; one that says something else is an error naming it.
func addPermission(ctx context.Context, lam LambdaAPI, in *lambda.AddPermissionInput) error {
	_, err := lam.AddPermission(ctx, in)
	var conflict *ltypes.ResourceConflictException
	if errors.As(err, &conflict) {
		g, rerr := readGrant(ctx, lam, aws.ToString(in.FunctionName), aws.ToString(in.SourceArn))
		if rerr == nil && g.scoped {
			return nil
		}
		return fmt.Errorf("wire: the resource policy of %s already has a statement %q that does not let %s invoke it; remove it (aws lambda remove-permission) and run setup again: %w",
			aws.ToString(in.FunctionName), aws.ToString(in.StatementId), aws.ToString(in.SourceArn), err)
	}
	if err != nil {
		return fmt.Errorf("wire: let %s invoke %s: %w", aws.ToString(in.SourceArn), aws.ToString(in.FunctionName), err)
	}
	return nil
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
