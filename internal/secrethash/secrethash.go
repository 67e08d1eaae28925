// Package secrethash computes Cognito's SECRET_HASH, shared by the store that
// sends it and the emulator that checks it.
package secrethash

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// Compute returns base64(HMAC-SHA256(key = clientSecret, msg = username + clientID)),
// the value Cognito expects in SECRET_HASH whenever the app client has a secret.
func Compute(clientSecret, username, clientID string) string {
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte(username))
	mac.Write([]byte(clientID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Equal reports, in constant time, whether got is the SECRET_HASH for
// username under clientID and clientSecret.
func Equal(got, clientSecret, username, clientID string) bool {
	want := Compute(clientSecret, username, clientID)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
