package cognitotest

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/passkeybridge/bridge/internal/secrethash"
)

// Auth flows as (Admin)InitiateAuth names them.
const (
	flowUserPassword      = "USER_PASSWORD_AUTH"
	flowAdminUserPassword = "ADMIN_USER_PASSWORD_AUTH"
	flowAdminNoSRP        = "ADMIN_NO_SRP_AUTH" // the legacy name of ADMIN_USER_PASSWORD_AUTH
	flowRefreshTokenAuth  = "REFRESH_TOKEN_AUTH"
	flowRefreshToken      = "REFRESH_TOKEN" // the legacy name of REFRESH_TOKEN_AUTH
	flowCustom            = "CUSTOM_AUTH"
	flowUserSRP           = "USER_SRP_AUTH"
	flowUserAuth          = "USER_AUTH"
)

const authFlowEnum = "[USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"

// flowPermission is the ExplicitAuthFlows entry each flow needs.
var flowPermission = map[string]string{
	flowUserPassword:      AllowUserPasswordAuth,
	flowAdminUserPassword: AllowAdminUserPasswordAuth,
	flowAdminNoSRP:        AllowAdminUserPasswordAuth,
	flowRefreshTokenAuth:  AllowRefreshTokenAuth,
	flowRefreshToken:      AllowRefreshTokenAuth,
	flowCustom:            AllowCustomAuth,
	flowUserSRP:           AllowUserSRPAuth,
	flowUserAuth:          AllowUserAuth,
}

// Challenge names this emulator issues.
const (
	challengeNewPassword = "NEW_PASSWORD_REQUIRED"
	challengeSMSMFA      = "SMS_MFA"
)

var challengeNames = []string{
	"SMS_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE", "MFA_SETUP",
	"PASSWORD_VERIFIER", "CUSTOM_CHALLENGE", "SELECT_CHALLENGE", "DEVICE_SRP_AUTH",
	"DEVICE_PASSWORD_VERIFIER", "ADMIN_NO_SRP_AUTH", "NEW_PASSWORD_REQUIRED",
	"SMS_OTP", "PASSWORD", "WEB_AUTHN", "PASSWORD_SRP",
}

func (s *Server) initiateAuth(ctx context.Context, in *initiateAuthInput) (any, *apiError) {
	return s.startAuth(ctx, in, false)
}

func (s *Server) adminInitiateAuth(ctx context.Context, in *initiateAuthInput) (any, *apiError) {
	if err := s.checkPool(in.UserPoolID); err != nil {
		return nil, err
	}
	return s.startAuth(ctx, in, true)
}

// startAuth checks the client and the flow, then runs the flow. Cognito
// keeps the admin and public password flows apart ("Initiate Auth method
// not supported."), and the app client must allow the flow.
func (s *Server) startAuth(ctx context.Context, in *initiateAuthInput, admin bool) (any, *apiError) {
	if err := s.checkClient(in.ClientID); err != nil {
		return nil, err
	}
	if in.AuthFlow == nil {
		return nil, required("authFlow")
	}
	flow := *in.AuthFlow
	if _, known := flowPermission[flow]; !known {
		return nil, validation(quoted(in.AuthFlow), "authFlow", "Member must satisfy enum value set: "+authFlowEnum)
	}
	adminOnly := flow == flowAdminUserPassword || flow == flowAdminNoSRP
	if adminOnly != admin && (adminOnly || flow == flowUserPassword) {
		return nil, invalidParameter(msgInitiateNotSupported)
	}
	st := s.current()
	refresh := flow == flowRefreshTokenAuth || flow == flowRefreshToken
	if !st.flows[flowPermission[flow]] || (refresh && st.rotation) {
		// A client with refresh-token rotation takes refresh tokens only
		// through GetTokensFromRefreshToken.
		return nil, flowNotEnabled(flow)
	}
	params := in.AuthParameters
	switch flow {
	case flowUserPassword, flowAdminUserPassword, flowAdminNoSRP:
		return s.passwordAuth(params)
	case flowRefreshTokenAuth, flowRefreshToken:
		return s.refreshAuth(params)
	case flowCustom:
		// InitiateAuth's ClientMetadata reaches no CUSTOM_AUTH trigger in
		// Cognito (only pre-authentication and the like), so it is dropped.
		return s.customAuth(ctx, params)
	default:
		return nil, invalidParameter("cognitotest: the " + flow + " flow is not emulated")
	}
}

// checkSecretHash enforces SECRET_HASH: required and checked when the
// client has a secret, refused when it has none.
func (s *Server) checkSecretHash(params map[string]string, username string) *apiError {
	hash, sent := params["SECRET_HASH"]
	if s.clientSecret == "" {
		if sent {
			return invalidParameter("App client " + s.clientID + " is not configured for secret but secret hash was received")
		}
		return nil
	}
	if hash == "" {
		return secretHashMissing(s.clientID)
	}
	if !secrethash.Equal(hash, s.clientSecret, username, s.clientID) {
		return secretHashWrong(s.clientID)
	}
	return nil
}

// missingUser is the answer for an unknown username: UserNotFoundException,
// or the wrong-password error when the client prevents existence errors.
func (s *Server) missingUser() *apiError {
	if s.current().preventExistenceErrors {
		return notAuthorized(msgIncorrectCredentials)
	}
	return userNotFound()
}

// passwordAuth is USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH.
func (s *Server) passwordAuth(params map[string]string) (any, *apiError) {
	username, pw := params["USERNAME"], params["PASSWORD"]
	if username == "" {
		return nil, missingParameter("USERNAME")
	}
	if pw == "" {
		return nil, missingParameter("PASSWORD")
	}
	if err := s.checkSecretHash(params, username); err != nil {
		return nil, err
	}
	out, c, err := s.checkPassword(username, pw)
	if out != nil || err != nil {
		return out, err
	}
	return s.result(*c), nil // signed outside the lock
}

// checkPassword decides a password sign-in: an error, another challenge,
// or the claims of the tokens to issue.
func (s *Server) checkPassword(username, pw string) (*authOutput, *tokenClaims, *apiError) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(username)
	switch {
	case u == nil:
		return nil, nil, s.missingUser()
	case !u.enabled:
		return nil, nil, notAuthorized(msgUserDisabled)
	case u.lockout.locked(now):
		return nil, nil, notAuthorized(msgAttemptsExceeded)
	}
	ok := u.passwordMatches(pw)
	u.lockout.record(now, ok)
	switch {
	case !ok:
		return nil, nil, notAuthorized(msgIncorrectCredentials)
	case statusError(u) != nil:
		return nil, nil, statusError(u)
	case u.status == types.UserStatusTypeForceChangePassword:
		return s.newPasswordChallenge(u), nil, nil
	case u.mfa:
		return s.mfaChallenge(u), nil, nil
	}
	c := s.signIn(u)
	return nil, &c, nil
}

// newPasswordChallenge opens a NEW_PASSWORD_REQUIRED session for u, with
// the parameters Cognito sends; s.mu must be held.
func (s *Server) newPasswordChallenge(u *user) *authOutput {
	attrs, _ := json.Marshal(u.attrs)
	return &authOutput{
		ChallengeName: challengeNewPassword,
		ChallengeParameters: map[string]string{
			"USER_ID_FOR_SRP":    u.username,
			"requiredAttributes": "[]",
			"userAttributes":     string(attrs),
		},
		Session: s.openSession(&authSession{challenge: challengeNewPassword, subject: subjectOf(u)}),
	}
}

// mfaChallenge opens an SMS_MFA session for u; s.mu must be held.
func (s *Server) mfaChallenge(u *user) *authOutput {
	destination := "+*******0000"
	if phone := u.attrs["phone_number"]; len(phone) >= 4 {
		destination = "+*******" + phone[len(phone)-4:]
	}
	return &authOutput{
		ChallengeName: challengeSMSMFA,
		ChallengeParameters: map[string]string{
			"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
			"CODE_DELIVERY_DESTINATION":     destination,
			"USER_ID_FOR_SRP":               u.username,
		},
		Session: s.openSession(&authSession{challenge: challengeSMSMFA, subject: subjectOf(u)}),
	}
}

// refreshAuth is REFRESH_TOKEN_AUTH: new ID and access tokens for the same
// sign-in (same origin_jti and auth_time), and no new refresh token. With a
// client secret, SECRET_HASH is computed over the token's user's username.
func (s *Server) refreshAuth(params map[string]string) (any, *apiError) {
	token := params["REFRESH_TOKEN"]
	if token == "" {
		return nil, missingParameter("REFRESH_TOKEN")
	}
	if s.clientSecret != "" && params["SECRET_HASH"] == "" {
		return nil, secretHashMissing(s.clientID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.state.refreshTokens[token]
	if g == nil {
		return nil, notAuthorized(msgInvalidRefreshToken)
	}
	u := s.lookupSub(g.username, g.sub)
	if u == nil {
		return nil, notAuthorized(msgInvalidRefreshToken)
	}
	if err := s.checkSecretHash(params, u.username); err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case !u.enabled:
		return nil, notAuthorized(msgUserDisabled)
	case g.revoked:
		return nil, notAuthorized(msgRefreshTokenRevoked)
	case !now.Before(g.refreshExpires):
		return nil, notAuthorized(msgRefreshTokenExpired)
	}
	c := s.claims(u, g, now)
	// Signing (two RSA operations) happens under the lock here; refreshes
	// are rare enough in tests that this does not matter.
	return s.result(c), nil
}

// customAuth starts CUSTOM_AUTH: Define with an empty session, then Create
// if Define asks for a challenge.
func (s *Server) customAuth(ctx context.Context, params map[string]string) (any, *apiError) {
	if s.triggers == nil || !s.current().customAuth {
		return nil, invalidParameter(msgNoCustomAuthTrigger)
	}
	username := params["USERNAME"]
	if username == "" {
		return nil, missingParameter("USERNAME")
	}
	if err := s.checkSecretHash(params, username); err != nil {
		return nil, err
	}
	s.mu.Lock()
	u := s.lookup(username)
	var subj subject
	switch {
	case u == nil && !s.current().preventExistenceErrors:
		s.mu.Unlock()
		return nil, userNotFound()
	case u == nil:
		subj = subject{username: username, attrs: map[string]string{}, notFound: true}
	case !u.enabled:
		s.mu.Unlock()
		return nil, notAuthorized(msgUserDisabled)
	case statusError(u) != nil:
		s.mu.Unlock()
		return nil, statusError(u)
	default:
		subj = subjectOf(u)
	}
	s.mu.Unlock()
	return s.nextStep(ctx, subj, nil, nil)
}

// nextStep runs Define on the session history and acts on its answer:
// fail, issue tokens, or Create the next challenge in a new session.
func (s *Server) nextStep(ctx context.Context, subj subject, h []events.CognitoEventUserPoolsChallengeResult, meta map[string]string) (*authOutput, *apiError) {
	def, err := s.define(ctx, subj, h, meta)
	if err != nil {
		return nil, err
	}
	switch {
	case def.FailAuthentication:
		return nil, notAuthorized(msgIncorrectCredentials)
	case def.IssueTokens:
		if subj.notFound {
			return nil, notAuthorized(msgIncorrectCredentials)
		}
		return s.finishCustomAuth(subj)
	case def.ChallengeName == challengeCustom:
	case def.ChallengeName == "":
		return nil, invalidLambdaResponse("Invalid lambda function output : Define auth challenge must issue tokens, fail authentication or name a challenge")
	default:
		// Cognito would go on with SRP_A, PASSWORD_VERIFIER … here.
		return nil, invalidLambdaResponse("cognitotest: challenge " + quoted(&def.ChallengeName) + " from DefineAuthChallenge is not emulated")
	}

	created, err := s.create(ctx, subj, h, meta)
	if err != nil {
		return nil, err
	}
	if len(created.PrivateChallengeParameters) == 0 {
		return nil, invalidLambdaResponse("Invalid lambda function output : privateChallengeParameters must not be empty")
	}
	params := maps.Clone(created.PublicChallengeParameters)
	if params == nil {
		params = map[string]string{}
	}
	params["USERNAME"] = subj.username

	s.mu.Lock()
	defer s.mu.Unlock()
	return &authOutput{
		ChallengeName:       challengeCustom,
		ChallengeParameters: params,
		Session: s.openSession(&authSession{
			challenge: challengeCustom,
			subject:   subj,
			history:   slices.Clone(h),
			private:   maps.Clone(created.PrivateChallengeParameters),
			metadata:  created.ChallengeMetadata,
		}),
	}, nil
}

// finishCustomAuth issues tokens to the user of a successful CUSTOM_AUTH,
// if they still exist and are enabled. A user in FORCE_CHANGE_PASSWORD
// gets NEW_PASSWORD_REQUIRED instead, as in Cognito (amplify-flutter#4890).
func (s *Server) finishCustomAuth(subj subject) (*authOutput, *apiError) {
	s.mu.Lock()
	u := s.lookupSub(subj.username, subj.sub)
	switch {
	case u == nil:
		s.mu.Unlock()
		return nil, notAuthorized(msgIncorrectCredentials)
	case !u.enabled:
		s.mu.Unlock()
		return nil, notAuthorized(msgUserDisabled)
	case statusError(u) != nil:
		s.mu.Unlock()
		return nil, statusError(u)
	case u.status == types.UserStatusTypeForceChangePassword:
		defer s.mu.Unlock()
		return s.newPasswordChallenge(u), nil
	}
	c := s.signIn(u)
	s.mu.Unlock()
	return s.result(c), nil
}

func (s *Server) respondToAuthChallenge(ctx context.Context, in *respondInput) (any, *apiError) {
	return s.respond(ctx, in)
}

func (s *Server) adminRespondToAuthChallenge(ctx context.Context, in *respondInput) (any, *apiError) {
	if err := s.checkPool(in.UserPoolID); err != nil {
		return nil, err
	}
	return s.respond(ctx, in)
}

// respond answers the challenge of a session. The session string is used
// up once the answer is taken; every round hands out a new one.
func (s *Server) respond(ctx context.Context, in *respondInput) (any, *apiError) {
	if err := s.checkClient(in.ClientID); err != nil {
		return nil, err
	}
	if in.ChallengeName == nil {
		return nil, required("challengeName")
	}
	name := *in.ChallengeName
	if !slices.Contains(challengeNames, name) {
		return nil, validation(quoted(in.ChallengeName), "challengeName", "Member must satisfy enum value set: ["+strings.Join(challengeNames, ", ")+"]")
	}
	responses := in.ChallengeResponses
	username := responses["USERNAME"]
	if username == "" {
		return nil, missingParameter("USERNAME")
	}
	if err := s.checkSecretHash(responses, username); err != nil {
		return nil, err
	}
	switch name {
	case challengeCustom:
		if _, ok := responses["ANSWER"]; !ok {
			return nil, missingParameter("ANSWER")
		}
	case challengeNewPassword:
		// A refused password leaves the session usable for another try.
		if responses["NEW_PASSWORD"] == "" {
			return nil, missingParameter("NEW_PASSWORD")
		}
		if err := s.checkNewPassword(username, responses["NEW_PASSWORD"]); err != nil {
			return nil, err
		}
	}
	if value(in.Session) == "" {
		return nil, missingParameter("Session")
	}

	sess, err := s.takeSession(*in.Session, name, username)
	if err != nil {
		return nil, err
	}
	switch name {
	case challengeCustom:
		return s.answerCustom(ctx, sess, responses["ANSWER"], in.ClientMetadata)
	case challengeNewPassword:
		return s.answerNewPassword(sess, responses["NEW_PASSWORD"])
	default:
		return nil, invalidParameter("cognitotest: answering " + name + " is not emulated")
	}
}

// answerCustom runs Verify on the answer, adds the result to the history
// and lets Define decide what follows. The ClientMetadata of the respond
// call reaches all three triggers.
func (s *Server) answerCustom(ctx context.Context, sess *authSession, answer string, meta map[string]string) (any, *apiError) {
	subj := sess.subject
	if !subj.notFound {
		s.mu.Lock()
		u := s.lookupSub(subj.username, subj.sub)
		if u != nil {
			subj = subjectOf(u) // attributes may have changed since the last round
		}
		s.mu.Unlock()
		if u == nil {
			return nil, notAuthorized(msgIncorrectCredentials)
		}
	}
	correct, err := s.verify(ctx, subj, sess.private, answer, meta)
	if err != nil {
		return nil, err
	}
	h := append(slices.Clone(sess.history), events.CognitoEventUserPoolsChallengeResult{
		ChallengeName:     challengeCustom,
		ChallengeResult:   correct,
		ChallengeMetadata: sess.metadata,
	})
	return s.nextStep(ctx, subj, h, meta)
}

// answerNewPassword completes NEW_PASSWORD_REQUIRED with a password that
// meets the policy: the user becomes CONFIRMED and signs in (or meets MFA).
func (s *Server) answerNewPassword(sess *authSession, newPassword string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookupSub(sess.subject.username, sess.subject.sub)
	switch {
	case u == nil:
		return nil, notAuthorized(msgIncorrectCredentials)
	case !u.enabled:
		return nil, notAuthorized(msgUserDisabled)
	}
	if err := s.setPassword(u, newPassword, s.current()); err != nil {
		return nil, err // only if the policy changed since respond checked it
	}
	u.status = types.UserStatusTypeConfirmed
	u.modified = s.now()
	if u.mfa {
		return s.mfaChallenge(u), nil
	}
	return s.result(s.signIn(u)), nil
}

// checkNewPassword checks a NEW_PASSWORD answer before its session is
// used up, so that a refused password leaves the session for another try.
func (s *Server) checkNewPassword(username, pw string) *apiError {
	st := s.current()
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.lookup(username); u != nil {
		return checkNewPassword(u, pw, st)
	}
	return st.policy.check(pw)
}
