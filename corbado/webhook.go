package corbado

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// The actions of Corbado's v1 webhooks, as sent in the X-Corbado-Action
// header and the body's "action".
const (
	ActionAuthMethods    = "authMethods"
	ActionPasswordVerify = "passwordVerify"
)

// DefaultMaxWebhookBody is the body cap when WebhookConfig.MaxBodyBytes is
// zero. Corbado's webhook bodies are a few hundred bytes.
const DefaultMaxWebhookBody = 64 << 10

// basicRealm is the challenge Corbado's own Go handler sends
// (corbado/webhook-go, pkg/standardhandler).
const basicRealm = `Basic realm="restricted", charset="UTF-8"`

// WebhookConfig configures the v1 webhook handler.
type WebhookConfig struct {
	// Username and Password are the webhook credentials set in Corbado's
	// developer panel; Corbado sends them as HTTP Basic auth. Required.
	Username, Password string
	// Users answers the webhooks; CognitoDirectory(store) for Cognito.
	// Required.
	Users UserDirectory
	// Logger receives one line per request that is not answered 200, and a
	// Debug line per answered webhook. Usernames appear only as
	// cognitobridge.UserRef pseudonyms; passwords and credentials never.
	// Nil discards.
	Logger *slog.Logger
	// MaxBodyBytes caps the request body; larger bodies get 413. Zero means
	// DefaultMaxWebhookBody.
	MaxBodyBytes int64
}

// NewWebhookHandler returns the http.Handler for Corbado's v1 webhooks.
//
// It answers, in this order: 405 with "Allow: POST" to any other method;
// 401 with WWW-Authenticate: Basic realm="restricted", charset="UTF-8"
// unless the Basic credentials match (both fields compared in constant
// time, through SHA-256 so their lengths do not leak either); 400 for a
// missing or unknown X-Corbado-Action, a body that is not a JSON object, a
// body "action" that differs from the header, or a missing username (or
// password for passwordVerify); 413 for a body over the cap; 500 with a
// fixed body when the UserDirectory fails (the cause goes to the Logger);
// otherwise 200 with Content-Type "application/json; charset=utf-8" and
// exactly
//
//	{"responseID":"","data":{"status":"exists"}}    // or not_exists, blocked
//	{"responseID":"","data":{"success":true}}       // or false
//
// Unknown body fields (older senders add requestID) are ignored; id and
// projectID are not required. Corbado treats every non-200 as a failed
// webhook and logs its body, so error bodies are fixed texts that never
// repeat the request.
func NewWebhookHandler(cfg WebhookConfig) (http.Handler, error) {
	var errs []error
	if cfg.Username == "" {
		errs = append(errs, errors.New("Username is empty"))
	}
	if cfg.Password == "" {
		errs = append(errs, errors.New("Password is empty"))
	}
	if cfg.Users == nil {
		errs = append(errs, errors.New("Users is nil"))
	}
	if cfg.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("MaxBodyBytes is negative"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("corbado: invalid webhook config: %w", errors.Join(errs...))
	}
	h := &webhookHandler{
		user:    sha256.Sum256([]byte(cfg.Username)),
		pass:    sha256.Sum256([]byte(cfg.Password)),
		users:   cfg.Users,
		log:     orDiscard(cfg.Logger),
		maxBody: cfg.MaxBodyBytes,
	}
	if h.maxBody == 0 {
		h.maxBody = DefaultMaxWebhookBody
	}
	return h, nil
}

type webhookHandler struct {
	user, pass [sha256.Size]byte
	users      UserDirectory
	log        *slog.Logger
	maxBody    int64
}

// webhookRequest is a parsed, checked webhook call.
type webhookRequest struct {
	Action    string
	ID        string
	ProjectID string
	Username  string
	Password  string // passwordVerify only
}

// webhookWire is the body as Corbado sends it (corbado/webhook-go testdata:
// {"id","projectID","action","data":{"username","password"}}).
type webhookWire struct {
	ID        string `json:"id"`
	ProjectID string `json:"projectID"`
	Action    string `json:"action"`
	Data      *struct {
		Username string  `json:"username"`
		Password *string `json:"password"`
	} `json:"data"`
}

type authMethodsResponse struct {
	ResponseID string `json:"responseID"`
	Data       struct {
		Status UserStatus `json:"status"`
	} `json:"data"`
}

type passwordVerifyResponse struct {
	ResponseID string `json:"responseID"`
	Data       struct {
		Success bool `json:"success"`
	} `json:"data"`
}

// badRequest is a 400 with a fixed reason, safe to send to Corbado.
type badRequest string

func (e badRequest) Error() string { return "corbado: bad webhook request: " + string(e) }

var errBodyTooLarge = errors.New("corbado: webhook body over the limit")

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.authorized(r) {
		h.log.LogAttrs(ctx, slog.LevelInfo, "corbado: webhook credentials rejected",
			slog.String("remote", r.RemoteAddr))
		w.Header().Set("WWW-Authenticate", basicRealm)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}

	req, err := parseWebhook(http.MaxBytesReader(w, r.Body, h.maxBody), r.Header.Get("X-Corbado-Action"))
	var bad badRequest
	switch {
	case errors.Is(err, errBodyTooLarge):
		h.log.LogAttrs(ctx, slog.LevelInfo, "corbado: webhook body too large", slog.Int64("limit", h.maxBody))
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	case errors.As(err, &bad):
		h.log.LogAttrs(ctx, slog.LevelInfo, "corbado: webhook request rejected", slog.String("reason", string(bad)))
		http.Error(w, "bad request: "+string(bad), http.StatusBadRequest)
		return
	case err != nil:
		// Reading the body failed: the client went away or the connection broke.
		h.log.LogAttrs(ctx, slog.LevelInfo, "corbado: reading webhook body failed", slog.String("error", err.Error()))
		http.Error(w, "bad request: unreadable body", http.StatusBadRequest)
		return
	}

	body, err := h.handle(ctx, req)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "corbado: webhook failed",
			slog.String("action", req.Action),
			slog.Any("user", userRef(req.Username)),
			slog.String("error", redact(err.Error(), req.Password)))
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// authorized compares both Basic auth fields in constant time. Hashing
// first makes the comparisons independent of the lengths presented.
func (h *webhookHandler) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pass))
	userOK := subtle.ConstantTimeCompare(u[:], h.user[:])
	passOK := subtle.ConstantTimeCompare(p[:], h.pass[:])
	return ok && userOK&passOK == 1
}

// parseWebhook reads and checks one webhook body; headerAction is the
// X-Corbado-Action header. Errors are badRequest, errBodyTooLarge, or a
// read error.
func parseWebhook(body io.Reader, headerAction string) (*webhookRequest, error) {
	switch headerAction {
	case ActionAuthMethods, ActionPasswordVerify:
	case "":
		return nil, badRequest("missing X-Corbado-Action header")
	default:
		return nil, badRequest("unknown action in X-Corbado-Action header")
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errBodyTooLarge
		}
		return nil, err
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, badRequest("empty body")
	}
	var wire webhookWire
	if err := json.Unmarshal(raw, &wire); err != nil {
		return nil, badRequest("body is not a valid webhook JSON object")
	}
	if wire.Action != headerAction {
		return nil, badRequest("body action differs from X-Corbado-Action header")
	}
	if wire.Data == nil || wire.Data.Username == "" {
		return nil, badRequest("missing data.username")
	}
	req := &webhookRequest{
		Action:    wire.Action,
		ID:        wire.ID,
		ProjectID: wire.ProjectID,
		Username:  wire.Data.Username,
	}
	if req.Action == ActionPasswordVerify {
		// Corbado's own handler refuses an empty password too; Cognito
		// would refuse it as a malformed request, not as a wrong password.
		if wire.Data.Password == nil || *wire.Data.Password == "" {
			return nil, badRequest("missing data.password")
		}
		req.Password = *wire.Data.Password
	}
	return req, nil
}

// handle answers a parsed webhook and returns the response body.
func (h *webhookHandler) handle(ctx context.Context, req *webhookRequest) ([]byte, error) {
	switch req.Action {
	case ActionAuthMethods:
		status, err := h.users.UserStatus(ctx, req.Username)
		if err != nil {
			return nil, err
		}
		if !status.valid() {
			return nil, fmt.Errorf("corbado: UserDirectory returned status %q, want exists, not_exists or blocked", status)
		}
		var resp authMethodsResponse
		resp.Data.Status = status
		h.log.LogAttrs(ctx, slog.LevelDebug, "corbado: webhook answered",
			slog.String("action", req.Action), slog.Any("user", userRef(req.Username)), slog.String("status", string(status)))
		return json.Marshal(resp)
	case ActionPasswordVerify:
		ok, err := h.users.VerifyPassword(ctx, req.Username, req.Password)
		if err != nil {
			return nil, err
		}
		var resp passwordVerifyResponse
		resp.Data.Success = ok
		h.log.LogAttrs(ctx, slog.LevelDebug, "corbado: webhook answered",
			slog.String("action", req.Action), slog.Any("user", userRef(req.Username)), slog.Bool("success", ok))
		return json.Marshal(resp)
	default:
		return nil, fmt.Errorf("corbado: unhandled action %q", req.Action)
	}
}

// redact removes secret from s: a UserDirectory of someone else's making
// might quote the password in an error, and the error is logged.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}

// userRef logs a username as cognitobridge.UserRef, hashed only when a
// handler writes the line.
type userRef string

func (u userRef) LogValue() slog.Value { return slog.StringValue(cognitobridge.UserRef(string(u))) }

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// writeJSON writes body with the content type Corbado's handlers use. The
// answers carry verdicts on passwords and sessions: nothing may cache them.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
