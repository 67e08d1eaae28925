package attack

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// audit records what the suites produce, every log line (raw, unescaped)
// and every error text, and what must never appear in it: secrets (proof
// keys, passwords, tokens, nonces, Cognito session strings, SECRET_HASHes,
// challenge answers) and, in log lines only, usernames (email addresses the
// library promises to log as pseudonyms).
//
// Each test has its own audit, checked when the test ends; TestMain checks
// the union of all of them again, so a secret of one suite found in the
// output of another also fails the run.
type audit struct {
	mu       sync.Mutex
	logs     strings.Builder
	lines    int
	errs     []string
	secrets  map[string]string // value → what it is
	personal map[string]bool
}

func newAuditOnly() *audit {
	return &audit{secrets: map[string]string{}, personal: map[string]bool{}}
}

// suites is the union of every test's audit.
var suites = newAuditOnly()

// newAudit returns the test's audit; it fails the test when the test's
// output holds one of its secrets.
func newAudit(t testing.TB) *audit {
	a := newAuditOnly()
	t.Cleanup(func() {
		for _, leak := range a.leaks() {
			t.Errorf("leak: %s", leak)
		}
		suites.merge(a)
	})
	return a
}

// minSecretLen keeps short values (which would match by chance) out.
const minSecretLen = 8

func (a *audit) secret(what string, values ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range values {
		if len(v) >= minSecretLen {
			a.secrets[v] = what
		}
	}
}

// secretKey registers a binary key raw and in every text form a careless
// log line might carry it.
func (a *audit) secretKey(what string, key []byte) {
	a.secret(what+" (raw)", string(key))
	a.secret(what+" (base64)", base64.StdEncoding.EncodeToString(key), base64.RawStdEncoding.EncodeToString(key))
	a.secret(what+" (base64url)", base64.URLEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key))
	a.secret(what+" (hex)", hex.EncodeToString(key))
}

// username registers a username that must not be logged (errors may name it).
func (a *audit) username(names ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range names {
		if len(n) >= minSecretLen {
			a.personal[n] = true
		}
	}
}

// err records the text of err, if any, and returns err.
func (a *audit) err(err error) error {
	if err != nil {
		a.mu.Lock()
		a.errs = append(a.errs, err.Error())
		a.mu.Unlock()
	}
	return err
}

func (a *audit) addLog(line string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.logs.WriteString(line)
	a.lines++
}

func (a *audit) merge(b *audit) {
	b.mu.Lock()
	logs, lines, errs := b.logs.String(), b.lines, b.errs
	secrets, personal := b.secrets, b.personal
	b.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.logs.WriteString(logs)
	a.lines += lines
	a.errs = append(a.errs, errs...)
	for k, v := range secrets {
		a.secrets[k] = v
	}
	for k := range personal {
		a.personal[k] = true
	}
}

// counts reports the size of what was audited, for the figures.
func (a *audit) counts() (lines, errs, secrets int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lines, len(a.errs), len(a.secrets)
}

// leaks lists every secret found in a log line or an error text, and every
// username found in a log line, naming the secret by what it is and its
// first characters only.
func (a *audit) leaks() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	logs := a.logs.String()
	errs := strings.Join(a.errs, "\n")
	var out []string
	report := func(where string, found map[string]string) {
		for v, what := range found {
			out = append(out, fmt.Sprintf("%s %q… in %s", what, truncate(v, 6), where))
		}
	}
	secrets := newMatcher(a.secrets)
	report("a log line", secrets.find(logs))
	report("an error text", secrets.find(errs))
	names := map[string]string{}
	for n := range a.personal {
		names[n] = "username"
	}
	report("a log line", newMatcher(names).find(logs))
	return out
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// matcher finds many secrets in a long text in one pass: candidates are
// looked up by their first minSecretLen bytes at every offset.
type matcher struct {
	byPrefix map[string][]string
	what     map[string]string
}

func newMatcher(values map[string]string) *matcher {
	m := &matcher{byPrefix: map[string][]string{}, what: values}
	for v := range values {
		p := v[:minSecretLen]
		m.byPrefix[p] = append(m.byPrefix[p], v)
	}
	return m
}

func (m *matcher) find(text string) map[string]string {
	found := map[string]string{}
	for i := 0; i+minSecretLen <= len(text); i++ {
		for _, v := range m.byPrefix[text[i:i+minSecretLen]] {
			if strings.HasPrefix(text[i:], v) {
				found[v] = m.what[v]
			}
		}
	}
	return found
}

// logger returns a logger that records every line, at every level, with
// attribute values written raw: a JSON handler would escape <, > and &,
// and so hide a password that contains them.
func (a *audit) logger() *slog.Logger {
	return slog.New(&rawHandler{a: a})
}

type rawHandler struct {
	a     *audit
	attrs []slog.Attr
}

func (h *rawHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *rawHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String())
	b.WriteByte(' ')
	b.WriteString(r.Message)
	for _, at := range h.attrs {
		appendAttr(&b, at)
	}
	r.Attrs(func(at slog.Attr) bool {
		appendAttr(&b, at)
		return true
	})
	b.WriteByte('\n')
	h.a.addLog(b.String())
	return nil
}

func appendAttr(b *strings.Builder, at slog.Attr) {
	v := at.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			appendAttr(b, g)
		}
		return
	}
	b.WriteByte(' ')
	b.WriteString(at.Key)
	b.WriteByte('=')
	b.WriteString(v.String())
}

func (h *rawHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &rawHandler{a: h.a, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *rawHandler) WithGroup(string) slog.Handler { return h }

// cognito wraps the store's SDK client: every password, SECRET_HASH,
// challenge answer, nonce, session string and token that crosses it is
// registered as a secret.
func (a *audit) cognito(next cognitobridge.CognitoAPI) cognitobridge.CognitoAPI {
	return &spyAPI{next: next, a: a}
}

type spyAPI struct {
	next cognitobridge.CognitoAPI
	a    *audit
}

var _ cognitobridge.CognitoAPI = (*spyAPI)(nil)

func (s *spyAPI) params(m map[string]string) {
	for k, v := range m {
		if k != "USERNAME" {
			s.a.secret("auth parameter "+k, v)
		}
	}
}

func (s *spyAPI) result(sess *string, challenge map[string]string, r *types.AuthenticationResultType) {
	if sess != nil {
		s.a.secret("cognito session string", *sess)
	}
	for k, v := range challenge {
		if k != "USERNAME" {
			s.a.secret("challenge parameter "+k, v)
		}
	}
	if r != nil {
		for _, tok := range []*string{r.IdToken, r.AccessToken, r.RefreshToken} {
			if tok != nil {
				s.a.secret("token", *tok)
			}
		}
	}
}

func (s *spyAPI) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	return s.next.AdminGetUser(ctx, in, o...)
}

func (s *spyAPI) AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, o ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	return s.next.AdminUserGlobalSignOut(ctx, in, o...)
}

func (s *spyAPI) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, o ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	if in.TemporaryPassword != nil {
		s.a.secret("temporary password", *in.TemporaryPassword)
	}
	return s.next.AdminCreateUser(ctx, in, o...)
}

func (s *spyAPI) AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, o ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	if in.Password != nil {
		s.a.secret("password set by the store", *in.Password)
	}
	return s.next.AdminSetUserPassword(ctx, in, o...)
}

func (s *spyAPI) AdminInitiateAuth(ctx context.Context, in *cip.AdminInitiateAuthInput, o ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error) {
	s.params(in.AuthParameters)
	out, err := s.next.AdminInitiateAuth(ctx, in, o...)
	if out != nil {
		s.result(out.Session, out.ChallengeParameters, out.AuthenticationResult)
	}
	return out, err
}

func (s *spyAPI) AdminRespondToAuthChallenge(ctx context.Context, in *cip.AdminRespondToAuthChallengeInput, o ...func(*cip.Options)) (*cip.AdminRespondToAuthChallengeOutput, error) {
	s.params(in.ChallengeResponses)
	if in.Session != nil {
		s.a.secret("cognito session string", *in.Session)
	}
	out, err := s.next.AdminRespondToAuthChallenge(ctx, in, o...)
	if out != nil {
		s.result(out.Session, out.ChallengeParameters, out.AuthenticationResult)
	}
	return out, err
}

func (s *spyAPI) InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, o ...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	s.params(in.AuthParameters)
	out, err := s.next.InitiateAuth(ctx, in, o...)
	if out != nil {
		s.result(out.Session, out.ChallengeParameters, out.AuthenticationResult)
	}
	return out, err
}

func (s *spyAPI) GetTokensFromRefreshToken(ctx context.Context, in *cip.GetTokensFromRefreshTokenInput, o ...func(*cip.Options)) (*cip.GetTokensFromRefreshTokenOutput, error) {
	if in.RefreshToken != nil {
		s.a.secret("token", *in.RefreshToken)
	}
	out, err := s.next.GetTokensFromRefreshToken(ctx, in, o...)
	if out != nil {
		s.result(nil, nil, out.AuthenticationResult)
	}
	return out, err
}

func (s *spyAPI) GlobalSignOut(ctx context.Context, in *cip.GlobalSignOutInput, o ...func(*cip.Options)) (*cip.GlobalSignOutOutput, error) {
	if in.AccessToken != nil {
		s.a.secret("token", *in.AccessToken)
	}
	return s.next.GlobalSignOut(ctx, in, o...)
}

// lambda wraps the CUSTOM_AUTH triggers: the private challenge parameters
// and answers they see are secrets, and their errors (which Cognito and
// CloudWatch get) are recorded.
func (a *audit) lambda(next cognitotest.Lambda) cognitotest.Lambda {
	return &spyLambda{next: next, a: a}
}

type spyLambda struct {
	next cognitotest.Lambda
	a    *audit
}

type triggerParts struct {
	Request struct {
		Private map[string]string `json:"privateChallengeParameters"`
		Answer  any               `json:"challengeAnswer"`
	} `json:"request"`
	Response struct {
		Public  map[string]string `json:"publicChallengeParameters"`
		Private map[string]string `json:"privateChallengeParameters"`
	} `json:"response"`
}

func (s *spyLambda) record(raw []byte) {
	var p triggerParts
	if json.Unmarshal(raw, &p) != nil {
		return
	}
	for _, m := range []map[string]string{p.Request.Private, p.Response.Private, p.Response.Public} {
		for _, v := range m {
			s.a.secret("private challenge parameter", v)
		}
	}
	if answer, ok := p.Request.Answer.(string); ok {
		s.a.secret("challenge answer", answer)
	}
}

func (s *spyLambda) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	s.record(event)
	out, err := s.next.Handle(ctx, event)
	s.a.err(err)
	if out != nil {
		if raw, merr := json.Marshal(out); merr == nil {
			s.record(raw)
		}
	}
	return out, err
}
