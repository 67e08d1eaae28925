// Package passkey is a self-hosted WebAuthn relying party, built on
// github.com/go-webauthn/webauthn, that signs users in to Amazon Cognito:
// the second passkey provider beside Corbado, for services that want no
// SaaS in the path. Once a passkey ceremony succeeds, a
// cognitobridge.Store's Login hands the user a normal Cognito session.
//
// # Use
//
//	store, err := cognitobridge.New(cognitobridge.Config{ /* … */ })
//	// handle err
//	creds, err := passkey.OpenFileStore("/var/lib/myapp/passkeys.json")
//	// or passkey.NewDynamoStore(passkey.DynamoConfig{Client: dynamodb.NewFromConfig(awsCfg), Table: "passkeys"})
//	// handle err
//	idCfg, err := jwks.CognitoConfig(poolID, "id", clientID)
//	// handle err
//	idTokens, err := jwks.New(idCfg)
//	// handle err
//	rp, err := passkey.New(passkey.Config{
//		RPID:          "example.com",
//		RPDisplayName: "Example",
//		RPOrigins:     []string{"https://example.com"},
//		Store:         store,
//		Credentials:   creds,
//		IDTokens:      idTokens, // lets signed-in users add passkeys
//		Logger:        slog.Default(),
//	})
//	// handle err
//	mux.Handle("/passkey/", http.StripPrefix("/passkey", rp.Handler()))
//
// In the page (no library needed in browsers that have the JSON helpers):
//
//	const begin = await post("/passkey/registration/begin", {username: email});
//	const cred = await navigator.credentials.create({
//		publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.publicKey)});
//	const session = await post("/passkey/registration/finish",
//		{ceremony: begin.ceremony, credential: cred.toJSON()});
//	// session.idToken, session.accessToken, session.refreshToken …
//
// Logins go the same way through login/begin + login/finish (with a
// username) or discoverable/begin + discoverable/finish (the passkey names
// the user), with navigator.credentials.get and parseRequestOptionsFromJSON.
// The methods behind the handlers (BeginRegistration, FinishLogin, …) take
// a context and plain values, for other HTTP stacks.
//
// # Who may register a passkey
//
// A new account registers passkey first and never has a password: the
// first successful registration creates the Cognito user. An existing
// password user migrates by signing in with the password once
// (SignInWithPassword, the "password" route): that returns their session
// and a grant, held server-side for a few minutes, bound to the username
// and spent by one registration, with which the same page registers the
// first passkey. An account that has passkeys gets more only with a valid
// Cognito ID token of its own (Authorization: Bearer): a password alone
// no longer adds passkeys to it. Everyone else is refused, so nobody can
// attach a passkey to someone else's account.
//
// The relying party does not verify email addresses: whoever first
// registers a passkey for an address Cognito does not know owns that
// account (cognitobridge marks its email verified). Put an email check in
// front of registration/begin if that matters for you.
//
// # What is checked
//
// Origins and the RP ID come from Config, never from a request; New
// refuses a Config without them. go-webauthn verifies challenge, origin,
// RP ID hash, user presence and user verification (required), the
// signature, and that the backup-eligible flag has not changed and is not
// contradicted by the backup-state flag. A login whose signature counter
// did not increase is refused (ErrSignCount) and the stored counter never
// goes backwards. Ceremonies expire after Config.CeremonyTimeout, can be
// finished once, can only be finished as the kind they were begun as, and
// at most Config.MaxPending wait at a time. Users are known to
// authenticators by a random 32-byte handle, not by their address.
//
// # Errors
//
// Methods return errors that wrap one sentinel (ErrInvalidRequest,
// ErrCeremony, ErrVerification, ErrUnknownCredential, ErrSignCount,
// ErrSignInRequired, ErrSessionRequired, ErrNotAuthorized, ErrWrongPassword,
// ErrNoPasskeys, ErrUserExists, ErrCredentialExists, ErrUserDisabled,
// ErrBusy, ErrUnavailable) and their cause. The handlers answer each with
// a fixed status and body ({"error":"ceremony_invalid","message":…}) and
// log the cause; anything else is a 500 "internal". No password, token,
// grant or ceremony ID is ever logged or put in an error, and usernames
// appear in logs only as cognitobridge.UserRef pseudonyms.
//
// # Storage
//
// Passkeys live in a CredentialStore: FileStore (one JSON file, atomic
// replace, for one machine), DynamoStore (one DynamoDB table with
// conditional writes; see its documentation for the schema), or your own.
// Ceremonies and grants live in the RelyingParty's memory, so a service
// behind a load balancer needs sticky sessions for the passkey routes.
//
// examples/local runs all of this against an in-process Cognito emulator
// with a web page: go run ./examples/local.
package passkey
