package challenge_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
)

// Rotating the proof key without failing sign-ins: the Lambda first
// accepts the new key and the old one, then the backend signs with the new
// key, then the old one is dropped.
func TestHMACProofRotation(t *testing.T) {
	oldKey := []byte(strings.Repeat("o", 32))
	newKey := []byte(strings.Repeat("n", 32))
	strangerKey := []byte(strings.Repeat("s", 32))

	backendOld, err := challenge.NewHMACProof(oldKey)
	require.NoError(t, err)
	backendNew, err := challenge.NewHMACProof(newKey)
	require.NoError(t, err)
	stranger, err := challenge.NewHMACProof(strangerKey)
	require.NoError(t, err)

	lambda, err := challenge.NewHMACProof(newKey, oldKey)
	require.NoError(t, err)

	in := challenge.VerifyInput{Username: "alice@example.com", UserPoolID: "eu-west-1_X", ClientID: "c", Nonce: "n1"}
	check := func(signer *challenge.HMACProof) bool {
		in := in
		in.Answer = signer.Sign(in.Username, in.UserPoolID, in.ClientID, in.Nonce)
		ok, err := lambda.VerifyAnswer(context.Background(), in)
		require.NoError(t, err)
		return ok
	}
	assert.True(t, check(backendOld), "answers under the previous key still pass during the rotation")
	assert.True(t, check(backendNew), "answers under the new key pass")
	assert.False(t, check(stranger), "any other key fails")
	assert.Equal(t, backendNew.Sign("u", "p", "c", "n"), lambda.Sign("u", "p", "c", "n"), "Sign always uses the first key")

	// A proof for another nonce fails under either key.
	wrong := in
	wrong.Answer = backendOld.Sign(in.Username, in.UserPoolID, in.ClientID, "n2")
	ok, err := lambda.VerifyAnswer(context.Background(), wrong)
	require.NoError(t, err)
	assert.False(t, ok)

	_, err = challenge.NewHMACProof(newKey, []byte("short"))
	assert.Error(t, err, "previous keys are held to the same minimum length")
}
