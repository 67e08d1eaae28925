// Command lambda is the one AWS Lambda function behind all three CUSTOM_AUTH
// triggers of a Cognito user pool (Define, Create and Verify auth challenge).
//
// Environment:
//
//	PASSKEYBRIDGE_PROOF_KEY     the proof key, standard base64 of at least 32 random
//	                            bytes; the backend signs answers with the same key
//	PASSKEYBRIDGE_PROOF_KEY_PREVIOUS  optional: the key being rotated out, still accepted
//	                            (never used to sign) while the backend moves to the new one
//	PASSKEYBRIDGE_MAX_ATTEMPTS  wrong answers allowed per sign-in (optional, default 3)
//
// Build for the provided.al2023 runtime on arm64:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/lambda
//
// template.yaml beside this file deploys it with a user pool; README.md
// explains how.
package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/passkeybridge/bridge/challenge"
)

const (
	envProofKey         = "PASSKEYBRIDGE_PROOF_KEY"
	envPreviousProofKey = "PASSKEYBRIDGE_PROOF_KEY_PREVIOUS"
	envMaxAttempts      = "PASSKEYBRIDGE_MAX_ATTEMPTS"
)

func main() {
	h, err := newHandler(os.Getenv)
	if err != nil {
		// Failing the init phase makes every invocation fail loudly, which is
		// what a misconfigured authentication function should do.
		fmt.Fprintln(os.Stderr, "passkeybridge lambda:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// newHandler builds the trigger handler from the environment. Its errors
// name the variable at fault, never its value.
func newHandler(getenv func(string) string) (*challenge.Handler, error) {
	key, err := decodeKey(getenv, envProofKey)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, fmt.Errorf("%s is not set", envProofKey)
	}
	var previous [][]byte
	prev, err := decodeKey(getenv, envPreviousProofKey)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		previous = append(previous, prev)
	}
	proof, err := challenge.NewHMACProof(key, previous...)
	if err != nil {
		return nil, err
	}
	clear(key)
	clear(prev)

	maxAttempts := 0
	if s := strings.TrimSpace(getenv(envMaxAttempts)); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, errors.New(envMaxAttempts + " must be a positive whole number")
		}
		maxAttempts = n
	}
	return challenge.New(challenge.Config{Verifier: proof, MaxAttempts: maxAttempts})
}

// decodeKey reads a proof key from the environment variable name: nil when
// unset, an error naming the variable (never its value) when malformed.
func decodeKey(getenv func(string) string, name string) ([]byte, error) {
	encoded := strings.TrimSpace(getenv(name))
	if encoded == "" {
		return nil, nil
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("%s is not standard base64", name)
	}
	if len(key) < challenge.MinKeySize {
		return nil, fmt.Errorf("%s must decode to at least %d bytes, got %d", name, challenge.MinKeySize, len(key))
	}
	return key, nil
}
