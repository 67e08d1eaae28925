package wire

import (
	"context"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// CognitoAPI is the part of the Cognito Identity Provider API that Plan,
// Apply and Check call. *cognitoidentityprovider.Client satisfies it.
// UpdateUserPool, AddCustomAttributes and UpdateUserPoolClient are the only
// calls that change anything; Plan and Check never make them.
type CognitoAPI interface {
	DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, optFns ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
	UpdateUserPool(ctx context.Context, in *cip.UpdateUserPoolInput, optFns ...func(*cip.Options)) (*cip.UpdateUserPoolOutput, error)
	AddCustomAttributes(ctx context.Context, in *cip.AddCustomAttributesInput, optFns ...func(*cip.Options)) (*cip.AddCustomAttributesOutput, error)
	ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, optFns ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error)
	DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, optFns ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error)
	UpdateUserPoolClient(ctx context.Context, in *cip.UpdateUserPoolClientInput, optFns ...func(*cip.Options)) (*cip.UpdateUserPoolClientOutput, error)
}

// LambdaAPI is the part of the Lambda API that Plan, Apply and Check call.
// *lambda.Client satisfies it. AddPermission is the only call that changes
// anything.
type LambdaAPI interface {
	GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, optFns ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
	AddPermission(ctx context.Context, in *lambda.AddPermissionInput, optFns ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error)
}

var (
	_ CognitoAPI = (*cip.Client)(nil)
	_ LambdaAPI  = (*lambda.Client)(nil)
)
