package challenge_test

import (
	"encoding/json"
	"testing"

	"github.com/passkeybridge/bridge/challenge"
)

// BenchmarkHandle measures one event of each trigger through Handle, from
// raw JSON to the typed response (the Lambda runtime's own encoding of the
// result is not included).
func BenchmarkHandle(b *testing.B) {
	h := newHandler(b, challenge.Config{})
	for _, bc := range []struct{ name, file string }{
		{"define", "define-multi-round.json"},
		{"create", "create-second-round.json"},
		{"verify", "verify-correct-answer.json"},
	} {
		raw := json.RawMessage(readEvent(b, bc.file))
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
