package testtools

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartDynalite(t *testing.T) {
	var endpoint string
	t.Run("serves DynamoDB", func(t *testing.T) {
		endpoint = StartDynalite(t)
		require.True(t, strings.HasPrefix(endpoint, "http://127.0.0.1:"), endpoint)

		req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(`{}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		// dynalite checks that a request is signed, not the signature.
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		assert.JSONEq(t, `{"TableNames":[]}`, string(body))
	})
	if endpoint == "" {
		t.Skip("dynalite not started")
	}

	// The subtest's cleanup has stopped the emulator.
	client := &http.Client{Timeout: time.Second}
	_, err := client.Get(endpoint + "/")
	assert.Error(t, err, "dynalite still answers after the test ended")
}
