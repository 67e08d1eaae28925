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
//	// The passkey provider verified the user, and the user proved the
//	// address: sign the user in, creating the Cognito user on the first
//	// login with email_verified=true.
//	email, err := store.Normalize(typed) // ErrInvalidUsername: 400
//	// handle err
//	sess, err := store.Login(ctx, email, cognitobridge.CreateOptions{EmailVerified: true})
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
//	// A legacy password user signs in: one Cognito call, one session.
//	sess, err = store.SignInWithPassword(ctx, email, pw) // ErrWrongPassword
//
// # The pool
//
// Username = email address in this library, as in the seed: CreateUser
// sets the email attribute to the username, and marks it verified only
// when the caller says the address was proven (CreateOptions). Normalize
// is the one place usernames are normalised; it folds case only on pools
// the Config declares case-insensitive (Config.CaseInsensitiveUsernames),
// so that a legacy Bob@Example.com stays reachable on either kind. The
// pool needs the provider attribute in its schema (custom:createdByCorbado
// by default, String, writable by no app client), and the app client needs
// ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH and ALLOW_USER_PASSWORD_AUTH
// (or ALLOW_ADMIN_USER_PASSWORD_AUTH with Config.PasswordAuthFlow), with
// the three auth challenge triggers of package challenge attached.
//
// Every kind of pool works, and the tests run each (internal/testtools'
// table of pool types):
//
//   - plain usernames: the Cognito username is the address;
//   - email as a username attribute (the console's "sign in with email"):
//     Cognito names the user with a UUID equal to its sub. The store
//     passes the address, answers the challenge and computes SECRET_HASH
//     over the UUID Cognito reports, and Session.Username and User.Username
//     carry it;
//   - email as an alias: Cognito refuses an address as username, so the
//     store creates the user under a generated UUID with the address as its
//     verified email, and finds it by the alias afterwards. It creates such
//     a user only with CreateOptions.EmailVerified, because an unverified
//     address is no alias: the next Login would not find the user and
//     would create another. The store supports these pools rather than
//     refusing them in New because nothing else needs the username to be
//     the address, and many existing pools are of this kind;
//   - case-sensitive or not (UsernameConfiguration.CaseSensitive), see
//     Normalize;
//   - app clients with or without a secret, and with refresh-token
//     rotation (Config.RefreshTokenRotation: Refresh then calls
//     GetTokensFromRefreshToken).
//
// The generated password has 99 characters of every class, so it passes
// any password policy a pool can have. New checks the pool ID offline
// (format, and region against the SDK client's), so a mistyped ID fails at
// start-up rather than at the first Login.
//
// # Cost in Cognito calls
//
// Status 1; StartSession 2; SignInWithPassword 1; AdminSignOut 1;
// Normalize none. Login 2 for a returning user, 5 for a first login (6
// when the app client has PreventUserExistenceErrors), 7 when it repairs a
// half-created user (Cognito answers its challenge with
// NEW_PASSWORD_REQUIRED). CreateUser 2 (AdminCreateUser and
// AdminSetUserPassword, or AdminGetUser when the user exists), 3 when it
// repairs a half-created user, one more on alias pools (the refused
// address). VerifyPassword, Refresh and SignOut 1; Refresh 3 when given
// the address on a pool whose usernames differ from it and a client with a
// secret. The SDK's own retries come on top (throttling, 5xx), each an
// HTTP request; what is left after them is ErrUnavailable.
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
