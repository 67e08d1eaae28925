package cognitobridge_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// FuzzSessionJSON feeds arbitrary JSON to Session.UnmarshalJSON, which
// reads back what an application stored (a cookie, browser storage): it
// never panics, what it accepts survives a round trip through
// MarshalJSON unchanged, and String never prints a token it read.
func FuzzSessionJSON(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@b.c","cognitoUUID":"u","name":"A","expires":1735689600,"idToken":"i.d.t","refreshToken":"r","accessToken":"a.c.c"}`,
		`{}`, `null`, `[]`, `{"expires":"1"}`, `{"expires":-62135596801}`, `{"expires":9223372036854775807}`,
		`{"expires":1e300}`, `{"idToken":null,"EXPIRES":5}`, `{"email":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s cognitobridge.Session
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		for _, tok := range []string{s.IDToken, s.AccessToken, s.RefreshToken} {
			// Sub is printed on purpose; a token that is part of it proves nothing.
			if len(tok) > 8 && !strings.Contains(s.Sub, tok) && strings.Contains(s.String(), tok) {
				t.Fatalf("String prints a token: %q", s.String())
			}
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal %+v: %v", s, err)
		}
		var back cognitobridge.Session
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("own output %s does not parse: %v", b, err)
		}
		if !back.Expires.Equal(s.Expires) || back.IDToken != s.IDToken || back.AccessToken != s.AccessToken ||
			back.RefreshToken != s.RefreshToken || back.Email != s.Email || back.Sub != s.Sub || back.Name != s.Name {
			t.Fatalf("round trip changed %+v into %+v", s, back)
		}
	})
}
