package cognitobridge

import (
	"context"
	"errors"
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
//
// A user Cognito does not know is created before Cognito hands the answer
// to the Lambda, so a bogus token for a new username still leaves that
// (passwordless, provider-marked) user behind. Check the token in the
// backend first (corbado.SessionValidator does); the Lambda's check is the
// second, independent one that makes a compromised backend unable to mint
// sessions alone.
func (s *Store) LoginWithAnswer(ctx context.Context, username, answer string) (*Session, error) {
	const op = "login with answer"
	if answer == "" {
		return nil, &Error{Op: op, Kind: ErrNotAuthorized, Err: errEmptyAnswer}
	}
	return s.login(ctx, op, username, fixedAnswer(answer))
}

var errEmptyAnswer = errors.New("cognitobridge: empty challenge answer")

func fixedAnswer(answer string) answerFunc {
	return func(string, string) string { return answer }
}

// errNoProof is the error of StartSession and Login on a Store without a
// Proof: one built for provider-token mode only.
func errNoProof(op string) error {
	return &Error{Op: op, Kind: ErrMisconfigured, Err: errors.New("cognitobridge: no Proof configured; use the WithAnswer methods in provider-token mode")}
}
