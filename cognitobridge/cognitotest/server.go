package cognitotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/passkeybridge/bridge/challenge"
)

// The app client auth flows Config.ExplicitAuthFlows may list.
const (
	AllowCustomAuth            = "ALLOW_CUSTOM_AUTH"
	AllowUserPasswordAuth      = "ALLOW_USER_PASSWORD_AUTH"
	AllowAdminUserPasswordAuth = "ALLOW_ADMIN_USER_PASSWORD_AUTH"
	AllowRefreshTokenAuth      = "ALLOW_REFRESH_TOKEN_AUTH"
	AllowUserSRPAuth           = "ALLOW_USER_SRP_AUTH"
	AllowUserAuth              = "ALLOW_USER_AUTH"
)

// Defaults, as Cognito has them for a new app client and user pool.
const (
	DefaultRegion               = "us-east-1"
	DefaultAuthSessionValidity  = 3 * time.Minute
	DefaultIDTokenValidity      = time.Hour
	DefaultAccessTokenValidity  = time.Hour
	DefaultRefreshTokenValidity = 30 * 24 * time.Hour
)

// Config describes the one user pool and the one app client a Server
// emulates. The zero value is a pool like the bridge's: no client secret,
// user existence errors not prevented, the custom attribute
// "custom:createdByCorbado", the four flows the bridge uses, no CUSTOM_AUTH
// triggers, case-sensitive plain usernames, and Cognito's defaults for
// everything else (see DescribeUserPool and DescribeUserPoolClient).
type Config struct {
	// Triggers serves the Define, Create and Verify auth challenge
	// triggers, usually a *challenge.Handler; the pool's LambdaConfig then
	// names DefaultTriggerARN for all three. CUSTOM_AUTH runs Triggers
	// while the LambdaConfig names a function (any) for each of the three:
	// an UpdateUserPool that drops them turns it off, as in Cognito, and
	// one that names them again turns it back on. (To start with a pool
	// that has Triggers but no custom-auth triggers configured, send
	// LegacyPool(…, "") first.) Nil: CUSTOM_AUTH always fails, as on a
	// pool without triggers.
	Triggers Lambda

	// ClientSecret gives the app client a secret; then every auth call must
	// carry SECRET_HASH.
	ClientSecret bool

	// PreventUserExistenceErrors is the app client's setting ENABLED:
	// unknown users get the wrong-password error, and CUSTOM_AUTH runs the
	// triggers with userNotFound set.
	PreventUserExistenceErrors bool

	// CaseSensitive is the pool's UsernameConfiguration.CaseSensitive. Nil
	// means true, the default of the API and CloudFormation (the console's
	// is false). When false, usernames and aliases match whatever their
	// case; a user keeps the case it was created with.
	CaseSensitive *bool

	// UsernameAttributes makes the pool sign users in with "email" and/or
	// "phone_number" instead of a username: AdminCreateUser takes the
	// address as Username, stores it as that attribute, and names the user
	// with a UUID equal to its sub. Admin calls and sign-in accept the
	// address or the UUID; trigger events and ChallengeParameters.USERNAME
	// carry the UUID.
	UsernameAttributes []string

	// AliasAttributes lets users sign in with a verified "email" (or
	// "phone_number", "preferred_username") besides their username.
	// AdminCreateUser then refuses a username of email format. It cannot be
	// combined with UsernameAttributes.
	AliasAttributes []string

	// Region is the pool's region; default "us-east-1".
	Region string

	// UpdatedIssuer gives the pool the newer issuer form
	// (IssuerConfiguration UPDATED): tokens' iss is
	// "https://issuer-cognito-idp.<Region>.amazonaws.com/<pool ID>".
	UpdatedIssuer bool

	// ReplicaRegion makes the Server answer as the pool's Multi-Region
	// replica in that region. With the original issuer form its tokens' iss
	// names the replica's region, not the pool's (aws-jwt-verify#282/#285);
	// with UpdatedIssuer it names the pool's. The pool ID keeps Region.
	ReplicaRegion string

	// CustomAttributes declares the pool's custom attributes, without the
	// "custom:" prefix. Nil means {"createdByCorbado"}; an empty non-nil
	// slice declares none.
	CustomAttributes []string

	// ExplicitAuthFlows lists the ALLOW_* flows the app client permits.
	// Empty means ALLOW_CUSTOM_AUTH, ALLOW_USER_PASSWORD_AUTH,
	// ALLOW_ADMIN_USER_PASSWORD_AUTH and ALLOW_REFRESH_TOKEN_AUTH.
	ExplicitAuthFlows []string

	// AuthSessionValidity bounds the time to answer each challenge;
	// Cognito allows 3 to 15 minutes. Zero means 3 minutes.
	AuthSessionValidity time.Duration

	// Token lifetimes. Zero means one hour for ID and access tokens and 30
	// days for refresh tokens. Cognito allows 5 minutes to 1 day for ID and
	// access tokens and 1 hour to 10 years for refresh tokens.
	IDTokenValidity      time.Duration
	AccessTokenValidity  time.Duration
	RefreshTokenValidity time.Duration

	// PasswordPolicy is the pool's password policy; nil means Cognito's
	// default (8 characters with upper case, lower case, a digit and a
	// symbol).
	PasswordPolicy *PasswordPolicy

	// ReadAttributes and WriteAttributes are the app client's attribute
	// permissions. Empty means Cognito's default: read every standard
	// attribute (email_verified and phone_number_verified included), write
	// every standard attribute but those two; custom attributes only when
	// listed. ID tokens carry readable attributes only; UpdateUserAttributes
	// refuses writes outside the writable ones. Admin calls are not bound
	// by either.
	ReadAttributes  []string
	WriteAttributes []string

	// RefreshTokenRotation turns on the app client's refresh-token
	// rotation: REFRESH_TOKEN_AUTH is refused, GetTokensFromRefreshToken
	// returns a new refresh token and the old one stops working after
	// RefreshTokenGracePeriod (whole seconds, 0 to 60 s).
	RefreshTokenRotation    bool
	RefreshTokenGracePeriod time.Duration

	// SigningKey signs the tokens; nil makes a fresh RSA-2048 key. Sharing
	// one key between servers saves the key generation in tests.
	SigningKey *rsa.PrivateKey

	// FaultSeed seeds the random choices of FailFraction, so a test run can
	// be repeated. The same seed gives the same sequence of choices.
	FaultSeed uint64

	// Now is the clock for sessions, tokens and user timestamps; nil means
	// time.Now.
	Now func() time.Time
}

// PasswordPolicy is a user pool's password policy.
type PasswordPolicy struct {
	MinimumLength    int // 6 to 99; zero means 8
	RequireUppercase bool
	RequireLowercase bool
	RequireNumbers   bool
	RequireSymbols   bool
	// HistorySize is how many earlier passwords of a user a new one must
	// differ from (0 to 24; 0 means no history check).
	HistorySize int
}

// DefaultPasswordPolicy returns the policy of a new Cognito user pool: 8
// characters with upper case, lower case, a digit and a symbol.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{
		MinimumLength:    8,
		RequireUppercase: true,
		RequireLowercase: true,
		RequireNumbers:   true,
		RequireSymbols:   true,
	}
}

// Server is an in-process Cognito user pool with one app client, serving
// the Cognito Identity Provider API (AWS JSON 1.1) and the pool's JWKS over
// HTTP on 127.0.0.1. It is safe for concurrent use.
type Server struct {
	ts *httptest.Server

	poolID, clientID, clientSecret string
	region, issuer                 string
	triggers                       Lambda
	now                            func() time.Time
	signer                         *signer

	// settings holds the pool's and the client's settings; see settings.
	settings atomic.Pointer[settings]

	// observe, when set (by tests of this package), sees every trigger
	// event as it goes to the handler.
	observe atomic.Pointer[func(trigger string, event []byte)]

	done      chan struct{} // closed by Close; ends injected latency
	closeOnce sync.Once

	faults faults
	calls  calls

	mu    sync.Mutex // guards state
	state state
}

// Lambda is the one function behind the CUSTOM_AUTH triggers, with the
// signature of challenge.Handler.Handle: it gets each event as the JSON
// Cognito sends and returns the event with its response. Any other
// implementation (a test double, your own trigger code) can stand in.
type Lambda interface {
	Handle(ctx context.Context, event json.RawMessage) (any, error)
}

// NewServer validates cfg and starts a Server listening on 127.0.0.1 at a
// free port. It does not keep or change cfg. Close it when done.
func NewServer(cfg Config) (*Server, error) {
	triggers := cfg.Triggers
	if h, ok := triggers.(*challenge.Handler); ok && h == nil {
		triggers = nil // a nil *challenge.Handler means no triggers, as it reads
	}
	s := &Server{
		triggers: triggers,
		region:   cfg.Region,
		now:      cfg.Now,
		done:     make(chan struct{}),
		state:    newState(),
	}
	if s.region == "" {
		s.region = DefaultRegion
	}
	if !regionPattern.MatchString(s.region) {
		return nil, fmt.Errorf("cognitotest: invalid region %q", s.region)
	}
	if r := cfg.ReplicaRegion; r != "" && (!regionPattern.MatchString(r) || r == s.region) {
		return nil, fmt.Errorf("cognitotest: invalid replica region %q", r)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.faults.init(cfg.FaultSeed)

	s.poolID = s.region + "_" + randomString(9, alnum)
	s.clientID = randomString(26, lowerAlnum)
	if cfg.ClientSecret {
		s.clientSecret = randomString(51, lowerAlnum)
	}
	if triggers == nil {
		cfg.Triggers = nil // the LambdaConfig names no function
	}
	st, err := s.initialSettings(cfg, s.now())
	if err != nil {
		return nil, err
	}
	s.settings.Store(st)
	switch {
	case cfg.UpdatedIssuer:
		s.issuer = "https://issuer-cognito-idp." + s.region + ".amazonaws.com/" + s.poolID
	case cfg.ReplicaRegion != "":
		s.issuer = "https://cognito-idp." + cfg.ReplicaRegion + ".amazonaws.com/" + s.poolID
	default:
		s.issuer = "https://cognito-idp." + s.region + ".amazonaws.com/" + s.poolID
	}

	key := cfg.SigningKey
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("cognitotest: generating the signing key: %w", err)
		}
	}
	signer, err := newSigner(key)
	if err != nil {
		return nil, err
	}
	s.signer = signer

	s.ts = httptest.NewServer(s)
	return s, nil
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

var attributeNamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)

func within(name string, d, def, lo, hi time.Duration) (time.Duration, error) {
	if d == 0 {
		return def, nil
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("cognitotest: %s %v is outside %v..%v", name, d, lo, hi)
	}
	return d, nil
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("cognitotest: "+format, args...)
}

func trimCustom(name string) string { return strings.TrimPrefix(name, "custom:") }

// Close stops the server and waits for requests in flight; injected
// latency ends early. Close may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.ts.URL }

// UserPoolID is the pool's ID, "<region>_<9 letters and digits>".
func (s *Server) UserPoolID() string { return s.poolID }

// ClientID is the app client's ID: 26 lower-case letters and digits.
func (s *Server) ClientID() string { return s.clientID }

// ClientSecret is the app client's secret, or "" when it has none.
func (s *Server) ClientSecret() string { return s.clientSecret }

// Region is the pool's region.
func (s *Server) Region() string { return s.region }

// Issuer is the "iss" of the pool's tokens. It is the real Cognito form,
// "https://cognito-idp.<region>.amazonaws.com/<pool ID>", so validators
// configured for Cognito accept the tokens; fetch the keys from JWKSURL.
func (s *Server) Issuer() string { return s.issuer }

// JWKSURL is where the server publishes the pool's signing keys:
// URL() + "/<pool ID>/.well-known/jwks.json".
func (s *Server) JWKSURL() string { return s.ts.URL + s.jwksPath() }

func (s *Server) jwksPath() string { return "/" + s.poolID + "/.well-known/jwks.json" }

// Client returns an SDK client for the server: BaseEndpoint is URL(),
// credentials are static dummies, the region is the pool's and the retryer
// the SDK's default. optFns adjust the options, e.g.
// func(o *cognitoidentityprovider.Options) { o.RetryMaxAttempts = 1 }.
func (s *Server) Client(optFns ...func(*cognitoidentityprovider.Options)) *cognitoidentityprovider.Client {
	return cognitoidentityprovider.New(cognitoidentityprovider.Options{
		Region:       s.region,
		BaseEndpoint: aws.String(s.ts.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDCOGNITOTEST", SecretAccessKey: "cognitotest", Source: "cognitotest"}, nil
		}),
		HTTPClient: s.ts.Client(),
	}, optFns...)
}

// NoRetryDelay is a Client option that keeps the SDK's standard retries but
// waits no time between attempts and never runs out of retry tokens, so
// that tests of throttling and server faults run fast.
func NoRetryDelay(o *cognitoidentityprovider.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		so.RateLimiter = ratelimit.None
	})
}

// ServeHTTP serves the Cognito API on POST / and the pool's JWKS on
// GET /<pool ID>/.well-known/jwks.json. It never panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/":
		s.serveAPI(w, r)
	case r.URL.Path == s.jwksPath() && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=3600")
		_, _ = w.Write(s.signer.jwks)
	default:
		http.NotFound(w, r)
	}
}

// operation runs one API operation on a request body.
type operation func(s *Server, ctx context.Context, body []byte) (any, *apiError)

// handle adapts a typed operation: decode the body into In, then run fn.
func handle[In any](fn func(s *Server, ctx context.Context, in *In) (any, *apiError)) operation {
	return func(s *Server, ctx context.Context, body []byte) (any, *apiError) {
		in := new(In)
		if err := decodeBody(body, in); err != nil {
			return nil, err
		}
		return fn(s, ctx, in)
	}
}

var operations = map[string]operation{
	"AdminGetUser":                handle((*Server).adminGetUser),
	"AdminCreateUser":             handle((*Server).adminCreateUser),
	"AdminSetUserPassword":        handle((*Server).adminSetUserPassword),
	"AdminDisableUser":            handle((*Server).adminDisableUser),
	"AdminEnableUser":             handle((*Server).adminEnableUser),
	"AdminDeleteUser":             handle((*Server).adminDeleteUser),
	"AdminUpdateUserAttributes":   handle((*Server).adminUpdateUserAttributes),
	"AdminUserGlobalSignOut":      handle((*Server).adminUserGlobalSignOut),
	"GetUser":                     handle((*Server).getUser),
	"GlobalSignOut":               handle((*Server).globalSignOut),
	"InitiateAuth":                handle((*Server).initiateAuth),
	"AdminInitiateAuth":           handle((*Server).adminInitiateAuth),
	"RespondToAuthChallenge":      handle((*Server).respondToAuthChallenge),
	"AdminRespondToAuthChallenge": handle((*Server).adminRespondToAuthChallenge),
	"DescribeUserPool":            handle((*Server).describeUserPool),
	"UpdateUserPool":              handle((*Server).updateUserPool),
	"AddCustomAttributes":         handle((*Server).addCustomAttributes),
	"DescribeUserPoolClient":      handle((*Server).describeUserPoolClient),
	"UpdateUserPoolClient":        handle((*Server).updateUserPoolClient),
	"ListUserPoolClients":         handle((*Server).listUserPoolClients),
	"UpdateUserAttributes":        handle((*Server).updateUserAttributes),
	"GetTokensFromRefreshToken":   handle((*Server).getTokensFromRefreshToken),
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A bug here must not take the test binary down with it.
		if recover() != nil {
			writeError(w, internalError())
		}
	}()
	w.Header().Set("X-Amzn-Requestid", newUUID())
	op, known := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	s.calls.add(op, known)
	if r.Method != http.MethodPost || !known {
		writeError(w, unknownOperation())
		return
	}
	if err := s.injectFault(r.Context(), op); err != nil {
		writeError(w, err)
		return
	}
	fn, ok := operations[op]
	if !ok {
		writeError(w, unknownOperation())
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/x-amz-json-1.") && !strings.HasPrefix(ct, "application/json") {
		writeError(w, unknownOperation())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, serialization("Request body too large"))
			return
		}
		writeError(w, serialization("Could not read the request body"))
		return
	}
	out, apiErr := fn(s, r.Context(), body)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	writeJSON(w, out)
}
