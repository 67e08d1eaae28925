package jwks

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzClaimsDecoders checks that the fast decoder used for payloads
// (goccy/go-json) and encoding/json agree on every input: both reject it,
// or both accept it with the same claims.
func FuzzClaimsDecoders(f *testing.F) {
	f.Add([]byte(`{"iss":"https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_A","sub":"s","aud":"c","exp":1893456000,"iat":1,"auth_time":2,"token_use":"id","cognito:username":"u","email":"a@b.c","email_verified":true,"name":"N","cognito:groups":["g"],"custom:x":"1"}`))
	f.Add([]byte(`{"aud":["a","b"],"exp":1.5,"email_verified":"true","client_id":"c","username":"u","scope":"s"}`))
	f.Add([]byte(`{"exp":"1"}`))
	f.Add([]byte(`{"exp":null,"aud":null}`))
	f.Add([]byte(`{"aud":"\u0061\"b","exp":1e3}`))
	f.Add([]byte(`{"EXP":1,"exp":2,"Iss":"x"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		fast, errFast := decodeClaims(payload)
		std, errStd := decodeClaimsWith(json.Unmarshal, payload)
		if (errFast == nil) != (errStd == nil) {
			t.Fatalf("decoders disagree on %q: goccy %v, encoding/json %v", payload, errFast, errStd)
		}
		if errFast != nil {
			if !errors.Is(errFast, ErrInvalidToken) {
				t.Fatalf("error is not a rejection: %v", errFast)
			}
			return
		}
		fast.wire, std.wire = wireClaims{}, wireClaims{}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("decoders disagree on %q:\n goccy %+v\n std   %+v", payload, fast, std)
		}
	})
}
