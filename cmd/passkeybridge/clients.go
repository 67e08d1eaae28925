package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/passkeybridge/bridge/cmd/passkeybridge/internal/wire"
)

// awsClients loads the SDK's default configuration (credentials chain,
// AWS_REGION, AWS_ENDPOINT_URL and the per-service endpoint variables)
// and returns a Cognito client for the pool's region and a Lambda client
// that calls each function in its own region.
func awsClients(ctx context.Context, poolID string) (wire.CognitoAPI, wire.LambdaAPI, error) {
	region, err := wire.PoolRegion(poolID)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	cog := cip.NewFromConfig(cfg, func(o *cip.Options) { o.Region = region })
	lam := regionalLambda{lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if o.Region == "" {
			o.Region = region
		}
	})}
	return cog, lam, nil
}

// regionalLambda calls each function in the region its ARN names, which
// need not be the configured one.
type regionalLambda struct{ c *lambda.Client }

func inRegion(functionName *string) func(*lambda.Options) {
	return func(o *lambda.Options) {
		if r, err := wire.FunctionRegion(aws.ToString(functionName)); err == nil {
			o.Region = r
		}
	}
}

func (l regionalLambda) GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, optFns ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	return l.c.GetPolicy(ctx, in, append(optFns, inRegion(in.FunctionName))...)
}

func (l regionalLambda) AddPermission(ctx context.Context, in *lambda.AddPermissionInput, optFns ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	return l.c.AddPermission(ctx, in, append(optFns, inRegion(in.FunctionName))...)
}
