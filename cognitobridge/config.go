package cognitobridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/singleflight"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/internal/secrethash"
	"github.com/passkeybridge/bridge/jwks"
)

// CognitoAPI is the part of the Cognito Identity Provider API the Store
// calls. *cognitoidentityprovider.Client satisfies it; so does the client
// of the cognitotest emulator, which is the same type.
type CognitoAPI interface {
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, optFns ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, optFns ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminInitiateAuth(ctx context.Context, in *cip.AdminInitiateAuthInput, optFns ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error)
	AdminRespondToAuthChallenge(ctx context.Context, in *cip.AdminRespondToAuthChallengeInput, optFns ...func(*cip.Options)) (*cip.AdminRespondToAuthChallengeOutput, error)
	InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, optFns ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	GlobalSignOut(ctx context.Context, in *cip.GlobalSignOutInput, optFns ...func(*cip.Options)) (*cip.GlobalSignOutOutput, error)
	AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, optFns ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
	GetTokensFromRefreshToken(ctx context.Context, in *cip.GetTokensFromRefreshTokenInput, optFns ...func(*cip.Options)) (*cip.GetTokensFromRefreshTokenOutput, error)
}

var _ CognitoAPI = (*cip.Client)(nil)

// DefaultProviderAttribute is the custom attribute that marks users the
// bridge created, named as the seed named it.
const DefaultProviderAttribute = "custom:createdByCorbado"

// Config configures a Store. The zero value of every optional field is
// the safe choice.
type Config struct {
	// Client calls Cognito. Required. The IAM identity behind it needs
	// cognito-idp:AdminGetUser, AdminCreateUser, AdminSetUserPassword,
	// AdminInitiateAuth, AdminRespondToAuthChallenge and (for AdminSignOut)
	// AdminUserGlobalSignOut on the pool (InitiateAuth, GlobalSignOut and
	// GetTokensFromRefreshToken need no IAM permission).
	Client CognitoAPI

	// UserPoolID and ClientID name the pool and its app client. Required.
	UserPoolID, ClientID string

	// ClientSecret is the app client's secret, empty for a client without
	// one. With it every auth call carries SECRET_HASH.
	ClientSecret string

	// Proof answers the CUSTOM_AUTH challenge for StartSession and Login;
	// the Lambda triggers hold the same key. Nil only for a Store used in
	// provider-token mode (StartSessionWithAnswer, LoginWithAnswer), where
	// the Lambda checks the provider's token and the backend holds no key.
	Proof *challenge.HMACProof

	// ProviderAttribute is the custom attribute set to "true" on users the
	// store creates. It must start with "custom:", be declared in the pool's
	// schema, and be writable by no app client. Empty means
	// DefaultProviderAttribute.
	ProviderAttribute string

	// AnswerVerifier checks a provider token in this process before
	// LoginWithAnswer creates a user for it: the same challenge.Verifier
	// the Lambda runs (corbado.SessionTokenVerifier). Nil: LoginWithAnswer
	// signs in existing users only.
	AnswerVerifier challenge.Verifier

	// CaseInsensitiveUsernames says the pool was created with
	// UsernameConfiguration{CaseSensitive: false}; Normalize then folds
	// usernames to lower case. Cognito fixes the setting when it creates
	// the pool, and the zero value (case-sensitive, the default of the API
	// and CloudFormation) is the safe guess: see Normalize.
	CaseInsensitiveUsernames bool

	// IDTokens, when set, checks every ID token the store hands out (its
	// Config should be jwks.CognitoConfig(pool, "id", client)), and
	// Session's Email, Sub and Name come from the checked claims. When nil
	// they come from the ID token's payload unverified: it came straight
	// from Cognito over the SDK's TLS connection, but nothing in this
	// process checked its signature.
	IDTokens *jwks.Validator

	// PasswordAuthFlow is the flow VerifyPassword uses:
	// types.AuthFlowTypeUserPasswordAuth (the default when empty; InitiateAuth,
	// needs ALLOW_USER_PASSWORD_AUTH on the client) or
	// types.AuthFlowTypeAdminUserPasswordAuth (AdminInitiateAuth, needs
	// ALLOW_ADMIN_USER_PASSWORD_AUTH and IAM).
	PasswordAuthFlow types.AuthFlowType

	// RefreshTokenRotation says the app client rotates refresh tokens
	// (RefreshTokenRotation.Feature ENABLED). Such clients refuse
	// REFRESH_TOKEN_AUTH, so Refresh calls GetTokensFromRefreshToken instead.
	RefreshTokenRotation bool

	// Logger receives the store's structured logs. Nil discards them.
	// See the package documentation for what is logged.
	Logger *slog.Logger

	// Now is the clock, used for Session.Expires when an ID token carries
	// no exp. Nil means time.Now.
	Now func() time.Time
}

// Store is the Cognito user store. It is safe for concurrent use.
type Store struct {
	client       CognitoAPI
	poolID       string
	clientID     string
	clientSecret string
	proof        *challenge.HMACProof
	answers      challenge.Verifier
	foldCase     bool
	attr         string
	idTokens     *jwks.Validator
	passwordFlow types.AuthFlowType
	rotation     bool
	log          *slog.Logger
	now          func() time.Time

	// creates coalesces concurrent creates of one username in this
	// process, so a burst of first logins spends one AdminCreateUser and
	// one AdminSetUserPassword of Cognito's small, fixed write quotas
	// instead of one each.
	creates singleflight.Group
}

// New checks cfg and returns a Store built on a copy of it.
func New(cfg Config) (*Store, error) {
	var problems []string
	if cfg.Client == nil {
		problems = append(problems, "missing Client")
	}
	if cfg.UserPoolID == "" {
		problems = append(problems, "missing UserPoolID")
	} else if p := checkPoolID(cfg.UserPoolID, cfg.Client); p != "" {
		problems = append(problems, p)
	}
	if cfg.ClientID == "" {
		problems = append(problems, "missing ClientID")
	}
	attr := cfg.ProviderAttribute
	if attr == "" {
		attr = DefaultProviderAttribute
	}
	if name, ok := strings.CutPrefix(attr, "custom:"); !ok || name == "" {
		problems = append(problems, fmt.Sprintf("ProviderAttribute %q is not a custom attribute (custom:<name>)", attr))
	}
	flow := cfg.PasswordAuthFlow
	switch flow {
	case "":
		flow = types.AuthFlowTypeUserPasswordAuth
	case types.AuthFlowTypeUserPasswordAuth, types.AuthFlowTypeAdminUserPasswordAuth:
	default:
		problems = append(problems, fmt.Sprintf("PasswordAuthFlow %q is neither USER_PASSWORD_AUTH nor ADMIN_USER_PASSWORD_AUTH", flow))
	}
	if len(problems) > 0 {
		return nil, errors.New("cognitobridge: invalid config: " + strings.Join(problems, "; "))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Store{
		client:       cfg.Client,
		poolID:       cfg.UserPoolID,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		proof:        cfg.Proof,
		answers:      cfg.AnswerVerifier,
		foldCase:     cfg.CaseInsensitiveUsernames,
		attr:         attr,
		idTokens:     cfg.IDTokens,
		passwordFlow: flow,
		rotation:     cfg.RefreshTokenRotation,
		log:          log,
		now:          now,
	}, nil
}

var (
	// poolIDFormat is the API's own pattern for a UserPoolId ([\w-]+_[0-9a-zA-Z]+,
	// at most 55 characters).
	poolIDFormat = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	// regionFormat is the shape of an AWS region: us-east-1, eu-central-2,
	// us-gov-west-1, ap-southeast-5, cn-north-1.
	regionFormat = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
)

// checkPoolID catches a mistyped pool ID before the first call fails with
// it: the API's format always, and, when client is the SDK's own client
// talking to AWS (no custom endpoint), that the ID's region part is a
// region and the one the client calls. Emulators (a custom endpoint) name
// their pools as they like: cognito-local's are local_…. The ID is not
// repeated in the text; it is no secret, but this message goes to logs.
func checkPoolID(id string, client CognitoAPI) string {
	if len(id) > 55 || !poolIDFormat.MatchString(id) {
		return "UserPoolID is not a user pool ID (<region>_<id>, such as us-east-1_AbCdEf123)"
	}
	c, ok := client.(*cip.Client)
	if !ok {
		return ""
	}
	o := c.Options()
	if o.BaseEndpoint != nil {
		return ""
	}
	region, _, _ := strings.Cut(id, "_")
	switch {
	case !regionFormat.MatchString(region):
		return fmt.Sprintf("UserPoolID names no AWS region before its underscore (%q)", region)
	case o.Region != "" && o.Region != region:
		return fmt.Sprintf("UserPoolID is a pool of region %s, but Client calls region %s", region, o.Region)
	}
	return ""
}

// addSecretHash sets SECRET_HASH for username in params when the app
// client has a secret. A secret-less client gets no SECRET_HASH at all:
// Cognito rejects even an empty one there.
func (s *Store) addSecretHash(params map[string]string, username string) map[string]string {
	if s.clientSecret != "" {
		params["SECRET_HASH"] = secrethash.Compute(s.clientSecret, username, s.clientID)
	}
	return params
}
