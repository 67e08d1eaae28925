package challenge

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// MinKeySize is the shortest HMACProof key accepted, in bytes: the output
// size of SHA-256, so the key is never the weak link.
const MinKeySize = 32

// proofLabel separates these MACs from anything else the same key might be
// (wrongly) used for; bump the version if the encoding ever changes.
const proofLabel = "passkeybridge/challenge/v1"

// proofLen is the length of an encoded proof: base64url, no padding, of a
// SHA-256 sum.
var proofLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

// strictRawURL refuses non-zero trailing bits, so each proof has exactly one
// accepted spelling.
var strictRawURL = base64.RawURLEncoding.Strict()

// HMACProof is the default Verifier: the answer to a challenge is an
// HMAC-SHA256, under a key only the backend and the Lambda hold, over the
// username, user pool ID, app client ID and the nonce Create issued. The
// nonce is public, so a caller who sees it still cannot answer without the
// key. An HMACProof is safe for concurrent use.
type HMACProof struct {
	key      []byte
	previous [][]byte // also accepted by VerifyAnswer, never used to Sign
}

var _ Verifier = (*HMACProof)(nil)

// NewHMACProof returns an HMACProof with a copy of key, which must hold at
// least MinKeySize bytes from a cryptographic random source.
//
// previous keys, if any, are accepted by VerifyAnswer but never used by
// Sign: they let the key rotate without failing sign-ins. Give the Lambda
// the new key with the old one as previous, then move the backend to the
// new key, then drop the old one from the Lambda.
func NewHMACProof(key []byte, previous ...[]byte) (*HMACProof, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("challenge: proof key must be at least %d bytes, got %d", MinKeySize, len(key))
	}
	p := &HMACProof{key: append([]byte(nil), key...)}
	for _, k := range previous {
		if len(k) < MinKeySize {
			return nil, fmt.Errorf("challenge: previous proof key must be at least %d bytes, got %d", MinKeySize, len(k))
		}
		p.previous = append(p.previous, append([]byte(nil), k...))
	}
	return p, nil
}

// Sign returns the answer to the challenge carrying nonce, for username in
// the pool and app client given: base64url without padding of the HMAC. The
// backend sends it as ANSWER in (Admin)RespondToAuthChallenge. An empty
// nonce yields "", which no Verify accepts: there is no proof without a
// challenge.
func (p *HMACProof) Sign(username, userPoolID, clientID, nonce string) string {
	if nonce == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(mac(p.key, username, userPoolID, clientID, nonce))
}

// VerifyAnswer reports whether in.Answer is Sign(in.Username, in.UserPoolID,
// in.ClientID, in.Nonce), compared in constant time. A missing user, an
// empty nonce and an empty or malformed answer are all false. It never
// returns an error.
func (p *HMACProof) VerifyAnswer(_ context.Context, in VerifyInput) (bool, error) {
	if in.UserNotFound {
		return false, nil
	}
	return p.verify(in.Username, in.UserPoolID, in.ClientID, in.Nonce, in.Answer), nil
}

func (p *HMACProof) verify(username, userPoolID, clientID, nonce, answer string) bool {
	if nonce == "" || len(answer) != proofLen {
		return false
	}
	var got [sha256.Size]byte
	n, err := strictRawURL.Decode(got[:], []byte(answer))
	if err != nil || n != len(got) {
		return false
	}
	// Every key is tried, so the time taken does not tell which one matched.
	ok := hmac.Equal(got[:], mac(p.key, username, userPoolID, clientID, nonce))
	for _, k := range p.previous {
		ok = hmac.Equal(got[:], mac(k, username, userPoolID, clientID, nonce)) || ok
	}
	return ok
}

// mac computes HMAC-SHA256 over the label and the four fields, each prefixed
// by its length as a big-endian uint64, so no two different tuples encode
// alike: ("ab", "c") and ("a", "bc") differ in their prefixes.
func mac(key []byte, username, userPoolID, clientID, nonce string) []byte {
	var stack [256]byte
	msg := stack[:0]
	for _, field := range [...]string{proofLabel, username, userPoolID, clientID, nonce} {
		msg = binary.BigEndian.AppendUint64(msg, uint64(len(field)))
		msg = append(msg, field...)
	}
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
