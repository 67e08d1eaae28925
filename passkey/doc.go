// Package passkey is a self-hosted WebAuthn relying party, built on
// github.com/go-webauthn/webauthn, that signs users in to Amazon Cognito:
// the second passkey provider beside Corbado, for services that want no
// SaaS in the path. Addresses are proven by an emailed code or magic
// link, passkeys are bound to their Cognito user, and a cognitobridge.Store
// hands out the Cognito sessions.
//
// # Use
//
//	store, err := cognitobridge.New(cognitobridge.Config{ /* … */ })
//	// handle err
//	creds, err := passkey.OpenBoltStore("/var/lib/myapp/passkeys.db")
//	// or passkey.NewDynamoStore(…) for several instances
//	// handle err
//	mailer, err := mail.NewSMTP(mail.SMTPConfig{Host: "smtp.example.com", Port: 587,
//		From: "Example <login@example.com>", Username: user, Password: pass})
//	// or mail.NewSES(mail.SESConfig{Client: sesv2.NewFromConfig(awsCfg), From: …})
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
//		Mailer:        mailer,
//		LinkURL:       "https://example.com/signin", // magic links open this page
//		ProofKey:      proofKey,                     // shared by every instance
//		Logger:        slog.Default(),
//	})
//	// handle err
//	mux.Handle("/passkey/", http.StripPrefix("/passkey", rp.Handler()))
//
// In the page (no library needed in browsers that have the JSON helpers):
//
//	const {proof} = await post("/passkey/email/start", {email});
//	// the user types the code from the mail (or opens its link)
//	const {grant} = await post("/passkey/email/verify", {proof, code});
//	const begin = await post("/passkey/registration/begin", {grant});
//	const cred = await navigator.credentials.create({
//		publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.publicKey)});
//	const {session} = await post("/passkey/registration/finish",
//		{ceremony: begin.ceremony, credential: cred.toJSON()});
//	// session.idToken, session.accessToken, session.refreshToken …
//
// The page at LinkURL reads location.hash ("#link=…") and posts it as
// {link} to email/verify. Logins go through login/begin + login/finish
// (with a username) or discoverable/begin + discoverable/finish (the
// passkey names the user), with navigator.credentials.get and
// parseRequestOptionsFromJSON. The methods behind the handlers
// (StartEmailProof, VerifyEmailProof, BeginRegistration, FinishLogin, …)
// take a context and plain values, for other HTTP stacks; WithClient puts
// the client's key in the context for the per-client budgets.
//
// # Routes
//
// All POST, JSON, under the mount prefix (see RelyingParty.Handler):
//
//	email/start          {"email"}                  → 202 {"proof", "expires"}
//	email/verify         {"proof","code"} | {"link"} → {"session", "grant", "grantExpires", "recovery"}
//	registration/begin   {"grant"}                  → {"ceremony", "publicKey"}
//	registration/finish  {"ceremony","credential"}  → {"session"}
//	login/begin          {"username"}               → {"ceremony", "publicKey"}
//	login/finish         {"ceremony","credential"}  → {"session", "grant", "grantExpires"}
//	discoverable/begin   {}                         → {"ceremony", "publicKey"}
//	discoverable/finish  {"ceremony","credential"}  → {"session", "grant", "grantExpires"}
//	password             {"username","password"}    → {"session", "grant", "grantExpires"}
//	signout              Bearer <access token>      → 204
//	passkeys/list        Bearer <ID token>          → {"passkeys": […]}
//	passkeys/rename      Bearer <ID token> {"id","name"} → 204
//	passkeys/delete      Bearer <ID token> {"id"}   → 204
//
// # Who may do what
//
//   - Create an account: whoever proves the address (email/start, then
//     email/verify with the code or the link). Only then is the Cognito
//     user created, with email_verified=true.
//   - Sign in: a passkey bound to the Cognito user's sub; a user that is
//     gone, disabled or has another sub gets nothing, its passkeys are
//     revoked, and passkey login never creates a user. A proven address
//     signs in without a passkey. A legacy password user signs in with the
//     password.
//   - Add a passkey: registration/begin takes only a grant. An account
//     without passkeys gets one from a password sign-in or an address
//     proof; an account with passkeys only from a fresh sign-in with one
//     of them (login/finish, discoverable/finish) or a fresh proof. Grants
//     are held server-side, bound to the username and sub, live
//     Config.GrantTimeout, register one passkey, and end with SignOut
//     (or EndGrants). A bearer ID token is never enough.
//   - Recover: an address proof for an account with passkeys signs in
//     with a single-use grant for a new passkey, and the address gets a
//     notice; so it does when a passkey is added or removed.
//
// # Email proofs
//
// email/start sends one mail holding a code (Config.CodeDigits digits)
// and a link (Config.LinkURL#link=<secret>). Both prove the same thing and
// are single-use: using one spends the other. The relying party keeps only
// HMACs of them under Config.ProofKey. Without a configured ProofKey, New
// makes one per process: then several instances cannot verify each
// other's mails, and a restart voids those in flight, so a service with
// more than one instance must configure the key. Proofs expire after
// Config.ProofTimeout (10 minutes); the code dies after Config.MaxCodeTries
// (5) wrong tries. Sends are limited per address and per client
// (ErrBusy, HTTP 429). email/start does the same work and gives the same
// answer for every address: it looks nothing up about the account, so
// neither its status, body nor timing tells whether the address has one.
// A link works only in the browser that asked for it (a cookie email/start
// sets), unless Config.SkipLinkBrowserCheck; opened elsewhere it answers
// ErrOtherBrowser, and the code still works anywhere.
//
// # What is checked
//
// Origins and the RP ID come from Config, never from a request; New
// refuses a Config without them. go-webauthn verifies challenge, origin,
// RP ID hash, user presence and user verification (required), and the
// signature. A backup-eligible flag that rises from 0 to 1 (iCloud
// Keychain syncing after registration) is accepted and stored; one that
// falls, or BS=1 with BE=0, is refused. A login whose signature counter
// did not increase is refused (ErrSignCount) and the stored counter never
// goes backwards. Ceremonies expire after Config.CeremonyTimeout, can be
// finished once, and only as the kind they were begun as. Users are known
// to authenticators by a random 32-byte handle, not by their address.
//
// # Errors
//
// Every error a method returns wraps exactly one sentinel
// (ErrInvalidRequest, ErrCeremony, ErrVerification, ErrUnknownCredential,
// ErrSignCount, ErrStepUpRequired, ErrNotAuthorized, ErrWrongPassword,
// ErrNoPasskeys, ErrUserExists, ErrCredentialExists, ErrUserDisabled,
// ErrBusy, ErrProof, ErrOtherBrowser, ErrRevoked, ErrLastPasskey, ErrUnavailable,
// ErrInternal) and its cause. The handlers answer each with a fixed
// status and body ({"error":"proof_invalid","message":…}) and log the
// cause. No password, token, grant, code, link or ceremony ID is ever
// logged or put in an error, and usernames appear in logs only as
// cognitobridge.UserRef pseudonyms.
//
// # Storage
//
// Passkeys live in a CredentialStore: BoltStore (one bbolt file, the
// embedded default), FileStore (one JSON file), DynamoStore (one DynamoDB
// table), or your own. Ceremonies, grants, proofs and counters live in a
// StateStore: NewMemoryState for one instance (the default), NewDynamoState
// for many. Every key is the SHA-256 of a random ID (or an HMAC), never a
// secret the browser holds.
//
// examples/local runs all of this against an in-process Cognito emulator
// and an SMTP server, with a web page: go run ./examples/local.
package passkey
