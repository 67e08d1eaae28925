// Package cognitotest is an in-process Amazon Cognito user pool for tests
// and local runs. It serves the Cognito Identity Provider API in Cognito's
// own wire format (AWS JSON 1.1 over HTTP on 127.0.0.1), so the code under
// test talks to it through the real aws-sdk-go-v2 client: serialization,
// retries and typed errors (*types.NotAuthorizedException …) are the SDK's.
// It runs the CUSTOM_AUTH triggers of package challenge in-process, exactly
// as Lambda would get them, and issues RS256 tokens that validate against
// the JWKS it serves.
//
// # Walkthrough
//
// Start a server with the challenge triggers, point the SDK at it, and use
// the pool as you would a real one:
//
//	proof, _ := challenge.NewHMACProof(key) // key shared with the code under test
//	triggers, _ := challenge.New(challenge.Config{Verifier: proof})
//	s, err := cognitotest.NewServer(cognitotest.Config{Triggers: triggers, ClientSecret: true})
//	if err != nil { ... }
//	defer s.Close()
//
//	client := s.Client() // *cognitoidentityprovider.Client: BaseEndpoint s.URL(), dummy credentials
//	client.AdminCreateUser(ctx, &cognitoidentityprovider.AdminCreateUserInput{
//		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String("alice@example.com"),
//		MessageAction: types.MessageActionTypeSuppress, ...})
//
//	out, _ := client.AdminInitiateAuth(ctx, &cognitoidentityprovider.AdminInitiateAuthInput{
//		UserPoolId: aws.String(s.UserPoolID()), ClientId: aws.String(s.ClientID()),
//		AuthFlow: types.AuthFlowTypeCustomAuth,
//		AuthParameters: map[string]string{"USERNAME": "alice@example.com",
//			"SECRET_HASH": secretHash(s.ClientSecret(), "alice@example.com", s.ClientID())}})
//	nonce := out.ChallengeParameters[challenge.NonceParameter]
//	// … AdminRespondToAuthChallenge with ANSWER = proof.Sign(username, s.UserPoolID(), s.ClientID(), nonce)
//	// returns AuthenticationResult{IdToken, AccessToken, RefreshToken, ExpiresIn: 3600, TokenType: "Bearer"}.
//
// Validate the tokens with any Cognito validator configured for
// s.UserPoolID(), s.ClientID() and s.Issuer() (the real
// "https://cognito-idp.<region>.amazonaws.com/<pool ID>"), fetching keys
// from s.JWKSURL() instead of AWS.
//
// For reliability tests, inject faults and count calls:
//
//	s.FailNext("AdminInitiateAuth", 2, cognitotest.FaultThrottle) // the next two requests fail
//	s.FailFraction("", 0.1, cognitotest.FaultInternal)           // 10% of everything, seeded by Config.FaultSeed
//	s.SetLatency("AdminRespondToAuthChallenge", 200*time.Millisecond)
//	... run the code under test, with s.Client(cognitotest.NoRetryDelay) to skip backoff ...
//	s.Calls("AdminInitiateAuth") // HTTP requests seen, each SDK retry included
//
// and inspect state directly with s.User(username), s.Users(); make a
// user's password sign-in end in SMS_MFA with s.RequireMFA(username); move
// time with Config.Now.
//
// # What is emulated
//
// One user pool with one app client. Operations: AdminGetUser,
// AdminCreateUser, AdminSetUserPassword, AdminDisableUser, AdminEnableUser,
// AdminDeleteUser, AdminUpdateUserAttributes, AdminUserGlobalSignOut,
// GetUser, GlobalSignOut, InitiateAuth and AdminInitiateAuth
// (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH,
// REFRESH_TOKEN_AUTH / REFRESH_TOKEN, CUSTOM_AUTH), RespondToAuthChallenge
// and AdminRespondToAuthChallenge (CUSTOM_CHALLENGE, NEW_PASSWORD_REQUIRED).
//
//   - Users: AdminCreateUser makes FORCE_CHANGE_PASSWORD users with a sub
//     UUID and the given or a generated temporary password;
//     AdminSetUserPassword{Permanent} makes them CONFIRMED. Passwords follow
//     the pool's policy (default: 8 characters, upper, lower, digit, symbol)
//     with Cognito's InvalidPasswordException messages. Attributes must be
//     standard or declared in Config.CustomAttributes.
//   - Flows must be allowed by the client's ExplicitAuthFlows; admin and
//     public password flows are not interchangeable. SECRET_HASH is required
//     and checked whenever the client has a secret, and refused when it has
//     none; for REFRESH_TOKEN_AUTH it is computed over the token's user's
//     username.
//   - Unknown users get UserNotFoundException, or with
//     PreventUserExistenceErrors the wrong-password error; CUSTOM_AUTH then
//     runs the triggers with userNotFound set, so an unknown user gets a
//     challenge like anyone else.
//   - CUSTOM_AUTH: Define (empty session), Create, then for each answer
//     Verify, Define and Create again, with the session history oldest first.
//     Events are the aws-lambda-go types, passed through JSON both ways as
//     Lambda would. ClientMetadata of InitiateAuth reaches no trigger; that of
//     a respond call reaches Verify, Define and Create. Cognito adds USERNAME
//     to the public challenge parameters. Each round's session string is
//     random, single-use and valid for AuthSessionValidity (3 minutes).
//     A trigger's error becomes UserLambdaValidationException
//     "<Trigger> failed with error <message>.", as in Cognito.
//   - Tokens: RS256 JWTs with Cognito's ID and access token claims, an
//     opaque refresh token. Refreshing gives new ID and access tokens with
//     the same origin_jti and auth_time, and no refresh token.
//     GlobalSignOut, AdminUserGlobalSignOut and AdminDisableUser revoke a
//     user's refresh tokens and earlier access tokens.
//   - Wire: errors as {"__type", "message"} plus X-Amzn-ErrorType, HTTP 400,
//     or 500 for InternalErrorException; UnknownOperationException,
//     SerializationException for undecodable bodies, AWS-style validation
//     messages for missing members; request bodies capped at 1 MiB.
//
// Error messages were checked against Cognito's observed responses where
// public traces exist: the AWS API reference (and the SDK's deserializers
// for the exception names each operation returns), issues and code quoting
// Cognito's answers ("Incorrect username or password.", "User is
// disabled.", "User does not exist.", "Client <id> is configured with secret
// but SECRET_HASH was not received", "Unable to verify secret hash for client
// <id>", "USER_PASSWORD_AUTH flow not enabled for this client",
// "Initiate Auth method not supported.", "Custom auth lambda trigger is not
// configured for the user pool.", "Invalid session for the user, session is
// expired.", "… session can only be used once.", "Password did not conform
// with policy: …", "<Trigger> failed with error …", "Access Token has been
// revoked"), and moto's cognito-idp for validation messages.
//
// # Deviations from Cognito
//
//   - One pool, one app client, one signing key (Cognito publishes two and
//     signs ID and access tokens with different ones). The ID token has no
//     cognito:groups; there are no groups, aliases, devices or hosted UI.
//   - USER_SRP_AUTH, USER_AUTH and answering SMS_MFA are not emulated
//     (InvalidParameterException saying so); RequireMFA only makes password
//     sign-in end in an SMS_MFA challenge. No messages are ever sent, whatever
//     MessageAction says; no pre/post-authentication or other triggers run.
//     Define may only name CUSTOM_CHALLENGE.
//   - Messages without a public trace are plausible guesses: CUSTOM_AUTH
//     flow not enabled, missing ANSWER / NEW_PASSWORD / REFRESH_TOKEN /
//     Session, sub in attributes, invalid boolean attributes, Create without
//     private parameters and Define with no decision
//     (InvalidLambdaResponseException), a panicking trigger
//     (UnexpectedLambdaException), a session of another user or challenge
//     ("Invalid session for the user."), refresh tokens of deleted users
//     ("Invalid Refresh Token").
//   - No lockout after repeated wrong passwords; no rate limits unless
//     injected. A disabled user is refused before the password is checked.
//   - Changing email with AdminUpdateUserAttributes marks it unverified at
//     once (no "keep original value until verified" setting).
//   - CUSTOM_AUTH does not ask FORCE_CHANGE_PASSWORD users for a new
//     password; tokens are issued when Define says so.
//   - The trigger's callerContext.awsSdkVersion is always
//     "aws-sdk-unknown-unknown". Session strings are 86 characters, not
//     Cognito's ~1,500-character encrypted blobs.
//   - Unknown request members are ignored; a Content-Type other than
//     application/x-amz-json-1.x or application/json is refused as an
//     unknown operation. The issuer is the real AWS URL, but the keys are
//     only at JWKSURL.
package cognitotest
