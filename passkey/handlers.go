package passkey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// MaxBodyBytes caps every request body. A registration response with a
// "none" attestation is under 2 KiB; attestation certificate chains and
// extensions stay well below this.
const MaxBodyBytes = 64 << 10

// Handler returns the relying party's JSON API. Mount it under a prefix of
// your choice with http.StripPrefix:
//
//	mux.Handle("/passkey/", http.StripPrefix("/passkey", rp.Handler()))
//
// Routes (all POST, Content-Type application/json):
//
//	registration/begin   {"username":…, "grant":…}            → {"ceremony":…, "publicKey":{…}}
//	                     optional "Authorization: Bearer <Cognito ID token>"
//	registration/finish  {"ceremony":…, "credential":{…}}     → the Cognito session
//	login/begin          {"username":…}                       → {"ceremony":…, "publicKey":{…}}
//	login/finish         {"ceremony":…, "credential":{…}}     → the Cognito session
//	discoverable/begin   {}                                   → {"ceremony":…, "publicKey":{…}}
//	discoverable/finish  {"ceremony":…, "credential":{…}}     → the Cognito session
//	password             {"username":…, "password":…}         → {"grant":…, "grantExpires":…, "session":{…}}
//
// "publicKey" goes to PublicKeyCredential.parseCreationOptionsFromJSON or
// parseRequestOptionsFromJSON; "credential" is credential.toJSON(). The
// session is cognitobridge.Session's JSON (email, cognitoUUID, name,
// expires, idToken, refreshToken, accessToken).
//
// Errors are a fixed body, {"error":"<code>","message":"<text>"}, with the
// status of the sentinel (see the package documentation); the cause goes
// to Config.Logger. Bodies over MaxBodyBytes, other content types, unknown
// JSON fields and cross-origin browser requests from origins not in
// Config.RPOrigins (http.CrossOriginProtection) are refused before any
// work is done.
func (rp *RelyingParty) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /registration/begin", rp.serveRegistrationBegin)
	mux.HandleFunc("POST /registration/finish", rp.serveFinish("finish registration", rp.FinishRegistration))
	mux.HandleFunc("POST /login/begin", rp.serveLoginBegin)
	mux.HandleFunc("POST /login/finish", rp.serveFinish("finish login", rp.FinishLogin))
	mux.HandleFunc("POST /discoverable/begin", rp.serveDiscoverableBegin)
	mux.HandleFunc("POST /discoverable/finish", rp.serveFinish("finish discoverable login", rp.FinishDiscoverableLogin))
	mux.HandleFunc("POST /password", rp.servePassword)

	cop := http.NewCrossOriginProtection()
	for _, o := range rp.origins {
		// Validated by New: scheme://host[:port].
		_ = cop.AddTrustedOrigin(o)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, errorBody{Error: "cross_origin", Message: "Cross-origin request refused."})
	}))
	return cop.Handler(mux)
}

// Wire formats of the requests. Unknown fields are refused.
type (
	registrationBeginRequest struct {
		Username string `json:"username"`
		Grant    string `json:"grant"`
	}
	loginBeginRequest struct {
		Username string `json:"username"`
	}
	discoverableBeginRequest struct{}
	finishRequest            struct {
		Ceremony   string          `json:"ceremony"`
		Credential json.RawMessage `json:"credential"`
	}
	passwordRequest struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
)

type passwordResponse struct {
	Grant        string `json:"grant"`
	GrantExpires int64  `json:"grantExpires"` // Unix seconds
	Session      any    `json:"session"`
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func (rp *RelyingParty) serveRegistrationBegin(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeRequest[registrationBeginRequest](rp, w, r, "begin registration")
	if !ok {
		return
	}
	idToken, err := bearerToken(r.Header.Get("Authorization"))
	if err != nil {
		rp.fail(w, r, "begin registration", err)
		return
	}
	out, err := rp.BeginRegistration(r.Context(), RegistrationRequest{Username: in.Username, Grant: in.Grant, IDToken: idToken})
	rp.respond(w, out, err)
}

func (rp *RelyingParty) serveLoginBegin(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeRequest[loginBeginRequest](rp, w, r, "begin login")
	if !ok {
		return
	}
	out, err := rp.BeginLogin(r.Context(), in.Username)
	rp.respond(w, out, err)
}

func (rp *RelyingParty) serveDiscoverableBegin(w http.ResponseWriter, r *http.Request) {
	if _, ok := decodeRequest[discoverableBeginRequest](rp, w, r, "begin discoverable login"); !ok {
		return
	}
	out, err := rp.BeginDiscoverableLogin(r.Context())
	rp.respond(w, out, err)
}

func (rp *RelyingParty) serveFinish(op string, finish func(ctx context.Context, ceremonyID string, credential []byte) (*cognitobridge.Session, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, ok := decodeRequest[finishRequest](rp, w, r, op)
		if !ok {
			return
		}
		if in.Ceremony == "" || len(in.Credential) == 0 {
			rp.fail(w, r, op, fmt.Errorf("%w: ceremony or credential missing", ErrInvalidRequest))
			return
		}
		sess, err := finish(r.Context(), in.Ceremony, in.Credential)
		rp.respond(w, sess, err)
	}
}

func (rp *RelyingParty) servePassword(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeRequest[passwordRequest](rp, w, r, "password sign-in")
	if !ok {
		return
	}
	res, err := rp.SignInWithPassword(r.Context(), in.Username, in.Password)
	if err != nil {
		rp.respond(w, nil, err)
		return
	}
	rp.respond(w, passwordResponse{Grant: res.Grant, GrantExpires: res.GrantExpires.Unix(), Session: res.Session}, nil)
}

// respond writes out as JSON, or err's fixed answer. The RelyingParty
// methods have logged err already.
func (rp *RelyingParty) respond(w http.ResponseWriter, out any, err error) {
	if err != nil {
		pe := publicErrorFor(err)
		writeJSON(w, pe.status, errorBody{Error: pe.code, Message: pe.message})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// fail logs err, which the handler found itself, and writes its answer.
func (rp *RelyingParty) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	rp.logFailure(r.Context(), op, "", err)
	rp.respond(w, nil, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal","message":"Something went wrong."}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// Options, sessions and grants are single-use secrets; no cache keeps them.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// decodeRequest checks the content type and decodes the capped body into a
// T, or writes the error and returns false.
func decodeRequest[T any](rp *RelyingParty, w http.ResponseWriter, r *http.Request, op string) (T, bool) {
	var zero T
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		// Requiring JSON also keeps HTML forms of other sites out: they
		// cannot send it without a CORS preflight.
		rp.logFailure(r.Context(), op, "", fmt.Errorf("%w: content type %q", ErrInvalidRequest, r.Header.Get("Content-Type")))
		writeJSON(w, http.StatusUnsupportedMediaType, errorBody{Error: "unsupported_media_type", Message: "Send application/json."})
		return zero, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			rp.logFailure(r.Context(), op, "", fmt.Errorf("%w: body over %d bytes", ErrInvalidRequest, MaxBodyBytes))
			writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: "too_large", Message: "The request is too large."})
			return zero, false
		}
		rp.fail(w, r, op, fmt.Errorf("%w: reading body: %w", ErrInvalidRequest, err))
		return zero, false
	}
	v, err := parseJSON[T](body)
	if err != nil {
		rp.fail(w, r, op, err)
		return zero, false
	}
	return v, true
}

// parseJSON decodes exactly one JSON object into a T, refusing unknown
// fields and trailing data. An empty body is an empty object.
func parseJSON[T any](body []byte) (T, error) {
	var v T
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("%w: %w", ErrInvalidRequest, jsonError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, fmt.Errorf("%w: data after the JSON object", ErrInvalidRequest)
	}
	return v, nil
}

// jsonError keeps what is safe to log of a decoding error: its kind and
// position or field, never the offending value (a password, say).
func jsonError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeError *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("malformed JSON at offset %d", syntax.Offset)
	case errors.As(err, &typeError):
		return fmt.Errorf("field %q has the wrong type", typeError.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errors.New(err.Error()) // names the field, not its value
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("truncated JSON")
	}
	return errors.New("undecodable JSON")
}

// bearerToken returns the token of an "Authorization: Bearer" header, ""
// when there is no header.
func bearerToken(h string) (string, error) {
	if h == "" {
		return "", nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", fmt.Errorf("%w: Authorization is not a bearer token", ErrNotAuthorized)
	}
	return token, nil
}
