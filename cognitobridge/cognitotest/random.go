package cognitotest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
)

// Character sets for generated identifiers.
const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + lowerAlnum
)

// randomString returns n characters drawn uniformly from set (at most 256
// characters) with crypto/rand. A byte is used only when it falls below the
// largest multiple of len(set), so that no character is favoured.
func randomString(n int, set string) string {
	limit := 256 - 256%len(set)
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read does not fail (Go ≥ 1.24)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, set[int(b)%len(set)])
			}
		}
	}
	return string(out)
}

// randomToken returns n random bytes, base64url without padding: opaque
// session strings and refresh tokens.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID, the form of Cognito's sub,
// jti, origin_jti and event_id.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}
