// Package cognitobridge keeps Amazon Cognito as the user store and session
// issuer while users sign in with passkeys: a Store looks users up, creates
// them without a password anyone knows, checks legacy passwords, and starts
// Cognito sessions through CUSTOM_AUTH once a passkey provider has vouched
// for the user.
//
// # Use
//
//	awsCfg, err := config.LoadDefaultConfig(ctx)
//	// handle err
//	proof, err := challenge.NewHMACProof(key) // the key the Lambda triggers hold
//	// handle err
//	idCfg, err := jwks.CognitoConfig(poolID, "id", clientID)
//	// handle err
//	idTokens, err := jwks.New(idCfg)
//	// handle err
//	store, err := cognitobridge.New(cognitobridge.Config{
//		Client:       cognitoidentityprovider.NewFromConfig(awsCfg),
//		UserPoolID:   poolID,
//		ClientID:     clientID,
//		ClientSecret: clientSecret, // "" for a client without a secret
//		Proof:        proof,
//		IDTokens:     idTokens,
//		Logger:       slog.Default(),
//	})
//	// handle err
//
//	// The passkey provider verified email: sign the user in, creating
//	// the Cognito user on the first login.
//	sess, err := store.Login(ctx, email)
//	switch {
//	case errors.Is(err, cognitobridge.ErrUserDisabled):
//		// 403
//	case errors.Is(err, cognitobridge.ErrUnavailable):
//		// 503, try again later
//	case err != nil:
//		// 500; ErrMisconfigured needs an operator
//	}
//	json.NewEncoder(w).Encode(sess) // the seed's session JSON
//
//	// Corbado's webhooks: does the user exist, is this their old password?
//	u, err := store.Status(ctx, email)          // u.Status, u.CreatedByProvider
//	ok, err := store.VerifyPassword(ctx, email, pw) // (false, nil) = wrong
//
// # The pool
//
// Username = email address in this library, as in the seed: CreateUser
// sets the email attribute to the username and marks it verified. The pool
// needs the provider attribute in its schema (custom:createdByCorbado by
// default, String, writable by no app client), and the app client needs
// ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH and ALLOW_USER_PASSWORD_AUTH
// (or ALLOW_ADMIN_USER_PASSWORD_AUTH with Config.PasswordAuthFlow), with
// the three auth challenge triggers of package challenge attached.
//
// # Cost in Cognito calls
//
// Status 1; StartSession 2; Login 2 for a returning user, 5 for a first
// login (6 when the app client has PreventUserExistenceErrors); CreateUser 2
// (AdminCreateUser and AdminSetUserPassword, or AdminGetUser when the user
// exists), 3 when it repairs a half-created user; VerifyPassword, Refresh
// and SignOut 1. The SDK's own retries come on top (throttling, 5xx), each
// an HTTP request; what is left after them is ErrUnavailable.
//
// # Errors
//
// Every error is an *Error whose chain holds one of ErrUnavailable,
// ErrMisconfigured, ErrUserDisabled, ErrUserNotFound or ErrNotAuthorized
// (when one fits), the SDK's error (errors.As with a smithy.APIError or a
// *types.NotAuthorizedException) and, when the caller gave up,
// context.Canceled. Error texts start with "cognitobridge: " and hold no
// password, token, proof, SECRET_HASH or Cognito session string.
//
// # Logging
//
// Config.Logger gets structured lines (log/slog). Usernames are email
// addresses, so the store never logs one, at any level: the attribute
// "user" holds UserRef(username), a 12-hex-digit SHA-256 pseudonym an
// operator can recompute for a known address. Created and repaired users
// and passwords answered by a challenge are logged at Info, failures at
// Debug (the caller gets the error and decides); ErrMisconfigured failures
// and tokens issued without a challenge (a Define trigger that demands no
// proof) at Warn. Passwords, tokens, proofs, secret hashes, nonces and Cognito
// session strings are never logged, and Session's LogValue shows only its
// sub and expiry.
//
// # Tokens
//
// Session carries the three tokens to the caller. VerifyPassword's
// sign-in also yields tokens; they are dropped without being returned,
// logged or revoked, and expire on their own. Without Config.IDTokens, the
// Session's email, sub and name are read from the ID token's payload
// without checking its signature (the token came from Cognito over TLS);
// set IDTokens to have every ID token checked before it is handed out.
//
// # Testing
//
// Package cognitotest serves a Cognito user pool in process (AWS JSON 1.1
// on loopback) that runs the challenge package's triggers; its Client
// satisfies CognitoAPI. This package's tests also run against cognito-local
// (npm, 5.3.0), an emulator no one here wrote, and require both to agree.
// cognito-local's known differences from Cognito:
//
//   - a wrong password is InvalidPasswordException instead of
//     NotAuthorizedException (VerifyPassword treats both as "wrong", which
//     is right for real pools too);
//   - SECRET_HASH is never checked;
//   - the password flows ignore Enabled: a disabled user's right password
//     signs in (the conformance suite lists this as the one answer where
//     the two emulators differ), and ADMIN_USER_PASSWORD_AUTH ignores
//     FORCE_CHANGE_PASSWORD;
//   - custom attributes are not checked against the pool's schema;
//   - pools default to UsernameAttributes [email], which replaces usernames
//     by generated subs, unless .cognito/config.json sets
//     UserPoolDefaults.UsernameAttributes to [];
//   - CUSTOM_AUTH, AdminRespondToAuthChallenge and GlobalSignOut are not
//     implemented, and unsupported calls answer HTTP 500 "Unsupported",
//     which the SDK retries as a server fault (ErrUnavailable in the end);
//   - pool IDs look like local_…, its issuer is http://<host>:<port>/<poolId>
//     and its openid-configuration names a hard-coded port.
package cognitobridge
