// Package wire is the logic of the passkeybridge command: it reads an
// existing Cognito user pool, its app clients and the trigger function's
// resource policy, and plans, makes or checks what the library needs.
//
//	plan, err := wire.NewPlan(ctx, cognitoClient, lambdaClient, wire.Options{
//		UserPoolID: "eu-west-1_AbC123", ClientID: "1example23456789",
//		LambdaARN: "arn:aws:lambda:eu-west-1:123456789012:function:passkeybridge-triggers",
//	})
//	// handle err (ErrTriggerConflict: the pool's triggers name another function)
//	plan.WriteDiff(os.Stdout) // every setting that changes, before → after
//	err = plan.Apply(ctx, cognitoClient, lambdaClient)
//
//	report, err := wire.Check(ctx, cognitoClient, lambdaClient, wire.CheckOptions{...})
//	report.WriteText(os.Stdout) // or json.Marshal(report)
//
// UpdateUserPool and UpdateUserPoolClient reset every setting they are not
// given, so a plan starts from what DescribeUserPool and
// DescribeUserPoolClient return, carries every updatable field (carry.go;
// a test fails when the SDK grows a field that is not handled) and
// changes only what the library needs. The diff is computed from the very
// update inputs Apply sends. NewPlan and Check make no call that changes
// anything.
package wire
