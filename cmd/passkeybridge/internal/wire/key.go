package wire

import (
	"crypto/rand"
	"encoding/base64"
)

// KeySize is the length of a proof key NewKey makes, in bytes: the
// minimum challenge.NewHMACProof accepts.
const KeySize = 32

// NewKey returns a new proof key for PASSKEYBRIDGE_PROOF_KEY and
// challenge.NewHMACProof: standard base64 of KeySize bytes from
// crypto/rand.
func NewKey() (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
