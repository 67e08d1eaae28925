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
	f.Add([]byte(`{"grant":"g"}`))
	f.Add([]byte(`{"email":"a@example.com"}`))
	f.Add([]byte(`{"proof":"p","code":"12345678"}`))
	f.Add([]byte(`{"link":"a.b"}`))
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
		_, err = parseJSON[emailStartRequest](body)
		check(err)
		_, err = parseJSON[emailVerifyRequest](body)
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

// FuzzBearer checks the parsers of the Authorization header and of an
// access token's sub.
func FuzzBearer(f *testing.F) {
	f.Add("Bearer a.b.c")
	f.Add("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwidG9rZW5fdXNlIjoiYWNjZXNzIn0.x")
	f.Add(" @ ")
	f.Fuzz(func(t *testing.T, s string) {
		if tok, err := bearerToken(s); err == nil && s != "" && (tok == "" || strings.ContainsAny(tok[:1], " ")) {
			t.Fatalf("bearer %q gave %q", s, tok)
		}
		if sub, err := accessTokenSub(s); err != nil {
			if !errors.Is(err, ErrNotAuthorized) {
				t.Fatalf("%v is not ErrNotAuthorized", err)
			}
		} else if sub == "" {
			t.Fatalf("%q: empty sub accepted", s)
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
