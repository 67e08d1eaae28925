package corbado

import (
	"context"
	"errors"

	"github.com/passkeybridge/bridge/challenge"
)

// SessionTokenVerifier is a challenge.Verifier for provider-token mode: the
// answer to Cognito's custom challenge is a Corbado v2 session token, and
// the Lambda checks it itself (signature, issuer, expiry) instead of
// trusting an HMAC the backend computed. The backend sends the token with
// cognitobridge's StartSessionWithAnswer / LoginWithAnswer.
//
// The token's email claim must equal the Cognito user's email attribute,
// ignoring the case of ASCII letters (Corbado keeps the case the user
// typed), and the user's email_verified attribute must be "true". The
// event's userName is not compared: on pools with email as a username
// attribute it is a UUID, and on alias pools a generated name, so only
// the attribute names the address on every pool type. A valid token of
// another user, a token without an email claim (its orig claim is never
// taken for the address), and a user whose address Cognito does not hold
// as verified are wrong answers.
//
// A session token is a bearer credential, valid until its exp and not
// bound to Cognito's nonce: whoever holds a user's token can get that
// user's Cognito tokens until it expires. That is the trust this mode
// places in Corbado's session; the HMAC mode does not extend it to the
// Lambda.
type SessionTokenVerifier struct {
	sessions *SessionValidator
}

var _ challenge.Verifier = (*SessionTokenVerifier)(nil)

// NewSessionTokenVerifier returns a verifier checking tokens with v.
func NewSessionTokenVerifier(v *SessionValidator) (*SessionTokenVerifier, error) {
	if v == nil {
		return nil, errors.New("corbado: NewSessionTokenVerifier needs a SessionValidator")
	}
	return &SessionTokenVerifier{sessions: v}, nil
}

// VerifyAnswer reports whether in.Answer is a valid session token of the
// user in.UserAttributes describe: (false, nil) for a token that does not
// verify, has expired, names no or another email address, or a user
// without a verified email; an error only when the keys cannot be loaded
// (ErrUnavailable) or the context ended. It never returns true with an
// error.
func (s *SessionTokenVerifier) VerifyAnswer(ctx context.Context, in challenge.VerifyInput) (bool, error) {
	email := in.UserAttributes["email"]
	if in.UserNotFound || email == "" || in.UserAttributes["email_verified"] != "true" || in.Answer == "" {
		return false, nil
	}
	user, err := s.sessions.Validate(ctx, in.Answer)
	switch {
	case errors.Is(err, ErrInvalidToken):
		return false, nil
	case err != nil:
		return false, err
	}
	return user.Email != "" && asciiEqualFold(user.Email, email), nil
}

// asciiEqualFold compares ignoring the case of ASCII letters only. Unicode
// folding (strings.EqualFold) would equate "K" with the Kelvin sign U+212A,
// so an internationalised address someone else controls could match.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
