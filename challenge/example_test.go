package challenge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passkeybridge/bridge/challenge"
)

// exampleKey stands in for the 32 random bytes the backend and the Lambda
// share (from AWS Secrets Manager in production).
var exampleKey = []byte("0123456789abcdef0123456789abcdef")

// A whole CUSTOM_AUTH sign-in, with this program playing Cognito and the
// backend around the three triggers.
func Example() {
	ctx := context.Background()
	proof, err := challenge.NewHMACProof(exampleKey)
	if err != nil {
		log.Fatal(err)
	}
	h, err := challenge.New(challenge.Config{Verifier: proof})
	if err != nil {
		log.Fatal(err)
	}
	header := events.CognitoEventUserPoolsHeader{
		UserName:      "alice@example.com",
		UserPoolID:    "eu-central-1_aBcDeF123",
		CallerContext: events.CognitoEventUserPoolsCallerContext{ClientID: "4tq9ab8iqb7k9kq7ul2e5kkmq3"},
	}

	// AdminInitiateAuth(CUSTOM_AUTH): Cognito asks Define, then Create.
	defined, _ := h.Define(ctx, &events.CognitoEventUserPoolsDefineAuthChallenge{CognitoEventUserPoolsHeader: header})
	fmt.Println("define:", defined.Response.ChallengeName)
	created, err := h.Create(ctx, &events.CognitoEventUserPoolsCreateAuthChallenge{
		CognitoEventUserPoolsHeader: header,
		Request:                     events.CognitoEventUserPoolsCreateAuthChallengeRequest{ChallengeName: defined.Response.ChallengeName},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The backend gets the public parameters as ChallengeParameters and
	// answers with the proof; the nonce alone is no answer.
	nonce := created.Response.PublicChallengeParameters[challenge.NonceParameter]
	answer := proof.Sign(header.UserName, header.UserPoolID, header.CallerContext.ClientID, nonce)

	// AdminRespondToAuthChallenge: Cognito asks Verify, then Define again.
	verified, err := h.Verify(ctx, &events.CognitoEventUserPoolsVerifyAuthChallenge{
		CognitoEventUserPoolsHeader: header,
		Request: events.CognitoEventUserPoolsVerifyAuthChallengeRequest{
			PrivateChallengeParameters: created.Response.PrivateChallengeParameters,
			ChallengeAnswer:            answer,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verify:", verified.Response.AnswerCorrect)
	final, _ := h.Define(ctx, &events.CognitoEventUserPoolsDefineAuthChallenge{
		CognitoEventUserPoolsHeader: header,
		Request: events.CognitoEventUserPoolsDefineAuthChallengeRequest{
			Session: []*events.CognitoEventUserPoolsChallengeResult{{
				ChallengeName:   challenge.CustomChallenge,
				ChallengeResult: verified.Response.AnswerCorrect,
			}},
		},
	})
	fmt.Println("issue tokens:", final.Response.IssueTokens)
	// Output:
	// define: CUSTOM_CHALLENGE
	// verify: true
	// issue tokens: true
}

// One Lambda function serves all three triggers: Handle reads the trigger
// source and returns the matching event type with its response set.
func ExampleHandler_Handle() {
	proof, err := challenge.NewHMACProof(exampleKey)
	if err != nil {
		log.Fatal(err)
	}
	h, err := challenge.New(challenge.Config{Verifier: proof})
	if err != nil {
		log.Fatal(err)
	}
	// In main: lambda.Start(h.Handle)
	event := json.RawMessage(`{
		"version": "1", "region": "eu-central-1",
		"userPoolId": "eu-central-1_aBcDeF123", "userName": "alice@example.com",
		"callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "4tq9ab8iqb7k9kq7ul2e5kkmq3"},
		"triggerSource": "DefineAuthChallenge_Authentication",
		"request": {"userAttributes": {}, "session": [], "userNotFound": false},
		"response": {"challengeName": null, "issueTokens": null, "failAuthentication": null}
	}`)
	out, err := h.Handle(context.Background(), event)
	if err != nil {
		log.Fatal(err)
	}
	response, _ := json.Marshal(out.(*events.CognitoEventUserPoolsDefineAuthChallenge).Response)
	fmt.Println(string(response))

	_, err = h.Handle(context.Background(), json.RawMessage(`{"triggerSource": "PreSignUp_SignUp"}`))
	fmt.Println(err)
	// Output:
	// {"challengeName":"CUSTOM_CHALLENGE","issueTokens":false,"failAuthentication":false}
	// challenge: unsupported trigger source "PreSignUp_SignUp"
}

// The backend signs the nonce it got from AdminInitiateAuth's
// ChallengeParameters and sends the result as ANSWER.
func ExampleHMACProof_Sign() {
	proof, err := challenge.NewHMACProof(exampleKey)
	if err != nil {
		log.Fatal(err)
	}
	challengeParameters := map[string]string{challenge.NonceParameter: "i6kXlL4fhb2ALX79oBSX4XWSKFM7_AqulJXeDLedbdY"}
	answer := proof.Sign("alice@example.com", "eu-central-1_aBcDeF123", "4tq9ab8iqb7k9kq7ul2e5kkmq3",
		challengeParameters[challenge.NonceParameter])
	fmt.Println(len(answer), answer != challengeParameters[challenge.NonceParameter])
	// Output: 43 true
}

// A short key is refused: the key must come from a cryptographic random
// source and hold at least MinKeySize bytes.
func ExampleNewHMACProof() {
	_, err := challenge.NewHMACProof([]byte("too short"))
	fmt.Println(err)
	// Output: challenge: proof key must be at least 32 bytes, got 9
}

// A Verifier of one's own, here one that checks a provider token, replaces
// HMACProof without changing the Handler.
func ExampleVerifier() {
	h, err := challenge.New(challenge.Config{Verifier: tokenVerifier{}, MaxAttempts: 1})
	if err != nil {
		log.Fatal(err)
	}
	out, err := h.Verify(context.Background(), &events.CognitoEventUserPoolsVerifyAuthChallenge{
		Request: events.CognitoEventUserPoolsVerifyAuthChallengeRequest{ChallengeAnswer: "not-a-token"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Response.AnswerCorrect)
	// Output: false
}

type tokenVerifier struct{}

func (tokenVerifier) VerifyAnswer(ctx context.Context, in challenge.VerifyInput) (bool, error) {
	// A real one validates in.Answer as the provider's token and checks that
	// it names in.Username.
	return false, nil
}
