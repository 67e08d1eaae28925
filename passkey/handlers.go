package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

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
//	email/start          {"email":…}                          → 202 {"proof":…, "expires":…}
//	email/verify         {"proof":…, "code":…} | {"link":…}   → {"session":{…}, "grant":…, "grantExpires":…, "recovery":…}
//	registration/begin   {"grant":…}                          → {"ceremony":…, "publicKey":{…}}
//	registration/finish  {"ceremony":…, "credential":{…}}     → {"session":{…}}
//	login/begin          {"username":…}                       → {"ceremony":…, "publicKey":{…}}
//	login/finish         {"ceremony":…, "credential":{…}}     → {"session":{…}, "grant":…, "grantExpires":…}
//	discoverable/begin   {}                                   → {"ceremony":…, "publicKey":{…}}
//	discoverable/finish  {"ceremony":…, "credential":{…}}     → {"session":{…}, "grant":…, "grantExpires":…}
//	password             {"username":…, "password":…}         → {"session":{…}, "grant":…, "grantExpires":…}
//	signout              Authorization: Bearer <access token> → 204
//	passkeys/list        Authorization: Bearer <ID token>     → {"passkeys":[…]}
//	passkeys/rename      Bearer <ID token>, {"id":…, "name":…} → 204
//	passkeys/delete      Bearer <ID token>, {"id":…}          → 204
//
// email/start answers the same for every address, and sets an HttpOnly,
// SameSite=Lax cookie (Secure unless LinkURL is on localhost) that binds
// the mail's link to this browser. The link opens Config.LinkURL with
// #link=<secret>; the page posts that secret as "link" to email/verify. A
// grant (from email/verify, login/finish, discoverable/finish, or password
// for an account without passkeys) is the only way into
// registration/begin. "grantExpires" and "expires" are Unix seconds; the
// password route leaves "grant" out for an account with passkeys.
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
// work is done. Every request counts against its client's budgets
// (Config.ClientKey).
func (rp *RelyingParty) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /email/start", rp.serveEmailStart)
	mux.HandleFunc("POST /email/verify", rp.serveEmailVerify)
	mux.HandleFunc("POST /registration/begin", rp.serveRegistrationBegin)
	mux.HandleFunc("POST /registration/finish", rp.serveRegistrationFinish)
	mux.HandleFunc("POST /login/begin", rp.serveLoginBegin)
	mux.HandleFunc("POST /login/finish", rp.serveLoginFinish("finish login", rp.FinishLogin))
	mux.HandleFunc("POST /discoverable/begin", rp.serveDiscoverableBegin)
	mux.HandleFunc("POST /discoverable/finish", rp.serveLoginFinish("finish discoverable login", rp.FinishDiscoverableLogin))
	mux.HandleFunc("POST /password", rp.servePassword)
	mux.HandleFunc("POST /signout", rp.serveSignOut)
	rp.mountManage(mux)

	cop := http.NewCrossOriginProtection()
	for _, o := range rp.origins {
		// Validated by New: scheme://host[:port].
		_ = cop.AddTrustedOrigin(o)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, errorBody{Error: "cross_origin", Message: "Cross-origin request refused."})
	}))
	inner := cop.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(WithClient(r.Context(), rp.clientKey(r))))
	})
}

// BrowserCookie is the cookie that binds a magic link to the browser that
// asked for it: a random secret, of which the proof keeps a keyed hash.
const BrowserCookie = "passkey_browser"

// Wire formats of the requests. Unknown fields are refused.
type (
	emailStartRequest struct {
		Email string `json:"email"`
	}
	emailVerifyRequest struct {
		Proof string `json:"proof"`
		Code  string `json:"code"`
		Link  string `json:"link"`
	}
	registrationBeginRequest struct {
		Grant string `json:"grant"`
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
	signOutRequest struct{}
)

// Wire formats of the answers.
type (
	emailStartResponse struct {
		Proof   string `json:"proof"`
		Expires int64  `json:"expires"` // Unix seconds
	}
	signInResponse struct {
		Session      *cognitobridge.Session `json:"session"`
		Grant        string                 `json:"grant,omitempty"`
		GrantExpires int64                  `json:"grantExpires,omitempty"` // Unix seconds
		Recovery     bool                   `json:"recovery,omitempty"`
	}
	sessionResponse struct {
		Session *cognitobridge.Session `json:"session"`
	}
)

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func signInBody(res *SignIn) signInResponse {
	out := signInResponse{Session: res.Session, Grant: res.Grant, Recovery: res.Recovery}
	if res.Grant != "" {
		out.GrantExpires = res.GrantExpires.Unix()
	}
	return out
}

func (rp *RelyingParty) serveEmailStart(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeRequest[emailStartRequest](rp, w, r, "start email proof")
	if !ok {
		return
	}
	browser := browserCookie(r)
	if browser == "" {
		var err error
		if browser, err = newID(); err != nil {
			rp.respond(w, nil, rp.failed(r.Context(), "start email proof", "", err))
			return
		}
	}
	p, err := rp.StartEmailProof(r.Context(), in.Email, browser)
	if err != nil {
		rp.respond(w, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     BrowserCookie,
		Value:    browser,
		Path:     "/",
		MaxAge:   int(rp.proofTimeout / time.Second),
		HttpOnly: true,
		Secure:   rp.secureCookie,
		SameSite: http.SameSiteLaxMode,
	})
	writeJSON(w, http.StatusAccepted, emailStartResponse{Proof: p.Proof, Expires: p.Expires.Unix()})
}

// browserCookie returns the binding secret the browser holds, "" when it
// holds none that this package could have made.
func browserCookie(r *http.Request) string {
	c, err := r.Cookie(BrowserCookie)
	if err != nil || len(c.Value) != base64.RawURLEncoding.EncodedLen(idSize) {
		return ""
	}
	if _, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil {
		return ""
	}
	return c.Value
}

func (rp *RelyingParty) serveEmailVerify(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeRequest[emailVerifyRequest](rp, w, r, "verify email proof")
	if !ok {
		return
	}
	res, err := rp.VerifyEmailProof(r.Context(), ProofAnswer{Proof: in.Proof, Code: in.Code, Link: in.Link, Browser: browserCookie(r)})
	rp.respondSignIn(w, res, err)
}

func (rp *RelyingParty) serveRegistrationBegin(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeRequest[registrationBeginRequest](rp, w, r, "begin registration")
	if !ok {
		return
	}
	out, err := rp.BeginRegistration(r.Context(), in.Grant)
	rp.respond(w, out, err)
}

func (rp *RelyingParty) serveRegistrationFinish(w http.ResponseWriter, r *http.Request) {
	const op = "finish registration"
	in, ok := decodeFinish(rp, w, r, op)
	if !ok {
		return
	}
	sess, err := rp.FinishRegistration(r.Context(), in.Ceremony, in.Credential)
	if err != nil {
		rp.respond(w, nil, err)
		return
	}
	rp.respond(w, sessionResponse{Session: sess}, nil)
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

func (rp *RelyingParty) serveLoginFinish(op string, finish func(ctx context.Context, ceremonyID string, credential []byte) (*SignIn, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, ok := decodeFinish(rp, w, r, op)
		if !ok {
			return
		}
		res, err := finish(r.Context(), in.Ceremony, in.Credential)
		rp.respondSignIn(w, res, err)
	}
}

// decodeFinish decodes a finish request, which needs both members.
func decodeFinish(rp *RelyingParty, w http.ResponseWriter, r *http.Request, op string) (finishRequest, bool) {
	in, ok := decodeRequest[finishRequest](rp, w, r, op)
	if ok && (in.Ceremony == "" || len(in.Credential) == 0) {
		rp.fail(w, r, op, fmt.Errorf("%w: ceremony or credential missing", ErrInvalidRequest))
		return in, false
	}
	return in, ok
}

func (rp *RelyingParty) servePassword(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeRequest[passwordRequest](rp, w, r, "password sign-in")
	if !ok {
		return
	}
	res, err := rp.SignInWithPassword(r.Context(), in.Username, in.Password)
	rp.respondSignIn(w, res, err)
}

func (rp *RelyingParty) serveSignOut(w http.ResponseWriter, r *http.Request) {
	const op = "sign out"
	if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
		// A body is optional; one that comes along must be JSON ({}).
		if _, ok := decodeRequest[signOutRequest](rp, w, r, op); !ok {
			return
		}
	}
	token, ok := rp.requireBearer(w, r, op, "access token")
	if !ok {
		return
	}
	rp.respondNoContent(w, rp.SignOut(r.Context(), token))
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

// respondSignIn writes a sign-in's answer, or err's fixed answer.
func (rp *RelyingParty) respondSignIn(w http.ResponseWriter, res *SignIn, err error) {
	if err != nil {
		rp.respond(w, nil, err)
		return
	}
	rp.respond(w, signInBody(res), nil)
}

// respondNoContent writes 204 for a call that succeeded, or err's fixed
// answer.
func (rp *RelyingParty) respondNoContent(w http.ResponseWriter, err error) {
	if err != nil {
		rp.respond(w, nil, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// fail logs err, which the handler found itself, and writes its answer.
func (rp *RelyingParty) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	rp.respond(w, nil, rp.failed(r.Context(), op, "", err))
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

// requireBearer returns the request's bearer token (a Cognito token of
// the kind named by what), or writes the ErrNotAuthorized answer when
// there is none.
func (rp *RelyingParty) requireBearer(w http.ResponseWriter, r *http.Request, op, what string) (string, bool) {
	token, err := bearerToken(r.Header.Get("Authorization"))
	if err == nil && token == "" {
		err = fmt.Errorf("%w: Authorization: Bearer <%s> missing", ErrNotAuthorized, what)
	}
	if err != nil {
		rp.fail(w, r, op, err)
		return "", false
	}
	return token, true
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
