package corbado_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/corbado"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newSessionValidator(t *testing.T, keys *keyServer, mutate ...func(*corbado.SessionConfig)) *corbado.SessionValidator {
	t.Helper()
	cfg := corbado.SessionConfig{
		ProjectID:   projectID,
		FrontendAPI: keys.URL(),
		Now:         func() time.Time { return testNow },
	}
	for _, m := range mutate {
		m(&cfg)
	}
	v, err := corbado.NewSessionValidator(cfg)
	require.NoError(t, err)
	return v
}

func TestSessionValidate(t *testing.T) {
	keys := newKeyServer(t, corbadoKey())
	v := newSessionValidator(t, keys, func(c *corbado.SessionConfig) { c.Issuers = []string{"https://auth.example.com"} })
	other, err := jwkstest.NewKey()
	require.NoError(t, err)

	claims := func(edit func(map[string]any)) map[string]any {
		c := sessionClaims("alice@example.com", testNow)
		if edit != nil {
			edit(c)
		}
		return c
	}
	tests := []struct {
		name    string
		token   string
		want    *corbado.SessionUser
		wantErr error
	}{
		{
			name:  "cloud issuer",
			token: sign(t, claims(nil)),
			want: &corbado.SessionUser{UserID: "usr-1234567890", Name: "Alice Example", Email: "alice@example.com",
				LoginIdentifier: "alice@example.com", Issuer: "https://" + projectID + ".frontendapi.cloud.corbado.io",
				ExpiresAt: time.Unix(testNow.Add(15*time.Minute).Unix(), 0)},
		},
		{
			name:  "older issuer host",
			token: sign(t, claims(func(c map[string]any) { c["iss"] = "https://" + projectID + ".frontendapi.corbado.io" })),
			want: &corbado.SessionUser{UserID: "usr-1234567890", Name: "Alice Example", Email: "alice@example.com",
				LoginIdentifier: "alice@example.com", Issuer: "https://" + projectID + ".frontendapi.corbado.io",
				ExpiresAt: time.Unix(testNow.Add(15*time.Minute).Unix(), 0)},
		},
		{
			// orig is what the user typed, not an address Corbado vouches
			// for: it never becomes Email.
			name:  "configured CNAME issuer, email only in orig",
			token: sign(t, claims(func(c map[string]any) { c["iss"] = "https://auth.example.com"; delete(c, "email") })),
			want: &corbado.SessionUser{UserID: "usr-1234567890", Name: "Alice Example", Email: "",
				LoginIdentifier: "alice@example.com", Issuer: "https://auth.example.com",
				ExpiresAt: time.Unix(testNow.Add(15*time.Minute).Unix(), 0)},
		},
		{
			name: "phone login: no email",
			token: sign(t, claims(func(c map[string]any) {
				delete(c, "email")
				c["orig"] = "+4915112345678"
				c["phone_number"] = "+4915112345678"
			})),
			want: &corbado.SessionUser{UserID: "usr-1234567890", Name: "Alice Example", LoginIdentifier: "+4915112345678",
				PhoneNumber: "+4915112345678", Issuer: "https://" + projectID + ".frontendapi.cloud.corbado.io",
				ExpiresAt: time.Unix(testNow.Add(15*time.Minute).Unix(), 0)},
		},
		{name: "other project", token: sign(t, claims(func(c map[string]any) { c["iss"] = "https://pro-999.frontendapi.cloud.corbado.io" })), wantErr: corbado.ErrInvalidToken},
		{name: "issuer with path", token: sign(t, claims(func(c map[string]any) { c["iss"] = "https://" + projectID + ".frontendapi.cloud.corbado.io/" })), wantErr: corbado.ErrInvalidToken},
		{name: "expired", token: sign(t, claims(func(c map[string]any) { c["exp"] = testNow.Add(-time.Second).Unix() })), wantErr: jwks.ErrExpired},
		{name: "not yet valid", token: sign(t, claims(func(c map[string]any) { c["nbf"] = testNow.Add(time.Hour).Unix() })), wantErr: corbado.ErrInvalidToken},
		{name: "no exp", token: sign(t, claims(func(c map[string]any) { delete(c, "exp") })), wantErr: corbado.ErrInvalidToken},
		{name: "no sub", token: sign(t, claims(func(c map[string]any) { delete(c, "sub") })), wantErr: corbado.ErrInvalidToken},
		{name: "orig of the wrong type", token: sign(t, claims(func(c map[string]any) { c["orig"] = 7 })), wantErr: corbado.ErrInvalidToken},
		{name: "unknown key", token: func() string { s, _ := other.Sign(claims(nil)); return s }(), wantErr: corbado.ErrInvalidToken},
		{name: "tampered payload", token: func() string {
			good := strings.Split(sign(t, claims(nil)), ".")
			evil := strings.Split(sign(t, claims(func(c map[string]any) { c["email"] = "mallory@example.com" })), ".")
			return good[0] + "." + evil[1] + "." + good[2]
		}(), wantErr: corbado.ErrInvalidToken},
		{name: "HS256", token: func() string {
			s, _ := corbadoKey().SignWithHeader(map[string]any{"alg": "HS256", "kid": corbadoKey().ID}, claims(nil))
			return s
		}(), wantErr: corbado.ErrInvalidToken},
		{name: "garbage", token: "not-a-jwt", wantErr: corbado.ErrInvalidToken},
		{name: "empty", token: "", wantErr: corbado.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Validate(context.Background(), tt.token)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.ErrorIs(t, err, corbado.ErrInvalidToken)
				assert.Nil(t, got)
				assert.True(t, strings.HasPrefix(err.Error(), "corbado: invalid token"), err.Error())
				if tt.token != "" {
					assertNoSecrets(t, err.Error(), tt.token, strings.Split(tt.token+"..", ".")[1])
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, projectID, keys.header.Load(), "JWKS fetched with X-Corbado-ProjectID")
}

func TestSessionKeysUnavailable(t *testing.T) {
	keys := newKeyServer(t, corbadoKey())
	keys.down.Store(true)
	var now atomic.Int64
	now.Store(testNow.UnixNano())
	v := newSessionValidator(t, keys, func(c *corbado.SessionConfig) {
		c.Now = func() time.Time { return time.Unix(0, now.Load()) }
	})
	_, err := v.Validate(context.Background(), sign(t, sessionClaims("alice@example.com", testNow)))
	require.ErrorIs(t, err, corbado.ErrUnavailable)
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	assert.NotErrorIs(t, err, corbado.ErrInvalidToken)
	require.ErrorIs(t, v.Warm(context.Background()), corbado.ErrUnavailable)

	// jwks paces fetches for a second after a failure; then it fetches again.
	keys.down.Store(false)
	now.Add(int64(time.Second))
	require.NoError(t, v.Warm(context.Background()))
}

func TestSessionStaticKeys(t *testing.T) {
	v, err := corbado.NewSessionValidator(corbado.SessionConfig{
		ProjectID: projectID, Keys: jwkstest.JWKS(corbadoKey()), Now: func() time.Time { return testNow },
	})
	require.NoError(t, err)
	u, err := v.Validate(context.Background(), sign(t, sessionClaims("alice@example.com", testNow)))
	require.NoError(t, err)
	assert.Equal(t, "alice@example.com", u.Email)
}

func TestSessionToken(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		cookies map[string]string
		want    string
	}{
		{name: "cookie", cookies: map[string]string{"cbo_session_token": "new"}, want: "new"},
		{name: "older cookie", cookies: map[string]string{"cbo_short_session": "old"}, want: "old"},
		{name: "new cookie wins over old", cookies: map[string]string{"cbo_short_session": "old", "cbo_session_token": "new"}, want: "new"},
		{name: "bearer", header: "Bearer tok", want: "tok"},
		{name: "bearer, any case", header: "bEaReR  tok ", want: "tok"},
		{name: "bearer wins over cookie", header: "Bearer hdr", cookies: map[string]string{"cbo_session_token": "cookie"}, want: "hdr"},
		{name: "basic header falls back to cookie", header: "Basic abc", cookies: map[string]string{"cbo_session_token": "cookie"}, want: "cookie"},
		{name: "empty bearer", header: "Bearer ", want: ""},
		{name: "nothing", want: ""},
		{name: "other cookie", cookies: map[string]string{"session": "x"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			for k, v := range tt.cookies {
				r.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			got, ok := corbado.SessionToken(r)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want != "", ok)
		})
	}
}

func TestSessionFromRequest(t *testing.T) {
	keys := newKeyServer(t, corbadoKey())
	v := newSessionValidator(t, keys)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, err := v.FromRequest(r)
	require.ErrorIs(t, err, corbado.ErrNoToken)

	r.AddCookie(&http.Cookie{Name: corbado.SessionCookie, Value: sign(t, sessionClaims("alice@example.com", testNow))})
	u, err := v.FromRequest(r)
	require.NoError(t, err)
	assert.Equal(t, "usr-1234567890", u.UserID)
}

func TestSessionConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     corbado.SessionConfig
		wantErr string
	}{
		{"defaults", corbado.SessionConfig{ProjectID: projectID}, ""},
		{"custom domain", corbado.SessionConfig{ProjectID: projectID, FrontendAPI: "https://auth.example.com/"}, ""},
		{"loopback http", corbado.SessionConfig{ProjectID: projectID, FrontendAPI: "http://127.0.0.1:8080"}, ""},
		{"no project", corbado.SessionConfig{}, "ProjectID must look like"},
		{"project that is a host", corbado.SessionConfig{ProjectID: "pro-1.evil.com/x"}, "ProjectID must look like"},
		{"plain http", corbado.SessionConfig{ProjectID: projectID, FrontendAPI: "http://auth.example.com"}, "must use https"},
		{"query", corbado.SessionConfig{ProjectID: projectID, FrontendAPI: "https://auth.example.com?x=1"}, "without credentials, query or fragment"},
		{"empty extra issuer", corbado.SessionConfig{ProjectID: projectID, Issuers: []string{""}}, "empty issuer"},
		{"bad keys", corbado.SessionConfig{ProjectID: projectID, Keys: []byte(`{`)}, "invalid session config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := corbado.NewSessionValidator(tt.cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "corbado: "))
		})
	}
}
