package cognitobridge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/jwks"
)

// Session is a signed-in user's Cognito session.
//
// It marshals to the JSON the seed's backend sent its Angular front end:
//
//	{"email":…,"cognitoUUID":…,"name":…,"expires":1735689600,
//	 "idToken":…,"refreshToken":…,"accessToken":…}
//
// expires is the ID token's exp in whole seconds since the Unix epoch, as
// the seed sent it (it copied the verified payload's exp); accessToken is
// new. Username is not written: the seed's front end never had it, and
// Refresh accepts the address too. The tokens are secrets: String, GoString and LogValue leave them out,
// so printing or logging a Session does not leak them.
type Session struct {
	IDToken      string
	AccessToken  string
	RefreshToken string
	// Expires is when the ID and access tokens expire.
	Expires time.Time
	Email   string
	// Sub is the user's Cognito ID, "cognitoUUID" in JSON.
	Sub string
	// Username is Cognito's own username for the user (the ID token's
	// cognito:username): the address on plain pools, but a UUID equal to
	// Sub on pools with email as a username attribute and a generated name
	// on alias pools. Refresh wants this name.
	Username string
	Name     string
}

type sessionJSON struct {
	Email        string `json:"email"`
	CognitoUUID  string `json:"cognitoUUID"`
	Name         string `json:"name"`
	Expires      int64  `json:"expires"`
	IDToken      string `json:"idToken"`
	RefreshToken string `json:"refreshToken"`
	AccessToken  string `json:"accessToken"`
}

// MarshalJSON writes the seed's keys; see Session.
func (s Session) MarshalJSON() ([]byte, error) {
	var exp int64
	if !s.Expires.IsZero() {
		exp = s.Expires.Unix()
	}
	return json.Marshal(sessionJSON{
		Email:        s.Email,
		CognitoUUID:  s.Sub,
		Name:         s.Name,
		Expires:      exp,
		IDToken:      s.IDToken,
		RefreshToken: s.RefreshToken,
		AccessToken:  s.AccessToken,
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Session) UnmarshalJSON(b []byte) error {
	var v sessionJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Session{
		IDToken:      v.IDToken,
		AccessToken:  v.AccessToken,
		RefreshToken: v.RefreshToken,
		Email:        v.Email,
		Sub:          v.CognitoUUID,
		Name:         v.Name,
	}
	if v.Expires != 0 {
		s.Expires = time.Unix(v.Expires, 0)
	}
	return nil
}

// String describes the session without its tokens.
func (s Session) String() string {
	return "cognitobridge.Session{Sub: " + s.Sub + ", Expires: " + s.Expires.UTC().Format(time.RFC3339) + ", tokens redacted}"
}

// GoString is String, so that %#v does not print the tokens either.
func (s Session) GoString() string { return s.String() }

// LogValue logs the session's sub and expiry, never its tokens or email.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("sub", s.Sub), slog.Time("expires", s.Expires))
}

// StartSession signs username in without a password, in exactly two
// Cognito calls: AdminInitiateAuth(CUSTOM_AUTH) returns the Lambda's
// nonce, and AdminRespondToAuthChallenge answers it with
// Proof.Sign(username, pool, client, nonce), for which Cognito issues tokens.
// The caller must have verified the user's identity first (a passkey).
//
// With Config.IDTokens set the ID token is validated before the Session is
// returned; a token it rejects is an error wrapping ErrMisconfigured and
// the jwks error.
//
// A user Cognito does not know fails with ErrUserNotFound, or with
// ErrNotAuthorized when the app client has PreventUserExistenceErrors
// (then the triggers make a missing user look real and its answer is
// rejected). A disabled user fails with ErrUserDisabled.
func (s *Store) StartSession(ctx context.Context, username string) (*Session, error) {
	if s.proof == nil {
		return nil, errNoProof("start session")
	}
	sess, err := s.startSession(ctx, "start session", username, s.proofAnswer)
	if err != nil {
		s.logFailure(ctx, "start session", username, err)
		return nil, err
	}
	return sess, nil
}

// answerFunc gives the answer to the custom challenge for the canonical
// username and the nonce the Create trigger issued.
type answerFunc func(canonical, nonce string) string

// proofAnswer is the default answer: the HMAC proof the Lambda checks.
func (s *Store) proofAnswer(canonical, nonce string) string {
	return s.proof.Sign(canonical, s.poolID, s.clientID, nonce)
}

func (s *Store) startSession(ctx context.Context, op, username string, answer answerFunc) (*Session, error) {
	if username == "" {
		return nil, &Error{Op: op, Err: errEmptyUsername}
	}
	start, err := s.client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeCustomAuth,
		UserPoolId:     aws.String(s.poolID),
		ClientId:       aws.String(s.clientID),
		AuthParameters: s.addSecretHash(map[string]string{"USERNAME": username}, username),
	})
	if err != nil {
		return nil, callError(op, "AdminInitiateAuth", err)
	}
	if start.AuthenticationResult != nil {
		// Tokens without a challenge: Define issued them at once. Cognito
		// vouches for them, but such a trigger hands tokens to anyone who
		// calls InitiateAuth, and an operator must hear about it.
		s.log.LogAttrs(ctx, levelWarn, "cognitobridge: tokens issued without a challenge: the Define trigger demands no proof",
			userAttr(username))
		return s.session(ctx, op, start.AuthenticationResult, "")
	}
	if start.ChallengeName != types.ChallengeNameTypeCustomChallenge {
		return nil, unexpectedChallenge(op, "AdminInitiateAuth", start.ChallengeName)
	}
	nonce := start.ChallengeParameters[challenge.NonceParameter]
	if nonce == "" {
		return nil, &Error{Op: op, Call: "AdminInitiateAuth", Kind: ErrMisconfigured, Err: errNoNonce}
	}
	// Cognito names the user in the challenge by its canonical username
	// (the sub when users sign in with an alias). The triggers see that
	// name, so the proof and SECRET_HASH must use it too.
	canonical := start.ChallengeParameters["USERNAME"]
	if canonical == "" {
		canonical = username
	}
	responses := s.addSecretHash(map[string]string{
		"USERNAME": canonical,
		"ANSWER":   answer(canonical, nonce),
	}, canonical)
	done, err := s.client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
		ChallengeName:      types.ChallengeNameTypeCustomChallenge,
		UserPoolId:         aws.String(s.poolID),
		ClientId:           aws.String(s.clientID),
		ChallengeResponses: responses,
		Session:            start.Session,
	})
	if err != nil {
		return nil, callError(op, "AdminRespondToAuthChallenge", err)
	}
	switch {
	case done.AuthenticationResult != nil:
		return s.session(ctx, op, done.AuthenticationResult, "")
	case done.ChallengeName == types.ChallengeNameTypeCustomChallenge:
		// Another round: Verify said no. The proof does not get better by
		// retrying; either the key differs from the Lambda's or the user
		// does not exist (PreventUserExistenceErrors).
		return nil, &Error{Op: op, Call: "AdminRespondToAuthChallenge", Kind: ErrNotAuthorized, Err: errAnswerRejected}
	default:
		return nil, unexpectedChallenge(op, "AdminRespondToAuthChallenge", done.ChallengeName)
	}
}

func unexpectedChallenge(op, call string, name types.ChallengeNameType) *Error {
	if name == "" {
		return &Error{Op: op, Call: call, Kind: ErrUnavailable, Err: errNoResult}
	}
	return &Error{Op: op, Call: call, Kind: ErrNotAuthorized, Err: &challengeError{name: string(name)}}
}

// Refresh trades a refresh token for new ID and access tokens, in one call:
// InitiateAuth REFRESH_TOKEN_AUTH, or GetTokensFromRefreshToken when
// Config.RefreshTokenRotation says the app client rotates refresh tokens
// (such clients refuse REFRESH_TOKEN_AUTH).
//
// username matters only when the client has a secret: REFRESH_TOKEN_AUTH's
// SECRET_HASH must be computed over the user's internal username,
// Session.Username (a UUID on pools with email as a username attribute, a
// generated name on alias pools; the address on plain pools). Given the
// address instead, Refresh notices Cognito's "SecretHash does not match",
// looks the internal username up (AdminGetUser) and tries once more, two
// calls more. GetTokensFromRefreshToken needs no username.
//
// The returned Session keeps refreshToken unless Cognito rotated it; with
// rotation the old token stops working after the client's grace period, so
// keep the new one. An invalid, expired or revoked refresh token fails with
// ErrNotAuthorized, a disabled user's with ErrUserDisabled.
func (s *Store) Refresh(ctx context.Context, username, refreshToken string) (*Session, error) {
	const op = "refresh"
	sess, err := s.refresh(ctx, op, username, refreshToken)
	if err != nil {
		s.logFailure(ctx, op, username, err)
		return nil, err
	}
	return sess, nil
}

func (s *Store) refresh(ctx context.Context, op, username, refreshToken string) (*Session, error) {
	if refreshToken == "" {
		return nil, &Error{Op: op, Kind: ErrNotAuthorized, Err: errors.New("cognitobridge: empty refresh token")}
	}
	if s.rotation {
		in := &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(s.clientID), RefreshToken: aws.String(refreshToken)}
		if s.clientSecret != "" {
			in.ClientSecret = aws.String(s.clientSecret)
		}
		out, err := s.client.GetTokensFromRefreshToken(ctx, in)
		if err != nil {
			return nil, callError(op, "GetTokensFromRefreshToken", err)
		}
		if out.AuthenticationResult == nil {
			return nil, &Error{Op: op, Call: "GetTokensFromRefreshToken", Kind: ErrUnavailable, Err: errNoResult}
		}
		return s.session(ctx, op, out.AuthenticationResult, refreshToken)
	}
	if username == "" && s.clientSecret != "" {
		// Cognito would answer "Unable to verify secret hash", which reads
		// as a wrong client secret.
		return nil, &Error{Op: op, Err: errors.New("cognitobridge: refresh needs the username for SECRET_HASH")}
	}
	sess, err := s.refreshAs(ctx, op, username, refreshToken)
	if err == nil || s.clientSecret == "" {
		return sess, err
	}
	if _, msg := apiCode(err); !secretHashProblem(msg) {
		return nil, err
	}
	// Perhaps the hash went over the address rather than the internal
	// username. If the user has another name, that one decides.
	u, gerr := s.getUser(ctx, op, username)
	if gerr != nil || u.Status == StatusNotExists || u.Username == username {
		return nil, err
	}
	return s.refreshAs(ctx, op, u.Username, refreshToken)
}

// refreshAs runs REFRESH_TOKEN_AUTH with SECRET_HASH over username.
func (s *Store) refreshAs(ctx context.Context, op, username, refreshToken string) (*Session, error) {
	out, err := s.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		ClientId:       aws.String(s.clientID),
		AuthParameters: s.addSecretHash(map[string]string{"REFRESH_TOKEN": refreshToken}, username),
	})
	if err != nil {
		return nil, callError(op, "InitiateAuth", err)
	}
	if out.AuthenticationResult == nil {
		return nil, unexpectedChallenge(op, "InitiateAuth", out.ChallengeName)
	}
	return s.session(ctx, op, out.AuthenticationResult, refreshToken)
}

// SignOut revokes every token of the access token's user (GlobalSignOut,
// one call): refresh tokens stop working at once, ID and access tokens
// are rejected by Cognito but stay valid for a JWT check until they expire.
// An invalid or expired access token fails with ErrNotAuthorized, a
// disabled user's with ErrUserDisabled.
func (s *Store) SignOut(ctx context.Context, accessToken string) error {
	const op = "sign out"
	if accessToken == "" {
		return &Error{Op: op, Kind: ErrNotAuthorized, Err: errors.New("cognitobridge: empty access token")}
	}
	_, err := s.client.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: aws.String(accessToken)})
	if err != nil {
		e := callError(op, "GlobalSignOut", err)
		s.logFailure(ctx, op, "", e)
		return e
	}
	return nil
}

// AdminSignOut signs username out everywhere (AdminUserGlobalSignOut, one
// call, IAM): every refresh token of the user stops working at once, as
// with SignOut, without needing the user's access token. An administrator's
// tool, and the way to end a user's sessions after revoking their passkeys.
// An unknown user fails with ErrUserNotFound.
func (s *Store) AdminSignOut(ctx context.Context, username string) error {
	const op = "admin sign out"
	if username == "" {
		return &Error{Op: op, Err: errEmptyUsername}
	}
	_, err := s.client.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{
		UserPoolId: aws.String(s.poolID),
		Username:   aws.String(username),
	})
	if err != nil {
		e := callError(op, "AdminUserGlobalSignOut", err)
		s.logFailure(ctx, op, username, e)
		return e
	}
	s.log.LogAttrs(ctx, levelInfo, "cognitobridge: signed the user out everywhere", userAttr(username))
	return nil
}

// session turns Cognito's tokens into a Session, checking the ID token
// when a validator is configured. keepRefresh is the refresh token to keep
// when Cognito sent none (refreshes).
func (s *Store) session(ctx context.Context, op string, r *types.AuthenticationResultType, keepRefresh string) (*Session, error) {
	sess := &Session{
		IDToken:      aws.ToString(r.IdToken),
		AccessToken:  aws.ToString(r.AccessToken),
		RefreshToken: aws.ToString(r.RefreshToken),
	}
	if sess.RefreshToken == "" {
		sess.RefreshToken = keepRefresh
	}
	if s.idTokens != nil {
		claims, err := s.idTokens.Validate(ctx, sess.IDToken)
		if err != nil {
			kind := ErrMisconfigured
			switch {
			case isCanceled(err):
				kind = nil
			case errors.Is(err, jwks.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
				kind = ErrUnavailable
			}
			return nil, &Error{Op: op, Kind: kind, Err: err}
		}
		sess.Email, sess.Sub, sess.Username, sess.Name, sess.Expires = claims.Email, claims.Subject, claims.Username, claims.Name, claims.ExpiresAt
	} else {
		claims, err := unverifiedClaims(sess.IDToken)
		if err != nil {
			return nil, &Error{Op: op, Kind: ErrMisconfigured, Err: err}
		}
		sess.Email, sess.Sub, sess.Username, sess.Name = claims.Email, claims.Sub, claims.Username, claims.Name
		if claims.Exp > 0 && claims.Exp < math.MaxInt64 {
			sess.Expires = time.Unix(int64(claims.Exp), 0)
		}
	}
	if sess.Expires.IsZero() && r.ExpiresIn > 0 {
		sess.Expires = s.now().Add(time.Duration(r.ExpiresIn) * time.Second).Truncate(time.Second)
	}
	return sess, nil
}

type idClaims struct {
	Sub      string  `json:"sub"`
	Username string  `json:"cognito:username"`
	Email    string  `json:"email"`
	Name     string  `json:"name"`
	Exp      float64 `json:"exp"`
}

// unverifiedClaims reads the payload of a compact JWT without checking
// anything; see Config.IDTokens for when that is acceptable.
func unverifiedClaims(token string) (*idClaims, error) {
	_, rest, ok := strings.Cut(token, ".")
	payload, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return nil, errMalformedIDToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil {
		return nil, errMalformedIDToken
	}
	var c idClaims
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, errMalformedIDToken
	}
	return &c, nil
}
