package corbado_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// users is a UserDirectory over a map, standing in for
// corbado.CognitoDirectory(store).
type users map[string]string // username → password; "" = passkey-only

func (u users) UserStatus(_ context.Context, username string) (corbado.UserStatus, error) {
	if pw, ok := u[username]; ok && pw != "" {
		return corbado.StatusExists, nil
	}
	return corbado.StatusNotExists, nil
}

func (u users) VerifyPassword(_ context.Context, username, password string) (bool, error) {
	pw, ok := u[username]
	return ok && pw != "" && pw == password, nil
}

// Corbado asks whether a user exists, with the credentials set in its
// developer panel.
func ExampleNewWebhookHandler() {
	h, err := corbado.NewWebhookHandler(corbado.WebhookConfig{
		Username: "webhook-user",
		Password: "webhook-password",
		Users:    users{"alice@example.com": "Passw0rd!", "bob@example.com": ""},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"alice@example.com", "bob@example.com"} {
		body := `{"id":"who-1","projectID":"pro-1","action":"authMethods","data":{"username":"` + name + `"}}`
		req := httptest.NewRequest(http.MethodPost, "/api/corbado/webhook", strings.NewReader(body))
		req.Header.Set("X-Corbado-Action", corbado.ActionAuthMethods)
		req.SetBasicAuth("webhook-user", "webhook-password")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// 200 {"responseID":"","data":{"status":"exists"}}
	// 200 {"responseID":"","data":{"status":"not_exists"}}
}

// Validating a v1 auth token; a stand-in answers for Corbado here.
func ExampleAuthTokenClient_Validate() {
	stand := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/authTokens/validate" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"httpStatusCode":200,"message":"","data":{"userID":"usr-42","userData":"{\"username\":\"alice@example.com\",\"userFullName\":\"Alice\"}"}}`)
	}))
	defer stand.Close()

	c, err := corbado.NewAuthTokenClient(corbado.AuthTokenConfig{
		ProjectID: "pro-1234567890",
		APISecret: "corbado1_example",
		BaseURL:   stand.URL, // in production leave empty: DefaultBackendAPI
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	user, err := c.Validate(context.Background(), "the-corbadoAuthToken", "203.0.113.7", "Mozilla/5.0")
	switch {
	case errors.Is(err, corbado.ErrInvalidToken):
		fmt.Println("401")
	case err != nil:
		fmt.Println("503 or 500:", err)
	default:
		fmt.Println(user.UserID, user.Username, user.FullName)
	}
	// Output:
	// usr-42 alice@example.com Alice
}

// Reading a v2 session from a request. Static keys stand in for the
// project's JWKS endpoint.
func ExampleSessionValidator_FromRequest() {
	key, _ := jwkstest.NewKey()
	v, err := corbado.NewSessionValidator(corbado.SessionConfig{
		ProjectID: "pro-1234567890",
		Keys:      jwkstest.JWKS(key), // in production leave empty: fetched from the Frontend API
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	token, _ := key.Sign(map[string]any{
		"iss": "https://pro-1234567890.frontendapi.cloud.corbado.io", "sub": "usr-42",
		"email": "alice@example.com", "exp": time.Now().Add(15 * time.Minute).Unix(),
	})

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: corbado.SessionCookie, Value: token})
	user, err := v.FromRequest(req)
	fmt.Println(user.UserID, user.Email, err)

	_, err = v.FromRequest(httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(errors.Is(err, corbado.ErrNoToken))
	// Output:
	// usr-42 alice@example.com <nil>
	// true
}

// Provider-token mode: the Lambda's Verify trigger accepts a Corbado
// session token of the user being signed in.
func ExampleSessionTokenVerifier() {
	key, _ := jwkstest.NewKey()
	sessions, _ := corbado.NewSessionValidator(corbado.SessionConfig{ProjectID: "pro-1234567890", Keys: jwkstest.JWKS(key)})
	verifier, err := corbado.NewSessionTokenVerifier(sessions)
	if err != nil {
		fmt.Println(err)
		return
	}
	triggers, _ := challenge.New(challenge.Config{Verifier: verifier})
	_ = triggers // lambda.Start(triggers.Handle)

	token, _ := key.Sign(map[string]any{
		"iss": "https://pro-1234567890.frontendapi.cloud.corbado.io", "sub": "usr-42",
		"email": "alice@example.com", "exp": time.Now().Add(15 * time.Minute).Unix(),
	})
	// The Verify trigger's userAttributes name the user's address (its
	// userName may be a UUID).
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		ok, err := verifier.VerifyAnswer(context.Background(), challenge.VerifyInput{
			Username:       "5f0c6a52-0000-4000-8000-000000000000",
			UserAttributes: map[string]string{"email": email, "email_verified": "true"},
			Answer:         token,
		})
		fmt.Println(email, ok, err)
	}
	// Output:
	// alice@example.com true <nil>
	// bob@example.com false <nil>
}
