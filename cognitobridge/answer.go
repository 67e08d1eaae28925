package cognitobridge

import (
	"context"
	"errors"

	"github.com/passkeybridge/bridge/challenge"
)

// StartSessionWithAnswer is StartSession in provider-token mode: the answer
// to the custom challenge is answer itself (a passkey provider's token),
// which the Lambda's Verifier checks with the provider, instead of the
// HMAC proof. The backend then holds no key that can mint sessions on its
// own; the provider's word is what Cognito trusts.
func (s *Store) StartSessionWithAnswer(ctx context.Context, username, answer string) (*Session, error) {
	const op = "start session with answer"
	if answer == "" {
		return nil, &Error{Op: op, Kind: ErrNotAuthorized, Err: errEmptyAnswer}
	}
	sess, err := s.startSession(ctx, op, username, fixedAnswer(answer))
	if err != nil {
		s.logFailure(ctx, op, username, err)
		return nil, err
	}
	return sess, nil
}

// LoginWithAnswer is Login in provider-token mode; see StartSessionWithAnswer.
// opts applies only when the user is created (see CreateOptions).
//
// Cognito can only hand the answer to the Lambda for a user it has, so the
// Lambda cannot vouch for a token before the user exists. LoginWithAnswer
// therefore creates a user only after Config.AnswerVerifier (the same
// Verifier the Lambda runs, such as corbado.SessionTokenVerifier) accepted
// the answer in this process: an invalid token creates nothing and fails
// with ErrNotAuthorized. Without an AnswerVerifier it never creates a user
// (ErrMisconfigured for one Cognito does not know). The Lambda's check
// stays the second, independent one that keeps a compromised backend from
// minting sessions alone.
func (s *Store) LoginWithAnswer(ctx context.Context, username, answer string, opts CreateOptions) (*Session, error) {
	const op = "login with answer"
	if answer == "" {
		return nil, &Error{Op: op, Kind: ErrNotAuthorized, Err: errEmptyAnswer}
	}
	beforeCreate := func() error {
		if s.answers == nil {
			return &Error{Op: op, Kind: ErrMisconfigured, Err: errNoAnswerVerifier}
		}
		// The verifier sees the user about to be created, as the
		// Lambda's Verify trigger will see it.
		attrs := map[string]string{"email": username, "email_verified": "false"}
		if opts.EmailVerified {
			attrs["email_verified"] = "true"
		}
		ok, err := s.answers.VerifyAnswer(ctx, challenge.VerifyInput{
			Username:       username,
			UserPoolID:     s.poolID,
			ClientID:       s.clientID,
			Answer:         answer,
			UserAttributes: attrs,
		})
		switch {
		case err != nil:
			return &Error{Op: op, Kind: classify(err), Err: err}
		case !ok:
			return &Error{Op: op, Kind: ErrNotAuthorized, Err: errAnswerRejected}
		}
		return nil
	}
	return s.login(ctx, op, username, fixedAnswer(answer), beforeCreate, opts)
}

var (
	errEmptyAnswer      = errors.New("cognitobridge: empty challenge answer")
	errNoAnswerVerifier = errors.New("cognitobridge: no AnswerVerifier configured, so LoginWithAnswer creates no user")
)

func fixedAnswer(answer string) answerFunc {
	return func(string, string) string { return answer }
}

// errNoProof is the error of StartSession and Login on a Store without a
// Proof: one built for provider-token mode only.
func errNoProof(op string) error {
	return &Error{Op: op, Kind: ErrMisconfigured, Err: errors.New("cognitobridge: no Proof configured; use the WithAnswer methods in provider-token mode")}
}
