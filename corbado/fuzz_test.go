package corbado_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passkeybridge/bridge/corbado"
)

// failingDirectory answers like fakeDirectory but fails for usernames that
// start with "fail", so the fuzzer can reach the 500 path too.
type failingDirectory struct{ *fakeDirectory }

func (d failingDirectory) UserStatus(ctx context.Context, username string) (corbado.UserStatus, error) {
	if strings.HasPrefix(username, "fail") {
		return "", errors.New("directory failed")
	}
	return d.fakeDirectory.UserStatus(ctx, username)
}

func (d failingDirectory) VerifyPassword(ctx context.Context, username, password string) (bool, error) {
	if strings.HasPrefix(username, "fail") {
		return false, errors.New("directory failed")
	}
	return d.fakeDirectory.VerifyPassword(ctx, username, password)
}

// FuzzWebhook feeds arbitrary bodies (under either action header) to an
// authenticated webhook: it must never panic, and must answer 200 with one
// of the documented bodies, or 400, 413 or 500.
func FuzzWebhook(f *testing.F) {
	seeds := []string{
		authMethods("alice@example.com"),
		authMethods("nobody@example.com"),
		authMethods("fail@example.com"),
		passwordVerify("alice@example.com", "correct horse"),
		passwordVerify("fail@example.com", "x"),
		`{"action":"authMethods","data":{"username":"blocked@example.com"},"requestID":"r"}`,
		`{"action":"passwordVerify","data":{"username":"a","password":null}}`,
		`{"action":"authMethods","data":null}`,
		`null`, `[]`, `""`, `{`, ``, "\xff\xfe", `{"action":"authMethods","data":{"username":"\u0000"}}`,
		`{"action":"authMethods","ACTION":"passwordVerify","data":{"username":"x"}}`,
		strings.Repeat(`{"a":`, 300),
		authMethods(strings.Repeat("x", 5000)),
	}
	for _, s := range seeds {
		f.Add(false, s)
		f.Add(true, s)
	}
	h, err := corbado.NewWebhookHandler(corbado.WebhookConfig{
		Username: hookUser, Password: hookPass, Users: failingDirectory{newFakeDirectory()}, MaxBodyBytes: 4096,
	})
	if err != nil {
		f.Fatal(err)
	}
	okBodies := map[string]bool{
		`{"responseID":"","data":{"status":"exists"}}`:     true,
		`{"responseID":"","data":{"status":"not_exists"}}`: true,
		`{"responseID":"","data":{"status":"blocked"}}`:    true,
		`{"responseID":"","data":{"success":true}}`:        true,
		`{"responseID":"","data":{"success":false}}`:       true,
	}
	f.Fuzz(func(t *testing.T, verify bool, body string) {
		action := corbado.ActionAuthMethods
		if verify {
			action = corbado.ActionPasswordVerify
		}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Corbado-Action", action)
		req.SetBasicAuth(hookUser, hookPass)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			if !okBodies[rec.Body.String()] {
				t.Fatalf("200 with body %q", rec.Body.String())
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusInternalServerError:
			if strings.Contains(rec.Body.String(), "correct horse") {
				t.Fatalf("error body repeats the request: %q", rec.Body.String())
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}
