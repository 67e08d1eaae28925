package challenge

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// NonceParameter is the key of the nonce in both the public and the private
// challenge parameters. The backend reads ChallengeParameters[NonceParameter]
// from (Admin)InitiateAuth and answers HMACProof.Sign over it.
const NonceParameter = "nonce"

// ChallengeMetadata marks the challenges this package creates in the
// session; it names the kind of challenge and holds no secret.
const ChallengeMetadata = "PASSKEYBRIDGE_NONCE"

// nonceSize is the nonce's entropy in bytes (256 bits).
const nonceSize = 32

// Create answers the CreateAuthChallenge trigger: a fresh random nonce,
// published in the public parameters and kept in the private ones, which
// Cognito requires to be non-empty and hands to Verify. Users Cognito does
// not know get a challenge of exactly the same shape. It returns a copy of ev
// with the response set; ev itself is not changed.
func (h *Handler) Create(_ context.Context, ev *events.CognitoEventUserPoolsCreateAuthChallenge) (*events.CognitoEventUserPoolsCreateAuthChallenge, error) {
	if ev == nil {
		return nil, malformed(errNilEvent)
	}
	if ev.Request.ChallengeName != CustomChallenge {
		return nil, fmt.Errorf("%w %s", ErrUnexpectedChallenge, echo(ev.Request.ChallengeName))
	}
	nonce := newNonce()
	out := *ev
	out.Response = events.CognitoEventUserPoolsCreateAuthChallengeResponse{
		PublicChallengeParameters:  map[string]string{NonceParameter: nonce},
		PrivateChallengeParameters: map[string]string{NonceParameter: nonce},
		ChallengeMetadata:          ChallengeMetadata,
	}
	return &out, nil
}

// newNonce returns nonceSize bytes from crypto/rand, base64url without
// padding. crypto/rand.Read does not fail (it crashes the program on an
// unusable source since Go 1.24), so there is no error to return.
func newNonce() string {
	var b [nonceSize]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
