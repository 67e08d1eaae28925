package passkey

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
)

// FuzzParseRequests feeds arbitrary bodies to the request decoders: they
// never panic, and every failure is ErrInvalidRequest whose text quotes
// none of the input beyond a field name.
func FuzzParseRequests(f *testing.F) {
	f.Add([]byte(`{"ceremony":"abc","credential":{"id":"x"}}`))
	f.Add([]byte(`{"username":"a@example.com","password":"Secret-1"}`))
	f.Add([]byte(`{"username":"a@example.com","grant":"g"}`))
	f.Add([]byte(`{"username":1}`))
	f.Add([]byte(`{"password":"Secret-1"} trailing`))
	f.Add([]byte(``))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(err error) {
			if err == nil {
				return
			}
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("error %v is not ErrInvalidRequest", err)
			}
		}
		_, err := parseJSON[finishRequest](body)
		check(err)
		_, err = parseJSON[registrationBeginRequest](body)
		check(err)
		_, err = parseJSON[loginBeginRequest](body)
		check(err)
		_, err = parseJSON[discoverableBeginRequest](body)
		check(err)
		in, err := parseJSON[passwordRequest](body)
		check(err)
		if err != nil && len(in.Password) >= 6 && strings.Contains(err.Error(), in.Password) {
			t.Fatalf("error quotes the password: %v", err)
		}
	})
}

// FuzzUsernameAndBearer checks the two small parsers of request fields.
func FuzzUsernameAndBearer(f *testing.F) {
	f.Add("ada@example.com")
	f.Add("Bearer a.b.c")
	f.Add(" @ ")
	f.Fuzz(func(t *testing.T, s string) {
		if u, ok := normalizeUsername(s); ok {
			if u != strings.ToLower(u) || strings.Count(u, "@") != 1 || len(u) > maxUsernameLength || strings.ContainsAny(u, " \t\r\n") {
				t.Fatalf("accepted %q as %q", s, u)
			}
			if again, ok := normalizeUsername(u); !ok || again != u {
				t.Fatalf("not idempotent: %q → %q → %q", s, u, again)
			}
		}
		if tok, err := bearerToken(s); err == nil && s != "" && (tok == "" || strings.ContainsAny(tok[:1], " ")) {
			t.Fatalf("bearer %q gave %q", s, tok)
		}
	})
}

// FuzzVerificationError pins the translation of go-webauthn's errors: an
// unknown credential stays one, everything else is ErrVerification.
func FuzzVerificationError(f *testing.F) {
	f.Add("Error validating origin", false)
	f.Add("The credential ID provided is not owned by the user", true)
	f.Fuzz(func(t *testing.T, details string, unknown bool) {
		var err error = protocol.ErrBadRequest.WithDetails(details)
		if unknown {
			err = &protocol.ErrorUnknownCredential{Err: protocol.ErrBadRequest.WithDetails(details)}
		}
		got := verificationError(err)
		switch {
		case unknown && !errors.Is(got, ErrUnknownCredential):
			t.Fatalf("unknown credential became %v", got)
		case !unknown && !errors.Is(got, ErrVerification):
			t.Fatalf("%v is not ErrVerification", got)
		}
	})
}
