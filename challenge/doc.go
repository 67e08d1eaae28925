// Package challenge implements the three Lambda triggers of Amazon Cognito's
// CUSTOM_AUTH flow (Define, Create and Verify auth challenge) as pure
// functions over the github.com/aws/aws-lambda-go/events types, and the
// proof that makes the answer unforgeable.
//
// A backend that has already authenticated a user some other way (a passkey
// through Corbado or a self-hosted relying party) uses CUSTOM_AUTH to have
// Cognito issue that user's tokens. Whoever can start CUSTOM_AUTH on the app
// client can see the challenge, so the challenge itself must not be the
// answer: Create publishes a fresh random nonce, and the only accepted answer
// is an HMAC over the username, user pool ID, app client ID and that nonce,
// under a key that only the backend and the Lambda function hold.
//
// # The Lambda function
//
// One function serves all three triggers; Handle dispatches on the event's
// triggerSource:
//
//	key, _ := base64.StdEncoding.DecodeString(os.Getenv("PASSKEYBRIDGE_PROOF_KEY"))
//	proof, err := challenge.NewHMACProof(key) // at least 32 random bytes
//	if err != nil { ... }
//	h, err := challenge.New(challenge.Config{Verifier: proof}) // MaxAttempts: 3
//	if err != nil { ... }
//	lambda.Start(h.Handle)
//
// examples/lambda is that program, with a CloudFormation template wiring it
// to a user pool.
//
// # The backend
//
// The backend holds the same key and answers the challenge:
//
//	start, err := cognito.AdminInitiateAuth(ctx, &cognitoidentityprovider.AdminInitiateAuthInput{
//		AuthFlow:       types.AuthFlowTypeCustomAuth,
//		UserPoolId:     &poolID,
//		ClientId:       &clientID,
//		AuthParameters: map[string]string{"USERNAME": username, "SECRET_HASH": secretHash},
//	})
//	// start.ChallengeName is CUSTOM_CHALLENGE; the nonce is public.
//	nonce := start.ChallengeParameters[challenge.NonceParameter]
//	done, err := cognito.AdminRespondToAuthChallenge(ctx, &cognitoidentityprovider.AdminRespondToAuthChallengeInput{
//		ChallengeName: types.ChallengeNameTypeCustomChallenge,
//		UserPoolId:    &poolID,
//		ClientId:      &clientID,
//		Session:       start.Session,
//		ChallengeResponses: map[string]string{
//			"USERNAME":    username,
//			"ANSWER":      proof.Sign(username, poolID, clientID, nonce),
//			"SECRET_HASH": secretHash,
//		},
//	})
//	// done.AuthenticationResult holds the ID, access and refresh tokens.
//
// The username signed must be the one Cognito puts in the trigger's userName:
// the pool's username, not an alias, in the same case.
//
// # What each trigger decides
//
// Define presents CUSTOM_CHALLENGE, issues tokens once the last answer was
// right, and fails the sign-in on any other kind of challenge in the session
// (no password or SRP step may lead into this flow) or after
// Config.MaxAttempts wrong answers. Create issues a 256-bit nonce from
// crypto/rand under NonceParameter in both the public and the private
// challenge parameters. Verify hands the answer, with the nonce from the
// private parameters, to the Config's Verifier: an *HMACProof, or a
// Verifier of one's own (one that checks a passkey provider's token, say).
//
// With PreventUserExistenceErrors ENABLED, Cognito runs the triggers for users
// it does not have (userNotFound). They get the same challenge and the same
// number of attempts as a real user whose answers are all wrong, so the flow
// does not reveal who exists, and they never get tokens.
//
// # Errors
//
// Errors returned to Cognito fail the attempt and end up in CloudWatch. Their
// text never includes a key, nonce, answer or a Verifier's own message; the
// causes stay reachable through errors.Is and errors.As. See ErrMalformedEvent,
// ErrUnsupportedTrigger, ErrUnexpectedChallenge and ErrVerifier.
package challenge
