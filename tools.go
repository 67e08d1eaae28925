//go:build tools

// Package bridge pins the modules the packages below are being built on.
// It is removed once every module is imported by real code.
package bridge

import (
	_ "github.com/aws/aws-lambda-go/events"
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	_ "github.com/aws/smithy-go"
	_ "github.com/lestrrat-go/jwx/v3/jwk"
	_ "github.com/stretchr/testify/require"
	_ "golang.org/x/sync/singleflight"
)
