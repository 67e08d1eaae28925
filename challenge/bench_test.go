package challenge_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passkeybridge/bridge/challenge"
)

// BenchmarkHandle measures one event of each trigger through Handle, from
// raw JSON to the typed response (the Lambda runtime's own encoding of the
// result is not included), beside the decode floor: one json.Unmarshal of
// the event into its aws-lambda-go type, the least any handler does.
func BenchmarkHandle(b *testing.B) {
	h := newHandler(b, challenge.Config{})
	for _, bc := range []struct {
		name, file string
		typed      func() any
	}{
		{"define", "define-multi-round.json", func() any { return new(events.CognitoEventUserPoolsDefineAuthChallenge) }},
		{"create", "create-second-round.json", func() any { return new(events.CognitoEventUserPoolsCreateAuthChallenge) }},
		{"verify", "verify-correct-answer.json", func() any { return new(events.CognitoEventUserPoolsVerifyAuthChallenge) }},
	} {
		raw := json.RawMessage(readEvent(b, bc.file))
		b.Run(bc.name+"-decode-floor", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if err := json.Unmarshal(raw, bc.typed()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := h.Handle(b.Context(), raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
