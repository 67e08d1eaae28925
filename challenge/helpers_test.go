package challenge_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
)

// The values the testdata events are built on. testProof was computed
// independently of this package (see TestHMACProofSignKnownAnswer).
const (
	testPool   = "eu-central-1_aBcDeF123"
	testClient = "4tq9ab8iqb7k9kq7ul2e5kkmq3"
	testUser   = "alice@example.com"
	testNonce  = "i6kXlL4fhb2ALX79oBSX4XWSKFM7_AqulJXeDLedbdY"
	testProof  = "J7aPq5foeXl1hfUtHw2Cj2dozgJuTNC-wrwp0N2x6-s"
)

// testKey is the bytes 0x00 … 0x1f.
func testKey() []byte {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	return key
}

// testHeader is the header Cognito sends for alice in the test pool.
func testHeader(triggerSource string) events.CognitoEventUserPoolsHeader {
	return events.CognitoEventUserPoolsHeader{
		Version:       "1",
		TriggerSource: triggerSource,
		Region:        "eu-central-1",
		UserPoolID:    testPool,
		UserName:      testUser,
		CallerContext: events.CognitoEventUserPoolsCallerContext{AWSSDKVersion: "aws-sdk-unknown-unknown", ClientID: testClient},
	}
}

func newProof(t testing.TB) *challenge.HMACProof {
	t.Helper()
	p, err := challenge.NewHMACProof(testKey())
	require.NoError(t, err)
	return p
}

func newHandler(t testing.TB, cfg challenge.Config) *challenge.Handler {
	t.Helper()
	if cfg.Verifier == nil {
		cfg.Verifier = newProof(t)
	}
	h, err := challenge.New(cfg)
	require.NoError(t, err)
	return h
}

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// fakeVerifier records what it was asked and answers as told.
type fakeVerifier struct {
	mu     sync.Mutex
	calls  []challenge.VerifyInput
	answer bool
	err    error
}

func (f *fakeVerifier) VerifyAnswer(_ context.Context, in challenge.VerifyInput) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	return f.answer, f.err
}
