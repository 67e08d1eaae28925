package jwks

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

type claimsKey struct{}

// ClaimsFromContext returns the claims Middleware stored for the request.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// Middleware lets a request through to next only with a valid bearer
// token (Authorization: Bearer <token>), putting its Claims in the request
// context for ClaimsFromContext. Otherwise it answers 401 with a
// WWW-Authenticate: Bearer challenge (RFC 6750), or 503 when the keys
// cannot be loaded, with a fixed body; the cause goes to Config.Logger.
func (v *Validator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		claims, err := v.Validate(r.Context(), token)
		switch {
		case err == nil:
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
		case errors.Is(err, ErrInvalidToken):
			v.cfg.Logger.InfoContext(r.Context(), "jwks: rejected bearer token", "error", err)
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		default:
			v.cfg.Logger.WarnContext(r.Context(), "jwks: cannot check bearer token", "error", err)
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		}
	})
}

// bearer extracts the token from an Authorization header value.
func bearer(h string) (string, bool) {
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	t := strings.TrimSpace(h[len(scheme):])
	return t, t != ""
}
