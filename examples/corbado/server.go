package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/jwks"
)

// deps are what the server reaches the outside world through. main builds
// them from the environment; tests hand in an emulator's client.
type deps struct {
	// Cognito calls the user pool. Required.
	Cognito cognitobridge.CognitoAPI
	// HTTPClient calls Corbado and fetches the pool's keys. Nil:
	// http.DefaultClient.
	HTTPClient *http.Client
	// Logger gets the server's logs. Nil discards.
	Logger *slog.Logger
}

// newServer builds the seed's backend:
//
//	POST /api/corbado/webhook           Corbado's v1 webhooks (authMethods, passwordVerify)
//	GET  /api/corbado/authTokenValidate ?corbadoAuthToken=… → Cognito session JSON
//	POST /api/auth/logout               {"token": accessToken} → GlobalSignOut
//	GET  /ping                          liveness
//
// all behind CORS for the front end's origin. It does no I/O itself.
func newServer(c config, d deps) (http.Handler, error) {
	if d.Cognito == nil {
		return nil, errors.New("no Cognito client")
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	proof, err := challenge.NewHMACProof(c.ProofKey)
	if err != nil {
		return nil, err
	}
	idCfg, err := idTokenConfig(c, d.HTTPClient)
	if err != nil {
		return nil, err
	}
	idTokens, err := jwks.New(idCfg)
	if err != nil {
		return nil, err
	}
	store, err := cognitobridge.New(cognitobridge.Config{
		Client:       d.Cognito,
		UserPoolID:   c.UserPoolID,
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Proof:        proof,
		IDTokens:     idTokens,
		Logger:       log,
	})
	if err != nil {
		return nil, err
	}
	webhook, err := corbado.NewWebhookHandler(corbado.WebhookConfig{
		Username: c.WebhookUsername,
		Password: c.WebhookPassword,
		Users:    corbado.CognitoDirectory(store),
		Logger:   log,
	})
	if err != nil {
		return nil, err
	}
	tokens, err := corbado.NewAuthTokenClient(corbado.AuthTokenConfig{
		ProjectID:  c.CorbadoProjectID,
		APISecret:  c.CorbadoAPISecret,
		BaseURL:    c.CorbadoBackendAPI,
		HTTPClient: d.HTTPClient,
	})
	if err != nil {
		return nil, err
	}
	validate, err := corbado.NewAuthTokenHandler(corbado.AuthTokenHandlerConfig{Client: tokens, Store: store, Logger: log})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle("/api/corbado/webhook", webhook)
	mux.Handle("/api/corbado/authTokenValidate", validate)
	mux.Handle("/api/auth/logout", logoutHandler{store: store, log: log})
	mux.HandleFunc("/ping", ping)
	return cors(c.FrontendOrigin, mux), nil
}

// idTokenConfig checks the ID tokens the store hands out, as the seed's
// validateJWT did: against COGNITO_JWKS when set, else the pool's JWKS
// (under COGNITO_ENDPOINT when that points at an emulator).
func idTokenConfig(c config, client *http.Client) (jwks.Config, error) {
	jc, err := jwks.CognitoConfig(c.UserPoolID, "id", c.ClientID)
	if c.CognitoEndpoint != "" {
		local := c.CognitoEndpoint + "/" + c.UserPoolID
		if err != nil {
			// Not an AWS pool ID (cognito-local's local_…): only the
			// emulator's own issuer applies.
			jc, err = jwks.Config{Audiences: []string{c.ClientID}, TokenUse: "id"}, nil
		}
		// cognito-local names itself as issuer; cognitotest uses AWS's form.
		jc.Issuers = append(jc.Issuers, local)
		jc.JWKSURL = local + defaultCognitoJWKSPath
	}
	if len(c.CognitoJWKS) > 0 {
		jc.JWKSURL, jc.Keys = "", c.CognitoJWKS
	}
	jc.HTTPClient = client
	return jc, err
}

// maxLogoutBody caps the logout request: one access token.
const maxLogoutBody = 32 << 10

// logoutHandler is the seed's POST /api/auth/logout: {"token": accessToken}
// → Cognito GlobalSignOut.
type logoutHandler struct {
	store *cognitobridge.Store
	log   *slog.Logger
}

func (h logoutHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeMessage(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	var body struct {
		Token string `json:"token"`
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLogoutBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeMessage(w, http.StatusRequestEntityTooLarge, "request body too large")
		return
	case err != nil, json.Unmarshal(raw, &body) != nil:
		writeMessage(w, http.StatusBadRequest, "malformed request")
		return
	case body.Token == "":
		writeMessage(w, http.StatusBadRequest, "missing token")
		return
	}
	err = h.store.SignOut(r.Context(), body.Token)
	switch {
	case err == nil:
		writeMessage(w, http.StatusOK, "User logged out successfully")
	case errors.Is(err, cognitobridge.ErrNotAuthorized):
		h.log.InfoContext(r.Context(), "logout refused", "error", err)
		writeMessage(w, http.StatusUnauthorized, "invalid token")
	case errors.Is(err, cognitobridge.ErrUnavailable):
		h.log.WarnContext(r.Context(), "logout failed", "error", err)
		writeMessage(w, http.StatusServiceUnavailable, "service unavailable")
	default:
		h.log.ErrorContext(r.Context(), "logout failed", "error", err)
		writeMessage(w, http.StatusInternalServerError, "An error occurred")
	}
}

func ping(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeMessage(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "pong")
}

// writeMessage answers {"message": text}, as the seed's controllers did.
func writeMessage(w http.ResponseWriter, status int, text string) {
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{text})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// cors lets the front end at origin call the API from the browser, as the
// seed's app.use(cors()) did, but for that one origin instead of every
// origin. Preflights from other origins get 403 and no CORS headers.
func cors(origin string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		got := r.Header.Get("Origin")
		allowed := got != "" && got == origin
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
		}
		if r.Method == http.MethodOptions && got != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			if !allowed {
				writeMessage(w, http.StatusForbidden, "origin not allowed")
				return
			}
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
