package cognitotest

import (
	"context"
	"crypto/subtle"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// retiredToken is a refresh token replaced by rotation, usable until its
// grace period ends.
type retiredToken struct {
	g     *grant
	until time.Time
}

// getTokensFromRefreshToken is the refresh API of clients with refresh-token
// rotation (and usable by any client): new ID and access tokens for the
// same sign-in and, with rotation, a new refresh token; the old one keeps
// working for the client's RetryGracePeriodSeconds. It takes the client
// secret itself, not a SECRET_HASH, and no username.
func (s *Server) getTokensFromRefreshToken(_ context.Context, in *cip.GetTokensFromRefreshTokenInput) (any, *apiError) {
	if err := s.checkClient(in.ClientId); err != nil {
		return nil, err
	}
	if in.RefreshToken == nil {
		return nil, required("refreshToken")
	}
	switch secret := in.ClientSecret; {
	case s.clientSecret == "" && secret != nil:
		return nil, invalidParameter("App client " + s.clientID + " is not configured for secret but client secret was received")
	case s.clientSecret != "" && secret == nil:
		return nil, notAuthorized("Client " + s.clientID + " is configured with secret but ClientSecret was not received")
	case s.clientSecret != "" && subtle.ConstantTimeCompare([]byte(*secret), []byte(s.clientSecret)) != 1:
		return nil, notAuthorized("Unable to verify client secret for client " + s.clientID)
	}
	st := s.current()
	now := s.now()
	s.mu.Lock()
	g := s.state.refreshTokens[*in.RefreshToken]
	current := g != nil
	if r, ok := s.state.retired[*in.RefreshToken]; ok && g == nil {
		if !now.Before(r.until) {
			s.mu.Unlock()
			return nil, clientError("RefreshTokenReuseException", "Refresh token has already been used")
		}
		g = r.g
	}
	if g == nil {
		s.mu.Unlock()
		return nil, notAuthorized(msgInvalidRefreshToken)
	}
	u := s.lookupSub(g.username, g.sub)
	var err *apiError
	switch {
	case u == nil:
		err = notAuthorized(msgInvalidRefreshToken)
	case !u.enabled:
		err = notAuthorized(msgUserDisabled)
	case g.revoked:
		err = notAuthorized(msgRefreshTokenRevoked)
	case !now.Before(g.refreshExpires):
		err = notAuthorized(msgRefreshTokenExpired)
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	c := s.claims(u, g, now)
	if st.rotation {
		if current {
			old := g.refreshToken
			delete(s.state.refreshTokens, old)
			s.state.retired[old] = retiredToken{g: g, until: now.Add(st.rotationGrace)}
			g.refreshToken = randomToken(96)
			g.refreshExpires = now.Add(st.refreshValidity)
			s.state.refreshTokens[g.refreshToken] = g
		}
		c.refreshToken = g.refreshToken
	}
	s.mu.Unlock()
	return s.result(c), nil
}
