package challenge_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
)

// rawSign spells out the documented proof encoding without the package's
// guards, to build proofs the package itself refuses to make (over an empty
// nonce).
func rawSign(key []byte, fields ...string) string {
	var msg []byte
	for _, f := range append([]string{"passkeybridge/challenge/v1"}, fields...) {
		msg = binary.BigEndian.AppendUint64(msg, uint64(len(f)))
		msg = append(msg, f...)
	}
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestNewHMACProof(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr bool
	}{
		{name: "nil", key: nil, wantErr: true},
		{name: "empty", key: []byte{}, wantErr: true},
		{name: "16 bytes, an AES-128-sized key", key: []byte(strings.Repeat("k", 16)), wantErr: true},
		{name: "31 bytes", key: []byte(strings.Repeat("k", 31)), wantErr: true},
		{name: "32 bytes", key: []byte(strings.Repeat("k", 32))},
		{name: "64 bytes", key: []byte(strings.Repeat("k", 64))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := challenge.NewHMACProof(tt.key)
			if tt.wantErr {
				require.Error(t, err)
				assert.Nil(t, p)
				assert.True(t, strings.HasPrefix(err.Error(), "challenge: "), err.Error())
				assert.Contains(t, err.Error(), fmt.Sprintf("at least 32 bytes, got %d", len(tt.key)))
				if len(tt.key) > 0 {
					assert.NotContains(t, err.Error(), string(tt.key))
				}
				return
			}
			require.NoError(t, err)
			require.NotNil(t, p)
		})
	}
}

func TestNewHMACProofCopiesKey(t *testing.T) {
	key := testKey()
	p, err := challenge.NewHMACProof(key)
	require.NoError(t, err)
	for i := range key {
		key[i] = 0xff
	}
	assert.Equal(t, testProof, p.Sign(testUser, testPool, testClient, testNonce))
}

// The expected proof was computed with Python's standard library, not with
// this package:
//
//	import hmac, hashlib, base64, struct
//	enc = lambda s: struct.pack('>Q', len(s.encode())) + s.encode()
//	msg = b''.join(map(enc, ["passkeybridge/challenge/v1", user, pool, client, nonce]))
//	base64.urlsafe_b64encode(hmac.new(bytes(range(32)), msg, hashlib.sha256).digest()).rstrip(b'=')
func TestHMACProofSignKnownAnswer(t *testing.T) {
	p := newProof(t)
	assert.Equal(t, testProof, p.Sign(testUser, testPool, testClient, testNonce))
	assert.Equal(t, "C8JjW8GXbNrU76idzqLHAULEn-H-KytkjA5isR6BDWA",
		p.Sign("mallory@example.com", testPool, testClient, testNonce))
	assert.Equal(t, testProof, rawSign(testKey(), testUser, testPool, testClient, testNonce),
		"rawSign must follow the same encoding")
}

func TestHMACProofSignEmptyNonce(t *testing.T) {
	assert.Empty(t, newProof(t).Sign(testUser, testPool, testClient, ""))
}

func TestHMACProofSignShape(t *testing.T) {
	got := newProof(t).Sign(testUser, testPool, testClient, testNonce)
	require.Len(t, got, 43)
	raw, err := base64.RawURLEncoding.DecodeString(got)
	require.NoError(t, err)
	assert.Len(t, raw, sha256.Size)
}

func TestHMACProofVerifyAnswer(t *testing.T) {
	otherKey := []byte(strings.Repeat("x", 32))
	valid := challenge.VerifyInput{
		Username: testUser, UserPoolID: testPool, ClientID: testClient,
		Nonce: testNonce, Answer: testProof,
	}
	with := func(change func(*challenge.VerifyInput)) challenge.VerifyInput {
		in := valid
		change(&in)
		return in
	}
	// testProof ends in 's' (…101100): its two spare bits are zero. 't'
	// (…101101) decodes to the same bytes under a lax decoder.
	nonCanonical := testProof[:42] + "t"

	tests := []struct {
		name string
		in   challenge.VerifyInput
		want bool
	}{
		{name: "right proof", in: valid, want: true},
		{name: "empty answer", in: with(func(in *challenge.VerifyInput) { in.Answer = "" })},
		{name: "public nonce as answer", in: with(func(in *challenge.VerifyInput) { in.Answer = testNonce })},
		{name: "proof for another user", in: with(func(in *challenge.VerifyInput) {
			in.Answer = rawSign(testKey(), "bob@example.com", testPool, testClient, testNonce)
		})},
		{name: "proof for another pool", in: with(func(in *challenge.VerifyInput) {
			in.Answer = rawSign(testKey(), testUser, "eu-central-1_Other0001", testClient, testNonce)
		})},
		{name: "proof for another client", in: with(func(in *challenge.VerifyInput) {
			in.Answer = rawSign(testKey(), testUser, testPool, "otherclient0000000000000aa", testNonce)
		})},
		{name: "proof for another nonce", in: with(func(in *challenge.VerifyInput) {
			in.Answer = rawSign(testKey(), testUser, testPool, testClient, "another-nonce")
		})},
		{name: "proof under another key", in: with(func(in *challenge.VerifyInput) {
			in.Answer = rawSign(otherKey, testUser, testPool, testClient, testNonce)
		})},
		{name: "empty nonce, proof over empty nonce", in: with(func(in *challenge.VerifyInput) {
			in.Nonce = ""
			in.Answer = rawSign(testKey(), testUser, testPool, testClient, "")
		})},
		{name: "user not found, right proof", in: with(func(in *challenge.VerifyInput) { in.UserNotFound = true })},
		{name: "truncated", in: with(func(in *challenge.VerifyInput) { in.Answer = testProof[:42] })},
		{name: "extra character", in: with(func(in *challenge.VerifyInput) { in.Answer = testProof + "A" })},
		{name: "padded", in: with(func(in *challenge.VerifyInput) { in.Answer = testProof + "=" })},
		{name: "trailing newline", in: with(func(in *challenge.VerifyInput) { in.Answer = testProof + "\n" })},
		{name: "newline inside", in: with(func(in *challenge.VerifyInput) { in.Answer = testProof[:20] + "\n" + testProof[21:] })},
		{name: "standard alphabet", in: with(func(in *challenge.VerifyInput) { in.Answer = strings.ReplaceAll(testProof, "-", "+") })},
		{name: "non-canonical trailing bits", in: with(func(in *challenge.VerifyInput) { in.Answer = nonCanonical })},
		{name: "upper-cased", in: with(func(in *challenge.VerifyInput) { in.Answer = strings.ToUpper(testProof) })},
		{name: "one byte flipped", in: with(func(in *challenge.VerifyInput) { in.Answer = "K" + testProof[1:] })},
		{name: "hex of the MAC", in: with(func(in *challenge.VerifyInput) { in.Answer = strings.Repeat("ab", 32) })},
	}
	p := newProof(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.VerifyAnswer(t.Context(), tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	// The non-canonical spelling really is the same MAC, so only strict
	// decoding refuses it.
	lax, err := base64.RawURLEncoding.DecodeString(nonCanonical)
	require.NoError(t, err)
	canonical, err := base64.RawURLEncoding.DecodeString(testProof)
	require.NoError(t, err)
	require.Equal(t, canonical, lax)
}

func TestHMACProofFieldsAreUnambiguous(t *testing.T) {
	p := newProof(t)
	tests := []struct {
		name string
		a, b [4]string
	}{
		{name: "username|pool", a: [4]string{"ab", "c", "x", "n"}, b: [4]string{"a", "bc", "x", "n"}},
		{name: "pool|client", a: [4]string{"u", "ab", "c", "n"}, b: [4]string{"u", "a", "bc", "n"}},
		{name: "client|nonce", a: [4]string{"u", "p", "ab", "c"}, b: [4]string{"u", "p", "a", "bc"}},
		{name: "empty shifts", a: [4]string{"", "up", "c", "n"}, b: [4]string{"up", "", "c", "n"}},
		{name: "length-prefix lookalike", a: [4]string{"u\x00\x00\x00\x00\x00\x00\x00\x01p", "", "c", "n"}, b: [4]string{"u", "p", "c", "n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sa := p.Sign(tt.a[0], tt.a[1], tt.a[2], tt.a[3])
			sb := p.Sign(tt.b[0], tt.b[1], tt.b[2], tt.b[3])
			assert.NotEqual(t, sa, sb)
			ok, err := p.VerifyAnswer(t.Context(), challenge.VerifyInput{
				Username: tt.b[0], UserPoolID: tt.b[1], ClientID: tt.b[2], Nonce: tt.b[3], Answer: sa,
			})
			require.NoError(t, err)
			assert.False(t, ok)
		})
	}
}

func TestHMACProofConcurrentUse(t *testing.T) {
	p := newProof(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				ok, err := p.VerifyAnswer(t.Context(), challenge.VerifyInput{
					Username: testUser, UserPoolID: testPool, ClientID: testClient, Nonce: testNonce,
					Answer: p.Sign(testUser, testPool, testClient, testNonce),
				})
				assert.NoError(t, err)
				assert.True(t, ok)
			}
		})
	}
	wg.Wait()
}
