package main

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cmd/passkeybridge/internal/wire"
)

// codes returns the codes of findings, in order.
func codes(fs []wire.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func checkJSON(t *testing.T, b *backend, args ...string) (int, wire.Report) {
	t.Helper()
	code, out, errOut := b.run(t, append([]string{"check", "--json"}, args...)...)
	require.Contains(t, []int{exitOK, exitProblems}, code, errOut)
	var r wire.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	return code, r
}

// wiredByHand creates, without UpdateUserPool, a pool and client the way
// the library wants them, with the given client changes.
func wiredByHand(t *testing.T, b *backend, caseSensitive bool, client func(*cip.CreateUserPoolClientInput)) wiredPool {
	t.Helper()
	ctx := t.Context()
	fn := b.newFunction(t)
	pool, err := b.cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("wired"),
		LambdaConfig: &types.LambdaConfigType{
			DefineAuthChallenge: aws.String(fn), CreateAuthChallenge: aws.String(fn), VerifyAuthChallengeResponse: aws.String(fn),
		},
		Schema:                []types.SchemaAttributeType{{Name: aws.String("createdByCorbado"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)}},
		UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(caseSensitive)},
	})
	require.NoError(t, err)
	id := aws.ToString(pool.UserPool.Id)
	in := &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(id), ClientName: aws.String("backend"), GenerateSecret: true,
		ExplicitAuthFlows:          wire.RequiredFlows,
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		WriteAttributes:            []string{"email", "name"},
	}
	client(in)
	c, err := b.cog.CreateUserPoolClient(ctx, in)
	require.NoError(t, err)
	_, err = b.lam.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String(fn), StatementId: aws.String("by-hand"), Action: aws.String("lambda:InvokeFunction"),
		Principal: aws.String("cognito-idp.amazonaws.com"), SourceArn: pool.UserPool.Arn,
	})
	require.NoError(t, err)
	return wiredPool{poolID: id, clientID: aws.ToString(c.UserPoolClient.ClientId), lambdaARN: fn}
}

func TestCheckMoto(t *testing.T) {
	b := startMoto(t)
	if b == nil {
		return
	}

	t.Run("a legacy pool lists every problem and changes nothing", func(t *testing.T) {
		p := seedLegacy(t, b)
		code, r := checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN)
		assert.Equal(t, exitProblems, code)
		assert.False(t, r.OK)
		assert.Equal(t, p.poolID, r.UserPoolID)
		assert.Equal(t, []string{
			wire.CodeMissingAttribute,
			wire.CodeMissingTrigger, wire.CodeMissingTrigger, wire.CodeMissingTrigger,
			wire.CodeMissingPermission,
			wire.CodeWritableAttribute, wire.CodeMissingFlow, wire.CodeMissingFlow, // the backend client
			wire.CodeWritableAttribute, // the web client
		}, codes(r.Problems))
		assert.Equal(t, []string{}, codes(r.Warnings))
		assert.Empty(t, b.calls.mutations())

		code, out, _ := b.run(t, "check", "--user-pool-id", p.poolID, "--client-id", p.clientID)
		assert.Equal(t, exitProblems, code)
		assert.Contains(t, out, "problem: app client "+p.clientID+" (backend) does not allow ALLOW_CUSTOM_AUTH (setup adds it) [missing-flow]")
		assert.Contains(t, out, "not wired: 8 problem(s)") // without --lambda-arn the empty slots name no function to check
	})

	t.Run("after setup", func(t *testing.T) {
		p := seedLegacy(t, b)
		code, _, errOut := b.run(t, "setup", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN)
		require.Equal(t, exitOK, code, errOut)
		code, r := checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN)
		// The one problem left is moto's: its UpdateUserPool drops
		// UsernameConfiguration (AWS keeps it: it is immutable), so the
		// pool reads as case-sensitive. Against the emulator, which does
		// what AWS documents, check passes after setup.
		assert.Equal(t, []string{wire.CodeCaseSensitive}, codes(r.Problems))
		assert.Equal(t, exitProblems, code)
	})

	t.Run("a LEGACY existence setting is only a warning", func(t *testing.T) {
		p := wiredByHand(t, b, false, func(in *cip.CreateUserPoolClientInput) {
			in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesLegacy
		})
		code, r := checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID)
		assert.Equal(t, exitOK, code)
		assert.True(t, r.OK)
		assert.Equal(t, []string{}, codes(r.Problems))
		assert.Equal(t, []string{wire.CodeUserExistenceErrors}, codes(r.Warnings))

		code, out, _ := b.run(t, "check", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN)
		assert.Equal(t, exitOK, code)
		assert.Contains(t, out, "warning: app client "+p.clientID+" (backend) has PreventUserExistenceErrors LEGACY")
		assert.Contains(t, out, "ok: pool "+p.poolID+" and app client "+p.clientID+" are wired for passkeybridge\n")
	})

	t.Run("case-sensitive usernames, no secret, a writer of the attribute", func(t *testing.T) {
		p := wiredByHand(t, b, true, func(in *cip.CreateUserPoolClientInput) {
			in.GenerateSecret = false
			in.WriteAttributes = []string{"email", "custom:createdByCorbado"}
		})
		code, r := checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN)
		assert.Equal(t, exitProblems, code)
		assert.Equal(t, []string{wire.CodeCaseSensitive, wire.CodeWritableAttribute, wire.CodeNoClientSecret}, codes(r.Problems))
	})

	t.Run("triggers of another function", func(t *testing.T) {
		p := wiredByHand(t, b, false, func(*cip.CreateUserPoolClientInput) {})
		other := b.newFunction(t)
		code, r := checkJSON(t, b, "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", other)
		assert.Equal(t, exitProblems, code)
		assert.Equal(t, []string{wire.CodeOtherTrigger, wire.CodeOtherTrigger, wire.CodeOtherTrigger, wire.CodeMissingPermission}, codes(r.Problems))
	})

	t.Run("usage and read errors", func(t *testing.T) {
		code, _, errOut := b.run(t, "check", "--user-pool-id", "eu-west-1_x")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, "--client-id is required")
		code, _, errOut = b.run(t, "check", "--user-pool-id", "us-east-1_doesnotexist", "--client-id", "c")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, "describe pool us-east-1_doesnotexist")
		code, _, errOut = b.run(t, "check", "--user-pool-id", "not-a-pool", "--client-id", "c")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, "is not a user pool ID")
	})
}
