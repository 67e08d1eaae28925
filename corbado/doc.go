// Package corbado connects Corbado, the passkey provider, to a Cognito user
// pool kept by package cognitobridge, in each of the three ways Corbado has
// offered: v1 webhooks with v1 auth tokens, v2 session tokens, and Corbado
// Connect's signedPasskeyData.
//
// # v1: webhooks and auth tokens (the seed's setup)
//
// Corbado asks the application whether a user exists and whether a legacy
// password is right; after a passkey login the front end hands the backend
// a one-time auth token, which the backend trades for a Cognito session:
//
//	store, _ := cognitobridge.New(cognitobridge.Config{ /* … */ })
//
//	webhook, err := corbado.NewWebhookHandler(corbado.WebhookConfig{
//		Username: os.Getenv("CORBADO_WEBHOOK_USERNAME"),
//		Password: os.Getenv("CORBADO_WEBHOOK_PASSWORD"),
//		Users:    corbado.CognitoDirectory(store), // bridge-created users answer not_exists
//		Logger:   slog.Default(),
//	})
//	// handle err
//	mux.Handle("POST /api/corbado/webhook", webhook)
//
//	tokens, err := corbado.NewAuthTokenClient(corbado.AuthTokenConfig{
//		ProjectID: os.Getenv("CORBADO_PROJECT_ID"),
//		APISecret: os.Getenv("CORBADO_API_SECRET"),
//	})
//	// handle err
//	validate, err := corbado.NewAuthTokenHandler(corbado.AuthTokenHandlerConfig{Client: tokens, Store: store})
//	// handle err
//	mux.Handle("GET /api/corbado/authTokenValidate", validate) // ?corbadoAuthToken=…
//
// The webhook answers exactly the bytes Corbado's SDKs produce
// ({"responseID":"","data":{"status":"exists"}}), checks HTTP Basic in
// constant time, and never echoes the request; examples/corbado is the
// seed's whole backend built this way.
//
// # v2: session tokens
//
// Corbado's v2 components keep an RS256 session JWT in the
// cbo_session_token cookie (cbo_short_session before) or send it as a
// bearer token. A SessionValidator checks it against the project's keys
// ({FrontendAPI}/.well-known/jwks) and both of Corbado's issuer hosts, and
// NewSessionHandler turns it into a Cognito session:
//
//	sessions, err := corbado.NewSessionValidator(corbado.SessionConfig{ProjectID: "pro-123"})
//	// handle err
//	user, err := sessions.FromRequest(r) // user.UserID, user.Email
//	switch {
//	case errors.Is(err, corbado.ErrNoToken), errors.Is(err, corbado.ErrInvalidToken): // 401
//	case errors.Is(err, corbado.ErrUnavailable): // 503
//	}
//	h, _ := corbado.NewSessionHandler(corbado.SessionHandlerConfig{Sessions: sessions, Store: store})
//
// # Provider-token mode
//
// With the default cognitobridge setup the Lambda trusts the backend's
// HMAC proof. In provider-token mode the answer to Cognito's challenge is
// the provider's own token and the Lambda checks it, so a compromised
// backend cannot mint sessions for users who never logged in. Two
// challenge.Verifier implementations serve the Lambda:
//
//	v, _ := corbado.NewSessionTokenVerifier(sessions)            // a v2 session token
//	v, _ := corbado.NewConnectVerifier(corbado.ConnectConfig{ /* … */ }) // Connect's signedPasskeyData
//	h, _ := challenge.New(challenge.Config{Verifier: v})
//	lambda.Start(h.Handle)
//
// and the backend sends the token with store.LoginWithAnswer(ctx, email,
// token, cognitobridge.CreateOptions{EmailVerified: true}), on a store
// whose Config.AnswerVerifier is the same verifier, so that a token is
// checked before a user is created for it. EmailVerified is true on every
// Corbado path because Corbado proves addresses itself. A token of another
// user is a wrong answer; an outage is an error, never a right answer.
//
// # Errors and logs
//
// ErrInvalidToken (401), ErrNoToken (401), ErrUnavailable (503) and
// ErrMisconfigured (an operator's problem) are the sentinels; calls to
// Corbado's Backend API fail with *APIError, which keeps the HTTP status
// and Corbado's error type and request ID. No error text or log line holds
// a token, the API secret, a webhook credential or a password; usernames
// are logged as cognitobridge.UserRef pseudonyms.
package corbado
