package cognitotest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// signer signs the pool's tokens: compact JWS, RS256, with one RSA key
// published in the pool's JWKS under a random kid.
type signer struct {
	key    *rsa.PrivateKey
	kid    string
	header string // base64url of the JOSE header
	jwks   []byte
}

func newSigner(key *rsa.PrivateKey) (*signer, error) {
	if key.N.BitLen() < 2048 {
		return nil, errors.New("cognitotest: the signing key must have at least 2048 bits")
	}
	if err := key.Validate(); err != nil {
		return nil, errors.New("cognitotest: invalid signing key")
	}
	// Cognito's kids are base64 of 32 bytes.
	var kidBytes [32]byte
	_, _ = rand.Read(kidBytes[:])
	kid := base64.StdEncoding.EncodeToString(kidBytes[:])
	header, _ := json.Marshal(struct {
		Kid string `json:"kid"`
		Alg string `json:"alg"`
	}{kid, "RS256"})
	jwks, _ := json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{
		Alg: "RS256",
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		Kid: kid,
		Kty: "RSA",
		N:   base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		Use: "sig",
	}}})
	return &signer{
		key:    key,
		kid:    kid,
		header: base64.RawURLEncoding.EncodeToString(header),
		jwks:   jwks,
	}, nil
}

// jwk is one key of a JWKS document, as Cognito publishes it.
type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

// sign returns the compact JWS of claims.
func (sg *signer) sign(claims any) string {
	payload, _ := json.Marshal(claims)
	input := sg.header + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, sg.key, crypto.SHA256, digest[:])
	if err != nil {
		// Only a broken key fails here, and newSigner validated it.
		panic("cognitotest: signing: " + err.Error())
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// maxTokenLength bounds the tokens the server parses.
const maxTokenLength = 16 << 10

// verify checks a compact JWS made by sign and returns its payload. Only
// this server's own header is accepted, so no algorithm or key is chosen by
// the token.
func (sg *signer) verify(token string) ([]byte, bool) {
	if len(token) > maxTokenLength {
		return nil, false
	}
	header, rest, ok := strings.Cut(token, ".")
	if !ok || header != sg.header {
		return nil, false
	}
	payload, sig64, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(sig64)
	if err != nil {
		return nil, false
	}
	digest := sha256.Sum256([]byte(header + "." + payload))
	if rsa.VerifyPKCS1v15(&sg.key.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		return nil, false
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, false
	}
	return body, true
}

// grant is one sign-in: the refresh token it handed out and the identity
// its access tokens carry as origin_jti.
type grant struct {
	id             string // origin_jti
	username, sub  string
	authTime       time.Time
	eventID        string
	refreshToken   string
	refreshExpires time.Time
	revoked        bool
}

// accessClaims are the claims of a Cognito access token.
type accessClaims struct {
	Sub       string `json:"sub"`
	Iss       string `json:"iss"`
	ClientID  string `json:"client_id"`
	OriginJTI string `json:"origin_jti"`
	EventID   string `json:"event_id"`
	TokenUse  string `json:"token_use"`
	Scope     string `json:"scope"`
	AuthTime  int64  `json:"auth_time"`
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
	JTI       string `json:"jti"`
	Username  string `json:"username"`
}

// tokenClaims are the claims of the tokens for one sign-in or refresh,
// made under Server.mu and signed after it is released.
type tokenClaims struct {
	id           map[string]any
	access       accessClaims
	refreshToken string
	expiresIn    time.Duration // of the access token
}

// signIn records a new sign-in of u and returns its claims; s.mu must be held.
func (s *Server) signIn(u *user) tokenClaims {
	now := s.now()
	g := &grant{
		id:             newUUID(),
		username:       u.username,
		sub:            u.sub,
		authTime:       now,
		eventID:        newUUID(),
		refreshToken:   randomToken(96),
		refreshExpires: now.Add(s.current().refreshValidity),
	}
	s.state.grants[g.id] = g
	s.state.refreshTokens[g.refreshToken] = g
	u.grants = append(u.grants, g)
	c := s.claims(u, g, now)
	c.refreshToken = g.refreshToken
	return c
}

// claims builds the ID and access token claims of u for g, as Cognito sets
// them: the ID token carries the attributes the app client may read; s.mu
// must be held.
func (s *Server) claims(u *user, g *grant, now time.Time) tokenClaims {
	st := s.current()
	id := map[string]any{
		"sub":              u.sub,
		"iss":              s.issuer,
		"aud":              s.clientID,
		"cognito:username": u.username,
		"origin_jti":       g.id,
		"event_id":         g.eventID,
		"token_use":        "id",
		"auth_time":        g.authTime.Unix(),
		"exp":              now.Add(st.idValidity).Unix(),
		"iat":              now.Unix(),
		"jti":              newUUID(),
	}
	for name, v := range u.attrs {
		if !st.readable[name] {
			continue
		}
		switch name {
		case "email_verified", "phone_number_verified":
			id[name] = v == "true"
		case "updated_at":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				id[name] = n
			} else {
				id[name] = v
			}
		default:
			id[name] = v
		}
	}
	return tokenClaims{
		id: id,
		access: accessClaims{
			Sub:       u.sub,
			Iss:       s.issuer,
			ClientID:  s.clientID,
			OriginJTI: g.id,
			EventID:   g.eventID,
			TokenUse:  "access",
			Scope:     "aws.cognito.signin.user.admin",
			AuthTime:  g.authTime.Unix(),
			Exp:       now.Add(st.accessValidity).Unix(),
			Iat:       now.Unix(),
			JTI:       newUUID(),
			Username:  u.username,
		},
		expiresIn: st.accessValidity,
	}
}

// result signs c into the AuthenticationResult Cognito returns.
func (s *Server) result(c tokenClaims) *authOutput {
	return &authOutput{
		AuthenticationResult: &authenticationResult{
			AccessToken:  s.signer.sign(c.access),
			ExpiresIn:    int32(c.expiresIn / time.Second),
			IDToken:      s.signer.sign(c.id),
			RefreshToken: c.refreshToken,
			TokenType:    "Bearer",
		},
		ChallengeParameters: map[string]string{},
	}
}

// authorize checks an access token for GetUser and GlobalSignOut and
// returns its user; s.mu must be held.
func (s *Server) authorize(token *string) (*user, *apiError) {
	if token == nil {
		return nil, required("accessToken")
	}
	payload, ok := s.signer.verify(*token)
	if !ok {
		return nil, notAuthorized(msgInvalidAccessToken)
	}
	var c accessClaims
	if json.Unmarshal(payload, &c) != nil || c.TokenUse != "access" || c.Iss != s.issuer || c.ClientID != s.clientID {
		return nil, notAuthorized(msgInvalidAccessToken)
	}
	if !s.now().Before(time.Unix(c.Exp, 0)) {
		return nil, notAuthorized(msgAccessTokenExpired)
	}
	g := s.state.grants[c.OriginJTI]
	if g == nil || g.sub != c.Sub {
		return nil, notAuthorized(msgInvalidAccessToken)
	}
	u := s.lookupSub(g.username, g.sub)
	switch {
	case u == nil:
		return nil, userNotFound()
	case !u.enabled:
		return nil, notAuthorized(msgUserDisabled)
	case g.revoked:
		return nil, notAuthorized(msgAccessTokenRevoked)
	}
	return u, nil
}
