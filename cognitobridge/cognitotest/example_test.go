package cognitotest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// A CUSTOM_AUTH sign-in through the real SDK client: the emulator runs the
// challenge triggers in-process, and the backend answers with the HMAC proof.
func Example() {
	proof, err := challenge.NewHMACProof([]byte("a key of at least thirty-two bytes!"))
	if err != nil {
		log.Fatal(err)
	}
	triggers, err := challenge.New(challenge.Config{Verifier: proof})
	if err != nil {
		log.Fatal(err)
	}
	s, err := cognitotest.NewServer(cognitotest.Config{Triggers: triggers})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	client := s.Client()
	_, err = client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(s.UserPoolID()),
		Username:      aws.String("alice@example.com"),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String("alice@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// A user still in FORCE_CHANGE_PASSWORD would be asked for a new
	// password after the custom challenge, as in Cognito.
	_, err = client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(s.UserPoolID()),
		Username:   aws.String("alice@example.com"),
		Password:   aws.String("Corr3ct-Horse-Battery!"),
		Permanent:  true,
	})
	if err != nil {
		log.Fatal(err)
	}

	started, err := client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId:     aws.String(s.UserPoolID()),
		ClientId:       aws.String(s.ClientID()),
		AuthFlow:       types.AuthFlowTypeCustomAuth,
		AuthParameters: map[string]string{"USERNAME": "alice@example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("challenge:", started.ChallengeName)

	nonce := started.ChallengeParameters[challenge.NonceParameter]
	done, err := client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId:    aws.String(s.UserPoolID()),
		ClientId:      aws.String(s.ClientID()),
		ChallengeName: types.ChallengeNameTypeCustomChallenge,
		Session:       started.Session,
		ChallengeResponses: map[string]string{
			"USERNAME": "alice@example.com",
			"ANSWER":   proof.Sign("alice@example.com", s.UserPoolID(), s.ClientID(), nonce),
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token type:", aws.ToString(done.AuthenticationResult.TokenType))
	fmt.Println("calls:", s.Calls(""))
	// Output:
	// challenge: CUSTOM_CHALLENGE
	// token type: Bearer
	// calls: 4
}

// Injected throttling is retried by the SDK; every attempt is counted.
func ExampleServer_FailNext() {
	s, err := cognitotest.NewServer(cognitotest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	client := s.Client(cognitotest.NoRetryDelay)

	s.FailNext("AdminGetUser", 2, cognitotest.FaultThrottle)
	_, err = client.AdminGetUser(context.Background(), &cip.AdminGetUserInput{
		UserPoolId: aws.String(s.UserPoolID()),
		Username:   aws.String("nobody"),
	})
	var notFound *types.UserNotFoundException
	fmt.Println("user not found:", errors.As(err, &notFound))
	fmt.Println("attempts:", s.Calls("AdminGetUser"))
	// Output:
	// user not found: true
	// attempts: 3
}

// User shows the state a test can check without going through the API.
func ExampleServer_User() {
	s, err := cognitotest.NewServer(cognitotest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	_, err = s.Client().AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(s.UserPoolID()),
		Username:      aws.String("bob"),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("custom:createdByCorbado"), Value: aws.String("true")},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	u, ok := s.User("bob")
	fmt.Println(ok, u.Status, u.Enabled, u.Attributes["custom:createdByCorbado"])
	// Output: true FORCE_CHANGE_PASSWORD true true
}
