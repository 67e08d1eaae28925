// Command wiring is the backend side of the library in one program: it
// signs in the user a passkey provider verified and prints the Cognito
// session as JSON. Your backend does the same inside its handler.
//
//	PASSKEYBRIDGE_USER_POOL_ID=eu-west-1_AbC123 PASSKEYBRIDGE_CLIENT_ID=… \
//	PASSKEYBRIDGE_CLIENT_SECRET=… PASSKEYBRIDGE_PROOF_KEY=… \
//	go run ./examples/wiring alice@example.com
//
// AWS credentials and region come from the SDK's default chain. The IAM
// identity needs cognito-idp:AdminGetUser, AdminCreateUser,
// AdminSetUserPassword, AdminInitiateAuth and AdminRespondToAuthChallenge
// on the pool.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/jwks"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wiring <verified email>")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Getenv, os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wiring:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, verifiedEmail string, out io.Writer) error {
	poolID := getenv("PASSKEYBRIDGE_USER_POOL_ID")
	clientID := getenv("PASSKEYBRIDGE_CLIENT_ID")
	clientSecret := getenv("PASSKEYBRIDGE_CLIENT_SECRET") // "" for a client without a secret

	// The proof key the Lambda triggers hold (passkeybridge key makes one).
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(getenv("PASSKEYBRIDGE_PROOF_KEY")))
	if err != nil {
		return errors.New("PASSKEYBRIDGE_PROOF_KEY is not standard base64")
	}
	proof, err := challenge.NewHMACProof(key)
	if err != nil {
		return err
	}

	// Every ID token the store hands out is checked against the pool's keys.
	idCfg, err := jwks.CognitoConfig(poolID, "id", clientID)
	if err != nil {
		return err // a mistyped pool ID, found before any call
	}
	if u := getenv("PASSKEYBRIDGE_JWKS_URL"); u != "" {
		idCfg.JWKSURL = u // an emulator's; AWS's by default
	}
	idTokens, err := jwks.New(idCfg)
	if err != nil {
		return err
	}

	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	store, err := cognitobridge.New(cognitobridge.Config{
		Client:       cognitoidentityprovider.NewFromConfig(awsCfg),
		UserPoolID:   poolID,
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Proof:        proof,
		IDTokens:     idTokens,
	})
	if err != nil {
		return err
	}

	// After the passkey check: sign the user in, creating the Cognito user
	// on the first login. EmailVerified only because the provider proved
	// the address (Corbado does); otherwise leave it false.
	session, err := store.Login(ctx, verifiedEmail, cognitobridge.CreateOptions{EmailVerified: true})
	switch {
	case errors.Is(err, cognitobridge.ErrUserDisabled):
		return fmt.Errorf("the account is disabled: %w", err) // 403 in an HTTP handler
	case errors.Is(err, cognitobridge.ErrUnavailable):
		return fmt.Errorf("cognito is unavailable, try again: %w", err) // 503
	case err != nil:
		return err // 500; ErrMisconfigured needs an operator
	}
	return json.NewEncoder(out).Encode(session) // the seed's session JSON
}
