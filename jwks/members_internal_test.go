package jwks

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMemberRules(t *testing.T) {
	tests := []struct {
		name string
		obj  string
		want bool
	}{
		{"exact names", `{"iss":"a","sub":"b","exp":1,"custom:x":"y","origin_jti":"z"}`, true},
		{"empty object", ` { } `, true},
		{"nested values are not members", `{"x":{"EXP":1,"iss":null},"y":["Sub",{"ISS":2}],"exp":1}`, true},
		{"strings with braces and escapes", `{"x":"}{,\"EXP\":","exp":1,"y":"\\"}`, true},
		{"whitespace everywhere", " {\n\t\"exp\" :\r 1 , \"iss\" : \"a\" } ", true},
		{"upper case", `{"EXP":1}`, false},
		{"title case beside the name", `{"exp":1,"Exp":1}`, false},
		{"one letter", `{"tokeN_use":"id"}`, false},
		{"long s folds to s", `{"ſub":"x"}`, false},
		{"Kelvin sign folds to k", `{"cognito:username":"u","\u212aid":"x"}`, true}, // kid is a header name
		{"escaped name, exact", `{"\u0065xp":1}`, true},
		{"escaped name, other case", `{"\u0045XP":1}`, false},
		{"registered claim null", `{"iat":null}`, false},
		{"registered claim null, spaced", `{"sub" : null}`, false},
		{"other claim null", `{"email_verified":null,"name":null,"x":null}`, true},
		{"unknown name of another case", `{"Origin_Jti":"x"}`, true},
		{"not an object", `[]`, false},
		{"truncated", `{"exp":1`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, claimMembers.check([]byte(tt.obj)))
			assert.Equal(t, tt.want, referenceCheck(claimMembers, []byte(tt.obj)), "reference")
		})
	}
	assert.False(t, headerMembers.check([]byte(`{"alg":"RS256","\u212aID":"main"}`)), "Kelvin sign in a header name")
	assert.False(t, headerMembers.check([]byte(`{"alg":"RS256","kid":"a","KID":"b"}`)))
	assert.True(t, headerMembers.check([]byte(`{"alg":"RS256","kid":"a","typ":"JWT","TYP":"x"}`)), "typ is not read")
}

// referenceCheck is memberRules.check written with encoding/json's
// tokenizer: slow, and obviously right.
func referenceCheck(r *memberRules, obj []byte) bool {
	if !json.Valid(obj) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		name := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return false
		}
		for _, known := range r.all {
			if name == string(known) && string(value) == "null" && r.nonNull[name] {
				return false
			}
			if name != string(known) && bytes.EqualFold([]byte(name), known) {
				return false
			}
		}
	}
	_, err := dec.Token()
	_, eof := dec.Token()
	return err == nil && eof == io.EOF
}

// FuzzMemberRules pins the hand-written scanner to the reference on every
// object encoding/json accepts, and keeps it from panicking on the rest.
func FuzzMemberRules(f *testing.F) {
	for _, s := range []string{`{"exp":1}`, `{"EXP":1,"x":{"a":[1,"}"]}}`, `{"ſub":null}`, `{"\u0069at":null}`,
		`{"x":"\\\"","iss":"a"}`, `{}`, `[`, `{"a":1,}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		for _, r := range []*memberRules{claimMembers, headerMembers} {
			got := r.check(obj)
			if !json.Valid(obj) {
				continue // check only ever sees decoded objects
			}
			if want := referenceCheck(r, obj); got != want {
				t.Fatalf("check(%q) = %v, reference %v", obj, got, want)
			}
		}
	})
}

// BenchmarkMemberRules measures the check on a Cognito ID token payload:
// the price per token of refusing case-variant names.
func BenchmarkMemberRules(b *testing.B) {
	payload := []byte(`{"sub":"5f0c6c0e-1f53-4b1d-9d63-0c1bdc1a2f00","email_verified":true,` +
		`"iss":"https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEf123","cognito:username":"alice@example.com",` +
		`"origin_jti":"8a3c1c72-4f3e-4a0e-b0c5-3b3ad0b7c9a1","aud":"3n4b5urk1ft4fl3mg5e62d9ado","event_id":"0a9d9c1e-3b46-4b67-9a53-6c7ad3e43b6b",` +
		`"token_use":"id","auth_time":1735689600,"name":"Alice Example","exp":1735693200,"iat":1735689600,` +
		`"jti":"c1f2e3d4-0000-4000-8000-000000000001","email":"alice@example.com"}`)
	b.ReportAllocs()
	for b.Loop() {
		if !claimMembers.check(payload) {
			b.Fatal("rejected")
		}
	}
}
