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
//	client.AdminSetUserPassword(ctx, &cognitoidentityprovider.AdminSetUserPasswordInput{
//		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String("alice@example.com"),
//		Password: aws.String(pw), Permanent: true}) // else CUSTOM_AUTH ends in NEW_PASSWORD_REQUIRED
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
// and inspect state directly with s.User(username), s.Users(); seed users
// with s.AddUser and put them into RESET_REQUIRED or UNCONFIRMED with
// s.SetUserStatus; make a user's password sign-in end in SMS_MFA with
// s.RequireMFA(username); move time with Config.Now.
//
// To test a tool that rewires an existing pool, make it a legacy pool
// first, with the SDK, on this emulator or on moto alike:
//
//	client.UpdateUserPool(ctx, cognitotest.LegacyPool(s.UserPoolID(), s.Region(), ""))
//	client.UpdateUserPoolClient(ctx, cognitotest.LegacyClient(s.UserPoolID(), s.ClientID()))
//
// # What is emulated
//
// One user pool with one app client. Operations: AdminGetUser,
// AdminCreateUser, AdminSetUserPassword, AdminDisableUser, AdminEnableUser,
// AdminDeleteUser, AdminUpdateUserAttributes, AdminUserGlobalSignOut,
// GetUser, UpdateUserAttributes, GlobalSignOut, InitiateAuth and
// AdminInitiateAuth (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH /
// ADMIN_NO_SRP_AUTH, REFRESH_TOKEN_AUTH / REFRESH_TOKEN, CUSTOM_AUTH),
// RespondToAuthChallenge and AdminRespondToAuthChallenge (CUSTOM_CHALLENGE,
// NEW_PASSWORD_REQUIRED), GetTokensFromRefreshToken, DescribeUserPool,
// UpdateUserPool, AddCustomAttributes, DescribeUserPoolClient and
// UpdateUserPoolClient.
//
//   - Users: AdminCreateUser makes FORCE_CHANGE_PASSWORD users with a sub
//     UUID and the given or a generated temporary password;
//     AdminSetUserPassword{Permanent} makes them CONFIRMED. Passwords follow
//     the pool's policy (default: 8 characters, upper, lower, digit, symbol;
//     minimum length 6 to 99) with Cognito's InvalidPasswordException
//     messages; with PasswordHistorySize (up to 24) a password among the
//     user's last ones is refused with PasswordHistoryPolicyViolationException. Attributes must be
//     standard or in the schema (Config.CustomAttributes,
//     AddCustomAttributes).
//   - Pool types, fixed when the pool is made (Cognito developer guide,
//     "User pool attributes": usernames and aliases; REFERENCE.md "Cognito
//     pool types and settings"):
//     Config.UsernameAttributes ["email"] and/or ["phone_number"]: the
//     username is a UUID equal to sub; AdminCreateUser takes the address as
//     Username ("Username should be an email." otherwise) and stores it as
//     the attribute; admin calls and sign-in take the address or the UUID;
//     an address belongs to one user (UsernameExistsException "An account
//     with the given email already exists."); trigger events, tokens and
//     ChallengeParameters.USERNAME carry the UUID, and a respond call must
//     send the UUID as USERNAME, with SECRET_HASH over it, as must a refresh
//     ("You must use the username and not an alias in the
//     ChallengeResponses").
//     Config.AliasAttributes ["email"]: AdminCreateUser refuses an
//     email-format username ("Username cannot be of email format, since user
//     pool is configured for email alias.", as Cognito answers in
//     aws-amplify/amplify-js#8800); a verified address signs in and names
//     the user in admin calls, an unverified one does not; a verified
//     address of another user makes AdminCreateUser fail with
//     UsernameExistsException (the call declares no AliasExistsException;
//     boto/boto3#3213) unless ForceAliasCreation, and moves to the updated
//     user with AdminUpdateUserAttributes (boto/boto3#3213), the other user's
//     address becoming unverified.
//     Config.CaseSensitive: nil or true, the default of the API and
//     CloudFormation, matches usernames and aliases exactly; false matches
//     them whatever their case, and a user keeps the case it was made with.
//   - User states (API reference of InitiateAuth and AdminInitiateAuth,
//     their declared errors): a FORCE_CHANGE_PASSWORD user is answered with
//     NEW_PASSWORD_REQUIRED by the password flows and, after a successful
//     CUSTOM_AUTH, instead of tokens (amplify-flutter#4890). RESET_REQUIRED
//     and UNCONFIRMED users get PasswordResetRequiredException ("Password
//     reset required for the user") and UserNotConfirmedException ("User is
//     not confirmed.") from the password flows once the password is right,
//     and from CUSTOM_AUTH before any trigger runs.
//   - Lockout (developer guide, "User sign-in lockout behavior"): five wrong
//     passwords are answered; then each failure locks the user out for 1 s,
//     doubling up to 15 minutes; attempts in a lockout, the right password
//     included, get NotAuthorizedException "Password attempts exceeded" and
//     are not counted; 15 minutes without attempts forgive. It runs on
//     Config.Now.
//   - App client: flows must be allowed by ExplicitAuthFlows; admin and
//     public password flows are not interchangeable. SECRET_HASH is required
//     and checked whenever the client has a secret, and refused when it has
//     none. ID tokens carry only the client's ReadAttributes (by default the
//     standard attributes, no custom ones: API reference of
//     CreateUserPoolClient); UpdateUserAttributes refuses attributes outside
//     WriteAttributes (by default the standard ones but email_verified and
//     phone_number_verified) with NotAuthorizedException "A client attempted
//     to write unauthorized attribute"; admin calls are bound by neither.
//     With Config.RefreshTokenRotation REFRESH_TOKEN_AUTH is refused as a
//     disabled flow, GetTokensFromRefreshToken (client secret, not
//     SECRET_HASH) returns a new refresh token, and the old one works for
//     the grace period, then fails with RefreshTokenReuseException (developer
//     guide, "Refresh token rotation").
//   - Pool and client settings: Describe* show them in the SDK's shapes;
//     UpdateUserPool and UpdateUserPoolClient set every member they are not
//     given back to its default, as the API reference says ("If you don't
//     provide a value for an attribute, Amazon Cognito sets it to its
//     default value"), and keep UsernameAttributes, AliasAttributes,
//     UsernameConfiguration and the schema, which cannot change;
//     AddCustomAttributes only adds. A LambdaConfig without all three
//     custom-auth triggers fails CUSTOM_AUTH as in Cognito, whatever
//     Config.Triggers holds; a new Server with Triggers names
//     DefaultTriggerARN in all three, and whichever ARN they name,
//     Config.Triggers runs.
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
//     the same origin_jti and auth_time, and no refresh token (but with
//     rotation). GlobalSignOut, AdminUserGlobalSignOut and AdminDisableUser
//     revoke a user's refresh tokens and earlier access tokens. The issuer
//     is the original form, the updated one with Config.UpdatedIssuer
//     ("https://issuer-cognito-idp.<region>…", IssuerConfigurationType in
//     the API reference), and with Config.ReplicaRegion the replica's
//     region in the original form (aws-jwt-verify#282/#285).
//   - Wire: errors as {"__type", "message"} plus X-Amzn-ErrorType, HTTP 400,
//     or 500 for InternalErrorException; UnknownOperationException,
//     SerializationException for undecodable bodies, AWS-style validation
//     messages for missing members; request bodies capped at 1 MiB. The pool
//     and client operations read and write the SDK's own input and output
//     types, whose field names are the API's member names.
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
//     signs ID and access tokens with different ones), one Lambda for every
//     trigger slot. The ID token has no cognito:groups; there are no groups,
//     devices, domains or hosted UI; the pool's ARN names account
//     123456789012.
//   - USER_SRP_AUTH, USER_AUTH and answering SMS_MFA are not emulated
//     (InvalidParameterException saying so); RequireMFA only makes password
//     sign-in end in an SMS_MFA challenge. No messages are ever sent, whatever
//     MessageAction, AutoVerifiedAttributes or the templates say; no
//     pre/post-authentication or other triggers run, though LambdaConfig
//     stores them. Define may only name CUSTOM_CHALLENGE. Legacy flow names
//     (ADMIN_NO_SRP_AUTH …) cannot be set on the client.
//   - Settings are stored and shown but have no effect beyond those named
//     above: MFA configuration, e-mail and SMS configuration, verification
//     and invitation messages, device tracking, advanced security, OAuth
//     settings, callback URLs, token revocation switch, tags, deletion
//     protection (there is no DeleteUserPool). MfaConfiguration other than
//     OFF needs an SmsConfiguration in the same update. An update that
//     leaves out PoolName or UserPoolTier keeps them (the API reference does
//     not say), and so does one that leaves out the multi-Region
//     IssuerConfiguration and KeyConfiguration; an update that changes the
//     issuer type is refused. UpdateUserPoolClient keeps the client's name
//     when not given.
//   - Messages without a public trace are plausible guesses: CUSTOM_AUTH
//     flow not enabled, missing ANSWER / NEW_PASSWORD / REFRESH_TOKEN /
//     Session, sub in attributes, invalid boolean attributes, Create without
//     private parameters and Define with no decision
//     (InvalidLambdaResponseException), a panicking trigger
//     (UnexpectedLambdaException), a session of another user or challenge
//     ("Invalid session for the user."), refresh tokens of deleted users
//     ("Invalid Refresh Token"), the range errors of UpdateUserPool and
//     UpdateUserPoolClient, "Username should be a phone number.", the
//     phone-number alias refusal, "Password has previously been used",
//     "the sign-in attribute cannot be removed",
//     GetTokensFromRefreshToken's client-secret and reuse messages, and
//     "Password reset required for the user".
//   - A disabled user is refused before the password is checked, and before
//     the lockout. The lockout counts password flows only. A RESET_REQUIRED
//     or UNCONFIRMED user is refused by CUSTOM_AUTH at the start rather
//     than after the triggers. Admin calls accept a username, a sign-in
//     address or a verified alias, not a sub. A rotated refresh token gets
//     a fresh validity.
//   - Changing email with AdminUpdateUserAttributes or UpdateUserAttributes
//     marks it unverified at once (no "keep original value until verified"
//     setting, though UserAttributeUpdateSettings is stored).
//   - The trigger's callerContext.awsSdkVersion is always
//     "aws-sdk-unknown-unknown". Session strings are 86 characters, not
//     Cognito's ~1,500-character encrypted blobs.
//   - Unknown request members are ignored; a Content-Type other than
//     application/x-amz-json-1.x or application/json is refused as an
//     unknown operation. The issuer is the real AWS URL, but the keys are
//     only at JWKSURL.
//
// moto 5.2.1 and cognito-local 5.3.0, the two other emulators the tests
// run, differ from AWS in ways this one does not; cognitobridge's
// conformance tests list them (moto_conformance_test.go,
// conformance_test.go).
package cognitotest
