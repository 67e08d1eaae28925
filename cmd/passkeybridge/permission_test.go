package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cmd/passkeybridge/internal/wire"
)

// flakyLambda wraps a LambdaAPI: AddPermission fails while failAdd is
// set, and GetPolicy answers "no policy" while hidePolicy is set (as it
// would to a run racing another one).
type flakyLambda struct {
	wire.LambdaAPI
	failAdd, hidePolicy atomic.Bool
}

func (l *flakyLambda) AddPermission(ctx context.Context, in *lambda.AddPermissionInput, optFns ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	if l.failAdd.Load() {
		return nil, &ltypes.ServiceException{Message: aws.String("injected")}
	}
	return l.LambdaAPI.AddPermission(ctx, in, optFns...)
}

func (l *flakyLambda) GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, optFns ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	if l.hidePolicy.Swap(false) {
		return nil, &ltypes.ResourceNotFoundException{Message: aws.String("injected")}
	}
	return l.LambdaAPI.GetPolicy(ctx, in, optFns...)
}

func TestSetupPermissionMoto(t *testing.T) {
	b := startMoto(t)
	if b == nil {
		return
	}

	t.Run("a failed run is finished by the next", func(t *testing.T) {
		p := seedLegacy(t, b)
		flaky := &flakyLambda{LambdaAPI: b.lam}
		flaky.failAdd.Store(true)
		clients := func(context.Context, string) (wire.CognitoAPI, wire.LambdaAPI, error) { return b.cog, flaky, nil }
		args := []string{"setup", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN}
		var out, errOut strings.Builder
		code := run(t.Context(), args, &out, &errOut, clients)
		assert.Equal(t, exitProblems, code)
		assert.Contains(t, errOut.String(), "let arn:aws:cognito-idp:us-east-1:123456789012:userpool/"+p.poolID+" invoke "+p.lambdaARN)
		// The triggers come after the permission: the pool never names a
		// function it may not call.
		pool, err := b.cog.DescribeUserPool(t.Context(), &cip.DescribeUserPoolInput{UserPoolId: aws.String(p.poolID)})
		require.NoError(t, err)
		assert.Nil(t, pool.UserPool.LambdaConfig.DefineAuthChallenge)

		flaky.failAdd.Store(false)
		code, stdout, stderr := b.run(t, args...)
		require.Equal(t, exitOK, code, stderr)
		assert.NotContains(t, stdout, "SchemaAttributes", "the first run's attribute was added again")
		assert.Contains(t, stdout, "LambdaConfig.DefineAuthChallenge")
		code, stdout, _ = b.run(t, args...)
		assert.Equal(t, exitOK, code)
		assert.Contains(t, stdout, "nothing to change")
	})

}

// The conflict cases run against fakeLambda, with Cognito on moto: moto
// 5.2.1 takes a second statement under a taken ID, where AWS answers
// ResourceConflictException.
func TestSetupPermissionConflictMoto(t *testing.T) {
	b := startMoto(t)
	if b == nil {
		return
	}
	fake := newFakeLambda(b.calls)
	setup := func(t *testing.T, p wiredPool, fn string, lam wire.LambdaAPI) (int, string, string) {
		var out, errOut strings.Builder
		code := run(t.Context(), []string{"setup", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", fn}, &out, &errOut,
			func(context.Context, string) (wire.CognitoAPI, wire.LambdaAPI, error) { return b.cog, lam, nil })
		return code, out.String(), errOut.String()
	}

	t.Run("a statement of the same ID added meanwhile is success", func(t *testing.T) {
		p := seedLegacy(t, b)
		fn := fake.create("racing")
		code, _, stderr := setup(t, p, fn, fake)
		require.Equal(t, exitOK, code, stderr)
		// Another run got there first: this one saw no policy, so it adds
		// the statement again and meets ResourceConflictException.
		flaky := &flakyLambda{LambdaAPI: fake}
		flaky.hidePolicy.Store(true)
		code, stdout, stderr := setup(t, p, fn, flaky)
		assert.Equal(t, exitOK, code, stderr)
		assert.Contains(t, stdout, "Policy.Statement passkeybridge-"+p.poolID)
		assert.Equal(t, []string{"AddPermission"}, b.calls.mutations()[len(b.calls.mutations())-1:])
	})

	t.Run("a statement of that ID saying something else is refused", func(t *testing.T) {
		p := seedLegacy(t, b)
		fn := fake.create("taken")
		_, err := fake.AddPermission(t.Context(), &lambda.AddPermissionInput{
			FunctionName: aws.String(fn), StatementId: aws.String("passkeybridge-" + p.poolID),
			Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("cognito-idp.amazonaws.com"),
			SourceArn: aws.String("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_SomeoneElse"),
		})
		require.NoError(t, err)
		b.calls.reset()
		code, _, stderr := setup(t, p, fn, fake)
		assert.Equal(t, exitProblems, code)
		assert.Contains(t, stderr, `already has a statement "passkeybridge-`+p.poolID+`" that does not let`)
		assert.Contains(t, stderr, "remove-permission")
		// The pool's triggers were not pointed at a function it may not call.
		assert.NotContains(t, b.calls.mutations(), "UpdateUserPool")
	})
}
