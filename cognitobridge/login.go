package cognitobridge

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Login signs username in, creating the user first if Cognito does not
// know it: the one call a passkey provider's callback needs.
//
// A returning user costs exactly StartSession's two Cognito calls: Login
// does not look the user up first, it tries the session and reacts to the
// failure. A first login costs five (the failed AdminInitiateAuth,
// CreateUser's two, StartSession's two); six when the app client has
// PreventUserExistenceErrors, because the missing user is only told apart
// by a rejected challenge answer, one call later. CreateUser is attempted
// whenever the failure may mean "no such user" (UserNotFoundException, a
// NotAuthorizedException, a rejected answer) or a repair may help
// (NEW_PASSWORD_REQUIRED); for a user that does exist it is harmless
// (UsernameExistsException), and it repairs a half-created user.
// StartSession is then tried once more.
//
// opts applies only when the user is created (see CreateOptions). A
// disabled user fails with ErrUserDisabled and is never created anew.
func (s *Store) Login(ctx context.Context, username string, opts CreateOptions) (*Session, error) {
	if s.proof == nil {
		return nil, errNoProof("login")
	}
	return s.login(ctx, "login", username, s.proofAnswer, nil, opts)
}

// login is Login with a pluggable answer. beforeCreate, when set, runs
// before a user is created and may refuse the create.
func (s *Store) login(ctx context.Context, op, username string, answer answerFunc, beforeCreate func() error, opts CreateOptions) (*Session, error) {
	sess, err := s.startSession(ctx, op, username, answer)
	if err == nil {
		return sess, nil
	}
	if !worthEnsuring(err) {
		s.logFailure(ctx, op, username, err)
		return nil, err
	}
	if beforeCreate != nil {
		if cerr := beforeCreate(); cerr != nil {
			s.logFailure(ctx, op, username, cerr)
			return nil, cerr
		}
	}
	if _, cerr := s.createUser(ctx, op, username, opts); cerr != nil {
		s.logFailure(ctx, op, username, cerr)
		return nil, cerr
	}
	sess, err = s.startSession(ctx, op, username, answer)
	if err != nil {
		s.logFailure(ctx, op, username, err)
		return nil, err
	}
	return sess, nil
}

// worthEnsuring reports whether a failed StartSession may stand for a user
// Cognito does not have, or for one CreateUser repairs: a half-created user
// waits in FORCE_CHANGE_PASSWORD, for which Cognito follows the custom
// challenge with NEW_PASSWORD_REQUIRED. A secret-hash NotAuthorizedException
// is classified ErrMisconfigured and a "User is disabled." one
// ErrUserDisabled, so neither reaches CreateUser.
func worthEnsuring(err error) bool {
	var ce *challengeError
	switch {
	case errors.Is(err, ErrUserNotFound), errors.Is(err, errAnswerRejected):
		return true
	case errors.As(err, &ce):
		return ce.name == string(types.ChallengeNameTypeNewPasswordRequired)
	}
	code, _ := apiCode(err)
	return code == codeNotAuthorized && errors.Is(err, ErrNotAuthorized)
}
