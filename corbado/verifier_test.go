package corbado_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/corbado"
)

func TestSessionTokenVerifier(t *testing.T) {
	keys := newKeyServer(t, corbadoKey())
	v, err := corbado.NewSessionTokenVerifier(newSessionValidator(t, keys))
	require.NoError(t, err)

	token := func(email string, edit func(map[string]any)) string {
		c := sessionClaims(email, testNow)
		if edit != nil {
			edit(c)
		}
		return sign(t, c)
	}
	in := func(email, answer string) challenge.VerifyInput {
		return challenge.VerifyInput{Username: email, UserPoolID: "us-east-1_Pool", ClientID: "client", Nonce: "n", Answer: answer,
			UserAttributes: map[string]string{"email": email, "email_verified": "true", "sub": "5f0c-uuid"}}
	}
	// On a pool with email as a username attribute the trigger's userName
	// is the UUID; only the attribute holds the address.
	uuidPool := in("alice@example.com", token("alice@example.com", nil))
	uuidPool.Username = "5f0c-uuid"
	unverified := in("alice@example.com", token("alice@example.com", nil))
	unverified.UserAttributes["email_verified"] = "false"
	noAttribute := in("alice@example.com", token("alice@example.com", nil))
	delete(noAttribute.UserAttributes, "email")
	tests := []struct {
		name string
		in   challenge.VerifyInput
		want bool
	}{
		{"own token", in("alice@example.com", token("alice@example.com", nil)), true},
		{"case differs", in("Alice@Example.COM", token("alice@example.com", nil)), true},
		{"username is the UUID", uuidPool, true},
		{"email only in orig", in("alice@example.com", token("alice@example.com", func(c map[string]any) { delete(c, "email") })), false},
		{"address not verified in Cognito", unverified, false},
		{"no email attribute, userName is the address", noAttribute, false},
		{"another user's token", in("alice@example.com", token("mallory@example.com", nil)), false},
		{"Kelvin sign is not K", in("kim@example.com", token("\u212aim@example.com", nil)), false},
		{"longer address", in("alice@example.com", token("alice@example.com.evil", nil)), false},
		{"no email", in("alice@example.com", token("", func(c map[string]any) { c["orig"] = "+49151" })), false},
		{"expired", in("alice@example.com", token("alice@example.com", func(c map[string]any) { c["exp"] = testNow.Add(-time.Minute).Unix() })), false},
		{"other project", in("alice@example.com", token("alice@example.com", func(c map[string]any) { c["iss"] = "https://pro-9.frontendapi.corbado.io" })), false},
		{"the HMAC proof of another mode", in("alice@example.com", base64.RawURLEncoding.EncodeToString(make([]byte, 32))), false},
		{"empty answer", in("alice@example.com", ""), false},
		{"user not found", challenge.VerifyInput{Username: "alice@example.com", Answer: token("alice@example.com", nil), UserNotFound: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := v.VerifyAnswer(context.Background(), tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ok)
		})
	}

	t.Run("keys unavailable is an error, never true", func(t *testing.T) {
		down := newKeyServer(t, corbadoKey())
		down.down.Store(true)
		v, err := corbado.NewSessionTokenVerifier(newSessionValidator(t, down))
		require.NoError(t, err)
		tok := token("alice@example.com", nil)
		ok, err := v.VerifyAnswer(context.Background(), in("alice@example.com", tok))
		require.ErrorIs(t, err, corbado.ErrUnavailable)
		assert.False(t, ok)
		assertNoSecrets(t, err.Error(), tok)
	})

	_, err = corbado.NewSessionTokenVerifier(nil)
	require.Error(t, err)
}

// signedData makes a plausible signedPasskeyData: three base64url parts.
func signedData(tag string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"pki-1","typ":"JWT"}`)) + "." +
		enc([]byte(`{"iss":"`+projectID+`","sub":"usr-1","tag":"`+tag+`"}`)) + "." + enc([]byte("sig-"+tag))
}

func newConnect(t *testing.T, fake *fakeCorbado, mutate ...func(*corbado.ConnectConfig)) *corbado.ConnectVerifier {
	t.Helper()
	cfg := corbado.ConnectConfig{ProjectID: projectID, APISecret: apiSecret, BaseURL: fake.URL(), Timeout: 2 * time.Second}
	for _, m := range mutate {
		m(&cfg)
	}
	v, err := corbado.NewConnectVerifier(cfg)
	require.NoError(t, err)
	return v
}

func TestConnectVerify(t *testing.T) {
	fake := newFakeCorbado(t)
	data := signedData("a")
	fake.addSignedData(data, "alice@example.com")
	v := newConnect(t, fake)

	res, err := v.Verify(context.Background(), data, "alice@example.com")
	require.NoError(t, err)
	assert.Equal(t, corbado.ConnectSuccess, res)
	assert.JSONEq(t, `{"signedPasskeyData":"`+data+`","username":"alice@example.com"}`, string(fake.lastBody.Load().([]byte)))
	user, pass, ok := (&http.Request{Header: fake.lastHdr.Load().(http.Header)}).BasicAuth()
	require.True(t, ok)
	assert.Equal(t, projectID, user)
	assert.Equal(t, apiSecret, pass)

	res, err = v.Verify(context.Background(), data, "alice@example.com")
	require.NoError(t, err)
	assert.Equal(t, corbado.ConnectInvalidChallenge, res, "single use")
}

func TestConnectVerifyAnswer(t *testing.T) {
	respond := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	in := func(username, answer string) challenge.VerifyInput {
		return challenge.VerifyInput{Username: username, Answer: answer,
			UserAttributes: map[string]string{"sub": "5f0c6c0e-sub", "email": username}}
	}
	tests := []struct {
		name      string
		register  map[string]string // signedPasskeyData → owner
		handler   http.HandlerFunc
		attribute string
		in        challenge.VerifyInput
		want      bool
		wantErr   error
		wantCalls int64
	}{
		{name: "success", register: map[string]string{signedData("1"): "alice@example.com"},
			in: in("alice@example.com", signedData("1")), want: true, wantCalls: 1},
		{name: "identifier from the sub attribute", attribute: "sub", register: map[string]string{signedData("1"): "5f0c6c0e-sub"},
			in: in("alice@example.com", signedData("1")), want: true, wantCalls: 1},
		{name: "missing attribute", attribute: "custom:corbadoID",
			in: in("alice@example.com", signedData("1")), want: false, wantCalls: 0},
		{name: "another user's passkey", register: map[string]string{signedData("1"): "mallory@example.com"},
			in: in("alice@example.com", signedData("1")), want: false, wantCalls: 1},
		{name: "forged data", in: in("alice@example.com", signedData("forged")), want: false, wantCalls: 1},
		{name: "not a JWT: no call", in: in("alice@example.com", "hello"), want: false, wantCalls: 0},
		{name: "padding: no call", in: in("alice@example.com", signedData("1")+"="), want: false, wantCalls: 0},
		{name: "oversized: no call", in: in("alice@example.com", strings.Repeat("a", 20<<10)+".b.c"), want: false, wantCalls: 0},
		{name: "user not found: no call", in: challenge.VerifyInput{Username: "a@b.c", Answer: signedData("1"), UserNotFound: true}, want: false},
		{name: "Corbado refuses the request", handler: respond(400, `{"error":{"type":"validation_error"}}`),
			in: in("alice@example.com", signedData("1")), want: false, wantCalls: 1},
		{name: "generic_error", handler: respond(200, `{"verificationResult":"generic_error"}`),
			in: in("alice@example.com", signedData("1")), wantErr: corbado.ErrUnavailable, wantCalls: 1},
		{name: "undocumented result", handler: respond(200, `{"verificationResult":"probably"}`),
			in: in("alice@example.com", signedData("1")), wantErr: corbado.ErrUnavailable, wantCalls: 1},
		{name: "truthy garbage", handler: respond(200, `{"verificationResult":true}`),
			in: in("alice@example.com", signedData("1")), wantErr: corbado.ErrUnavailable, wantCalls: 1},
		{name: "wrong secret", handler: respond(401, `{}`),
			in: in("alice@example.com", signedData("1")), wantErr: corbado.ErrMisconfigured, wantCalls: 1},
		{name: "outage", handler: respond(503, `down`),
			in: in("alice@example.com", signedData("1")), wantErr: corbado.ErrUnavailable, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeCorbado(t)
			for d, owner := range tt.register {
				fake.addSignedData(d, owner)
			}
			if tt.handler != nil {
				fake.setOverride(tt.handler)
			}
			v := newConnect(t, fake, func(c *corbado.ConnectConfig) { c.UserAttribute = tt.attribute })
			ok, err := v.VerifyAnswer(context.Background(), tt.in)
			assert.Equal(t, tt.wantCalls, fake.requests.Load())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.False(t, ok, "never true with an error")
				assertNoSecrets(t, err.Error(), tt.in.Answer, apiSecret)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, ok)
		})
	}

	t.Run("network failure", func(t *testing.T) {
		fake := newFakeCorbado(t)
		v := newConnect(t, fake)
		fake.srv.Close()
		ok, err := v.VerifyAnswer(context.Background(), in("alice@example.com", signedData("1")))
		require.ErrorIs(t, err, corbado.ErrUnavailable)
		assert.False(t, ok)
	})
}

func TestConnectConfig(t *testing.T) {
	_, err := corbado.NewConnectVerifier(corbado.ConnectConfig{ProjectID: projectID})
	require.ErrorContains(t, err, "APISecret is empty")
	_, err = corbado.NewConnectVerifier(corbado.ConnectConfig{ProjectID: projectID, APISecret: apiSecret})
	require.NoError(t, err)
}
