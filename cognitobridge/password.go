package cognitobridge

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// VerifyPassword reports whether password is username's Cognito password,
// with one sign-in (Config.PasswordAuthFlow; SECRET_HASH when the client
// has a secret). It answers the passwordVerify webhook for users who had a
// password before passkeys.
//
// (true, nil) only when Cognito issued tokens. (false, nil) when it
// refused for reasons of the user or the password: a wrong password, an
// unknown, disabled, unconfirmed or reset-pending user, too many failed
// attempts, an empty username or password (not sent at all), and a
// sign-in that needs a further step (MFA, NEW_PASSWORD_REQUIRED): a
// password that leads to a challenge is not a verified password. Everything
// else is an error: throttling and outages (ErrUnavailable; the seed
// turned those into "wrong password"), and a pool or client that cannot
// run the flow (ErrMisconfigured: flow not enabled, wrong client secret).
//
// The tokens a successful check yields are dropped unseen: never returned,
// logged or revoked (a revocation would be another call per check, and
// the tokens never leave this function). They expire on their own.
func (s *Store) VerifyPassword(ctx context.Context, username, password string) (bool, error) {
	const op = "verify password"
	if username == "" || password == "" {
		// Cognito would answer InvalidParameterException, which would read
		// as a misconfiguration; an empty password is merely wrong.
		return false, nil
	}
	result, challenge, call, err := s.passwordAuth(ctx, username, password)
	if err != nil {
		if reason, refused := passwordRefused(err); refused {
			s.log.LogAttrs(ctx, levelDebug, "cognitobridge: password not verified", userAttr(username), reasonAttr(reason))
			return false, nil
		}
		e := callError(op, call, err)
		s.logFailure(ctx, op, username, e)
		return false, e
	}
	if result == nil || result.AccessToken == nil {
		// Cognito accepted the password but wants more (MFA, a new
		// password). Only the challenge's name is logged.
		s.log.LogAttrs(ctx, levelInfo, "cognitobridge: password led to a challenge, not verified",
			userAttr(username), reasonAttr(string(challenge)))
		return false, nil
	}
	s.log.LogAttrs(ctx, levelDebug, "cognitobridge: password verified", userAttr(username))
	return true, nil
}

// SignInWithPassword signs username in with its Cognito password and
// returns the session: ONE call (Config.PasswordAuthFlow, SECRET_HASH when
// the client has a secret) mints the one token set the caller gets, so no
// second, unrevoked session is left behind as a VerifyPassword followed by
// Login would leave it.
//
// A wrong password, an unknown user and a user who cannot sign in with a
// password (reset required, unconfirmed, locked out) fail alike with
// ErrWrongPassword; a disabled user with ErrUserDisabled, so that a caller
// can say the account is blocked; a sign-in that needs a further step
// (MFA, NEW_PASSWORD_REQUIRED) with ErrNotAuthorized. Outages are
// ErrUnavailable and a pool or client that cannot run the flow
// ErrMisconfigured, as for VerifyPassword. With Config.IDTokens set the ID
// token is checked as for StartSession.
func (s *Store) SignInWithPassword(ctx context.Context, username, password string) (*Session, error) {
	const op = "sign in with password"
	if username == "" || password == "" {
		return nil, &Error{Op: op, Kind: ErrWrongPassword}
	}
	result, challenge, call, err := s.passwordAuth(ctx, username, password)
	var e error
	switch {
	case err != nil:
		_, msg := apiCode(err)
		reason, refused := passwordRefused(err)
		switch {
		case userDisabled(msg):
			e = &Error{Op: op, Call: call, Kind: ErrUserDisabled, Err: err}
		case refused:
			s.log.LogAttrs(ctx, levelDebug, "cognitobridge: password sign-in refused", userAttr(username), reasonAttr(reason))
			return nil, &Error{Op: op, Call: call, Kind: ErrWrongPassword, Err: err}
		default:
			e = callError(op, call, err)
		}
	case result == nil:
		e = unexpectedChallenge(op, call, challenge)
	default:
		sess, serr := s.session(ctx, op, result, "")
		if serr == nil {
			s.log.LogAttrs(ctx, levelDebug, "cognitobridge: signed in with password", userAttr(username))
			return sess, nil
		}
		e = serr
	}
	s.logFailure(ctx, op, username, e)
	return nil, e
}

// passwordAuth runs one password sign-in with Config.PasswordAuthFlow and
// names the call it made.
func (s *Store) passwordAuth(ctx context.Context, username, password string) (*types.AuthenticationResultType, types.ChallengeNameType, string, error) {
	params := s.addSecretHash(map[string]string{"USERNAME": username, "PASSWORD": password}, username)
	if s.passwordFlow == types.AuthFlowTypeAdminUserPasswordAuth {
		out, err := s.client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			AuthFlow:       s.passwordFlow,
			UserPoolId:     aws.String(s.poolID),
			ClientId:       aws.String(s.clientID),
			AuthParameters: params,
		})
		if err != nil {
			return nil, "", "AdminInitiateAuth", err
		}
		return out.AuthenticationResult, out.ChallengeName, "AdminInitiateAuth", nil
	}
	out, err := s.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       s.passwordFlow,
		ClientId:       aws.String(s.clientID),
		AuthParameters: params,
	})
	if err != nil {
		return nil, "", "InitiateAuth", err
	}
	return out.AuthenticationResult, out.ChallengeName, "InitiateAuth", nil
}

// passwordRefused reports whether err is Cognito refusing this user or
// password, as opposed to failing or being misconfigured, and names the
// exception for the log.
func passwordRefused(err error) (reason string, refused bool) {
	code, msg := apiCode(err)
	switch code {
	case codeNotAuthorized:
		// Wrong password, disabled user, too many attempts, an unknown
		// user behind PreventUserExistenceErrors: all the same to the
		// caller. A wrong client secret shows up as this code too, but no
		// password could ever pass then, so it is an error.
		return code, !secretHashProblem(msg)
	case codeUserNotFound, codePasswordResetRequired, codeUserNotConfirmed:
		return code, true
	case codeInvalidPassword:
		// Real Cognito raises this only when a password is being set that
		// breaks the pool's policy; a sign-in sets none (a user-migration
		// trigger can, and then a password the policy rejects cannot be
		// the user's either). cognito-local answers every wrong password
		// with it instead of NotAuthorizedException.
		return code, true
	}
	return "", false
}
