// Command passkeybridge wires an existing Cognito user pool to the
// library: setup adds what the library needs and keeps every other
// setting, check says whether a pool is wired, key makes a proof key.
//
//	passkeybridge setup --user-pool-id ID --client-id ID --lambda-arn ARN [--dry-run] [--attribute NAME] [--replace-triggers]
//	passkeybridge check --user-pool-id ID --client-id ID [--lambda-arn ARN] [--attribute NAME] [--json]
//	passkeybridge key
//
// Credentials, region and endpoints come from the AWS SDK's standard
// chain (environment, shared config and credentials files, SSO, container
// and instance roles); AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER
// and AWS_ENDPOINT_URL_LAMBDA point it elsewhere. Cognito is called in the
// region the pool ID names, Lambda in the region of the function's ARN.
//
// Exit status: 0 done (setup) or wired (check); 1 setup refused or failed,
// or check found problems; 2 a usage error, or check could not read the
// pool.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, awsClients)
	stop()
	os.Exit(code)
}
