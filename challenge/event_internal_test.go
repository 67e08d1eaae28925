package challenge

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeTyped decodes raw the way Handle did before anyEvent: the trigger
// source first, then the whole event into its own aws-lambda-go type.
func decodeTyped(raw []byte) (any, error) {
	var header struct {
		TriggerSource string `json:"triggerSource"`
	}
	if err := json.Unmarshal(raw, &header); err != nil {
		return nil, err
	}
	var ev any
	switch header.TriggerSource {
	case TriggerSourceDefine:
		ev = new(events.CognitoEventUserPoolsDefineAuthChallenge)
	case TriggerSourceCreate:
		ev = new(events.CognitoEventUserPoolsCreateAuthChallenge)
	case TriggerSourceVerify:
		ev = new(events.CognitoEventUserPoolsVerifyAuthChallenge)
	default:
		return nil, nil
	}
	if err := json.Unmarshal(raw, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// decodeOnce decodes raw as Handle does now.
func decodeOnce(raw []byte) (any, error) {
	var ev anyEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	switch ev.TriggerSource {
	case TriggerSourceDefine:
		return ev.define(), nil
	case TriggerSourceCreate:
		return ev.create(), nil
	case TriggerSourceVerify:
		return ev.verify(), nil
	}
	return nil, nil
}

// Every real event in testdata (Cognito's and aws-lambda-go's samples,
// with requests and responses filled in) reads the same through the one
// decode as through the typed one.
func TestAnyEventDecodesAsTheTypedEvent(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, name := range files {
		raw, err := os.ReadFile(name)
		require.NoError(t, err)
		// With the response filled, as an event could arrive.
		var withResponse map[string]any
		require.NoError(t, json.Unmarshal(raw, &withResponse))
		withResponse["response"] = map[string]any{
			"challengeName": "CUSTOM_CHALLENGE", "issueTokens": true, "failAuthentication": true,
			"publicChallengeParameters": map[string]string{"a": "b"}, "privateChallengeParameters": map[string]string{"c": "d"},
			"challengeMetadata": "m", "answerCorrect": true,
		}
		filled, err := json.Marshal(withResponse)
		require.NoError(t, err)
		for _, in := range [][]byte{raw, filled} {
			want, err := decodeTyped(in)
			require.NoError(t, err, name)
			require.NotNil(t, want, name)
			got, err := decodeOnce(in)
			require.NoError(t, err, name)
			assert.Equal(t, want, got, name)
		}
	}
}

// FuzzAnyEvent: whatever the one decode accepts, the typed decode
// accepts too and reads the same. (The converse fails only for a field of
// another trigger's event with the wrong type, which Cognito never sends.)
func FuzzAnyEvent(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"challengeAnswer":{"a":[1,2]}}}`))
	f.Add([]byte(`{"triggerSource":"DefineAuthChallenge_Authentication","request":{"session":[null]},"response":{"issueTokens":true}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeOnce(raw)
		if err != nil {
			return
		}
		want, err := decodeTyped(raw)
		if err != nil {
			t.Fatalf("one decode accepted what the typed decode refuses: %v", err)
		}
		assert.Equal(t, want, got)
	})
}
