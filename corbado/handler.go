package corbado

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// SessionStore starts the Cognito session of a user the provider has
// verified, creating the user on the first login. *cognitobridge.Store
// satisfies it.
type SessionStore interface {
	Normalize(username string) (string, error)
	Login(ctx context.Context, username string, opts cognitobridge.CreateOptions) (*cognitobridge.Session, error)
}

// created is how this package's handlers create users: with
// email_verified=true, because Corbado proved the address itself (by a
// passkey registered after an emailed code, or an email OTP or link)
// before it issued the token these handlers accept.
var created = cognitobridge.CreateOptions{EmailVerified: true}

var _ SessionStore = (*cognitobridge.Store)(nil)

// AuthTokenHandlerConfig configures NewAuthTokenHandler.
type AuthTokenHandlerConfig struct {
	// Client validates the auth tokens. Required.
	Client *AuthTokenClient
	// Store signs the user in to Cognito. Required.
	Store SessionStore
	// Logger receives the cause of every answer other than 200. Nil
	// discards.
	Logger *slog.Logger
	// ClientIP returns the browser's address reported to Corbado as
	// clientInfo.remoteAddress. Default: the host of r.RemoteAddr. Behind a
	// proxy, return the address the proxy vouches for.
	ClientIP func(*http.Request) string
}

// AuthTokenQueryParameter is the query parameter the seed's front end
// puts the v1 auth token in.
const AuthTokenQueryParameter = "corbadoAuthToken"

// NewAuthTokenHandler returns the handler for the seed's
// GET /api/corbado/authTokenValidate?corbadoAuthToken=…: it validates the
// auth token with Corbado, signs its user in with Store.Login (creating
// the Cognito user on the first login) and answers 200 with the session
// JSON the seed's front end reads (cognitobridge.Session:
// {"email","cognitoUUID","name","expires","idToken","refreshToken",
// "accessToken"}; the front end keeps idToken).
//
// Other answers carry a fixed JSON body {"message": …}: 405 (Allow: GET)
// for other methods, 400 without a token, 401 for a token Corbado refuses,
// 403 for a disabled user, 503 when Corbado or Cognito is unavailable, 500
// for anything an operator must fix. The seed answered every failure 500
// with the error's message; this handler never echoes an error.
func NewAuthTokenHandler(cfg AuthTokenHandlerConfig) (http.Handler, error) {
	var errs []error
	if cfg.Client == nil {
		errs = append(errs, errors.New("Client is nil"))
	}
	if cfg.Store == nil {
		errs = append(errs, errors.New("Store is nil"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("corbado: invalid auth token handler config: %w", errors.Join(errs...))
	}
	clientIP := cfg.ClientIP
	if clientIP == nil {
		clientIP = remoteHost
	}
	return &authTokenHandler{client: cfg.Client, login: login{store: cfg.Store, log: orDiscard(cfg.Logger)}, clientIP: clientIP}, nil
}

type authTokenHandler struct {
	client   *AuthTokenClient
	login    login
	clientIP func(*http.Request) string
}

func (h *authTokenHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeMessage(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	token := r.URL.Query().Get(AuthTokenQueryParameter)
	if token == "" {
		writeMessage(w, http.StatusBadRequest, "missing "+AuthTokenQueryParameter)
		return
	}
	user, err := h.client.Validate(r.Context(), token, h.clientIP(r), r.UserAgent())
	if err != nil {
		h.login.fail(w, r, "corbado: auth token not accepted", "", err)
		return
	}
	h.login.serve(w, r, user.Username)
}

// SessionHandlerConfig configures NewSessionHandler.
type SessionHandlerConfig struct {
	// Sessions checks the v2 session tokens. Required.
	Sessions *SessionValidator
	// Store signs the user in to Cognito. Required.
	Store SessionStore
	// Logger receives the cause of every answer other than 200. Nil
	// discards.
	Logger *slog.Logger
}

// NewSessionHandler returns a handler that turns a Corbado v2 session into
// a Cognito session: it reads the session token from the request (see
// SessionToken), validates it, and calls Store.Login with the token's
// email address; 200 with the session JSON as NewAuthTokenHandler.
//
// Other answers carry a fixed JSON body {"message": …}: 405 (Allow: GET,
// POST) for other methods, 401 with WWW-Authenticate: Bearer without a
// valid token, 403 when the token names no email address or the user is
// disabled, 503 when Corbado's keys or Cognito are unavailable, 500 for
// anything an operator must fix.
func NewSessionHandler(cfg SessionHandlerConfig) (http.Handler, error) {
	var errs []error
	if cfg.Sessions == nil {
		errs = append(errs, errors.New("Sessions is nil"))
	}
	if cfg.Store == nil {
		errs = append(errs, errors.New("Store is nil"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("corbado: invalid session handler config: %w", errors.Join(errs...))
	}
	return &sessionHandler{sessions: cfg.Sessions, login: login{store: cfg.Store, log: orDiscard(cfg.Logger), bearer: true}}, nil
}

type sessionHandler struct {
	sessions *SessionValidator
	login    login
}

var errNoEmail = errors.New("corbado: session token names no email address")

func (h *sessionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeMessage(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	user, err := h.sessions.FromRequest(r)
	if err != nil {
		h.login.fail(w, r, "corbado: session token not accepted", "", err)
		return
	}
	if user.Email == "" {
		h.login.fail(w, r, "corbado: session token not usable", "", errNoEmail)
		return
	}
	h.login.serve(w, r, user.Email)
}

// login is the common tail of both handlers: Store.Login and the answer.
type login struct {
	store SessionStore
	log   *slog.Logger
	// bearer adds RFC 6750 challenges to 401s: the session handler reads
	// bearer tokens; the auth-token handler reads a query parameter.
	bearer bool
}

func (l login) serve(w http.ResponseWriter, r *http.Request, address string) {
	username, err := l.store.Normalize(address)
	if err != nil {
		l.fail(w, r, "corbado: token's address is no username", "", err)
		return
	}
	sess, err := l.store.Login(r.Context(), username, created)
	if err != nil {
		l.fail(w, r, "corbado: cognito login failed", username, err)
		return
	}
	body, err := json.Marshal(sess)
	if err != nil {
		l.fail(w, r, "corbado: encoding session failed", username, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// fail answers err with a fixed status and body and logs its cause. The
// texts of this package's, jwks' and cognitobridge's errors never contain
// tokens, secrets or passwords, so they are logged as they are.
func (l login) fail(w http.ResponseWriter, r *http.Request, msg, username string, err error) {
	status, text, level := classifyFailure(err)
	attrs := []slog.Attr{slog.Int("status", status), slog.String("error", err.Error())}
	if username != "" {
		attrs = append(attrs, slog.Any("user", userRef(username)))
	}
	l.log.LogAttrs(r.Context(), level, msg, attrs...)
	switch {
	case status != http.StatusUnauthorized || !l.bearer:
	case errors.Is(err, ErrNoToken):
		w.Header().Set("WWW-Authenticate", "Bearer")
	default:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	writeMessage(w, status, text)
}

func classifyFailure(err error) (status int, text string, level slog.Level) {
	switch {
	case errors.Is(err, ErrNoToken), errors.Is(err, ErrInvalidToken):
		return http.StatusUnauthorized, "invalid token", slog.LevelInfo
	case errors.Is(err, errNoEmail), errors.Is(err, cognitobridge.ErrInvalidUsername):
		return http.StatusForbidden, "no email address in session", slog.LevelInfo
	case errors.Is(err, cognitobridge.ErrUserDisabled):
		return http.StatusForbidden, "user disabled", slog.LevelInfo
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		return http.StatusServiceUnavailable, "service unavailable", slog.LevelDebug
	case errors.Is(err, ErrUnavailable), errors.Is(err, cognitobridge.ErrUnavailable),
		errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "service unavailable", slog.LevelWarn
	default:
		return http.StatusInternalServerError, "an error occurred", slog.LevelError
	}
}

// writeMessage writes {"message": text}, the shape of the seed's own
// error answers.
func writeMessage(w http.ResponseWriter, status int, text string) {
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{text})
	writeJSON(w, status, body)
}

// remoteHost is the host part of r.RemoteAddr.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
