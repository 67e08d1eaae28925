package passkey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/passkeybridge/bridge/cognitobridge"
)

// SignOut signs the user of a Cognito access token out everywhere: Cognito
// revokes its refresh tokens (GlobalSignOut), and every grant the user
// holds here ends. A token Cognito no longer accepts (already signed out,
// or expired) succeeds too: there is nothing left to end. Only a value
// that is not an access token at all fails, with ErrNotAuthorized.
func (rp *RelyingParty) SignOut(ctx context.Context, accessToken string) error {
	const op = "sign out"
	sub, err := accessTokenSub(accessToken)
	if err != nil {
		return rp.failed(ctx, op, "", err)
	}
	err = rp.store.SignOut(ctx, accessToken)
	switch {
	case err == nil:
		// Cognito accepted the token: its sub is the user's.
		if err := rp.endGrants(ctx, sub); err != nil {
			return rp.failed(ctx, op, "", err)
		}
		return nil
	case errors.Is(err, cognitobridge.ErrNotAuthorized):
		// Revoked or expired. The token's sub is not verified here, so
		// nothing is done in its name; the sign-out that revoked it ended
		// the grants.
		return nil
	}
	return rp.failed(ctx, op, "", cognitoError(err))
}

// accessTokenSub reads the sub of what looks like a Cognito access token,
// without checking it (Cognito does that).
func accessTokenSub(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 16<<10 {
		return "", fmt.Errorf("%w: not a JWT", ErrNotAuthorized)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: JWT payload is not base64url", ErrNotAuthorized)
	}
	var claims struct {
		Sub      string `json:"sub"`
		TokenUse string `json:"token_use"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", fmt.Errorf("%w: JWT payload does not decode", ErrNotAuthorized)
	}
	if claims.TokenUse != "access" || claims.Sub == "" {
		return "", fmt.Errorf("%w: not an access token", ErrNotAuthorized)
	}
	return claims.Sub, nil
}
