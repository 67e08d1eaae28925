// Package jwkstest makes signing keys, serves them as a JWKS over
// httptest and signs tokens, so code that relies on package jwks can be
// tested without an identity provider.
//
//	key, _ := jwkstest.NewKey()
//	srv := jwkstest.NewServer(key)
//	defer srv.Close()
//	v, _ := jwks.New(jwks.Config{Issuers: []string{"https://issuer.test"},
//		Audiences: []string{"client"}, JWKSURL: srv.URL()})
//	token, _ := key.Sign(map[string]any{"iss": "https://issuer.test", "aud": "client",
//		"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()})
//	claims, err := v.Validate(ctx, token)
package jwkstest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Key is an RSA-2048 signing key with a key ID.
type Key struct {
	ID         string
	Alg        string // "RS256" unless changed before use
	PrivateKey *rsa.PrivateKey
}

// NewKey makes an RSA-2048 key with a random kid and alg RS256.
func NewKey() (*Key, error) {
	return NewKeyBits(2048)
}

// NewKeyBits makes an RSA key of the given size, for tests of weak keys.
func NewKeyBits(bits int) (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("jwkstest: generating key: %w", err)
	}
	id := make([]byte, 12)
	rand.Read(id)
	return &Key{ID: base64.RawURLEncoding.EncodeToString(id), Alg: "RS256", PrivateKey: priv}, nil
}

// JWK returns the public key as a JWK object with kty, kid, alg, use, n
// and e. Callers may change members before marshalling, to test keys
// with other uses or algorithms.
func (k *Key) JWK() map[string]any {
	pub := k.PrivateKey.PublicKey
	jwk := map[string]any{
		"kty": "RSA",
		"kid": k.ID,
		"use": "sig",
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
	if k.Alg != "" {
		jwk["alg"] = k.Alg
	}
	return jwk
}

// JWKS returns a JWKS document holding the public keys.
func JWKS(keys ...*Key) []byte {
	set := struct {
		Keys []map[string]any `json:"keys"`
	}{Keys: []map[string]any{}}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.JWK())
	}
	doc, _ := json.Marshal(set)
	return doc
}

// Sign returns a compact JWS over claims with header {alg, kid, typ: JWT}.
func (k *Key) Sign(claims any) (string, error) {
	return k.SignWithHeader(map[string]any{"alg": k.Alg, "kid": k.ID, "typ": "JWT"}, claims)
}

// SignWithHeader signs claims under exactly the given header, which may be
// hostile: the signature is made with the header's alg when it is RS256,
// RS384, RS512, PS256, PS384 or PS512, and with RS256 otherwise, so tests
// can present a valid signature under a lying header.
func (k *Key) SignWithHeader(header map[string]any, claims any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("jwkstest: header: %w", err)
	}
	var p []byte
	if raw, ok := claims.([]byte); ok {
		p = raw
	} else if p, err = json.Marshal(claims); err != nil {
		return "", fmt.Errorf("jwkstest: claims: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	alg, _ := header["alg"].(string)
	sig, err := k.signRaw(alg, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func (k *Key) signRaw(alg string, input []byte) ([]byte, error) {
	hash := crypto.SHA256
	switch alg {
	case "RS384", "PS384":
		hash = crypto.SHA384
	case "RS512", "PS512":
		hash = crypto.SHA512
	}
	h := hash.New()
	h.Write(input)
	digest := h.Sum(nil)
	if len(alg) == 5 && alg[:2] == "PS" {
		return rsa.SignPSS(rand.Reader, k.PrivateKey, hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	return rsa.SignPKCS1v15(rand.Reader, k.PrivateKey, hash, digest)
}

// CognitoIDClaims returns the claims of a Cognito ID token for username
// in pool (issuer form https://cognito-idp.<region>.amazonaws.com/<pool>)
// and app client clientID, valid for an hour from now.
func CognitoIDClaims(poolID, clientID, username string, now time.Time) map[string]any {
	region, _, _ := strings.Cut(poolID, "_")
	return map[string]any{
		"sub":              "5f0c6c0e-1f53-4b1d-9d63-0c1bdc1a2f00",
		"email_verified":   true,
		"iss":              "https://cognito-idp." + region + ".amazonaws.com/" + poolID,
		"cognito:username": username,
		"origin_jti":       "8a3c1c72-4f3e-4a0e-b0c5-3b3ad0b7c9a1",
		"aud":              clientID,
		"event_id":         "0a9d9c1e-3b46-4b67-9a53-6c7ad3e43b6b",
		"token_use":        "id",
		"auth_time":        now.Unix(),
		"exp":              now.Add(time.Hour).Unix(),
		"iat":              now.Unix(),
		"jti":              "c1f2e3d4-0000-4000-8000-000000000001",
		"email":            username,
	}
}

// CognitoAccessClaims returns the claims of a Cognito access token, as
// CognitoIDClaims does for ID tokens.
func CognitoAccessClaims(poolID, clientID, username string, now time.Time) map[string]any {
	region, _, _ := strings.Cut(poolID, "_")
	return map[string]any{
		"sub":        "5f0c6c0e-1f53-4b1d-9d63-0c1bdc1a2f00",
		"iss":        "https://cognito-idp." + region + ".amazonaws.com/" + poolID,
		"client_id":  clientID,
		"origin_jti": "8a3c1c72-4f3e-4a0e-b0c5-3b3ad0b7c9a1",
		"event_id":   "0a9d9c1e-3b46-4b67-9a53-6c7ad3e43b6b",
		"token_use":  "access",
		"scope":      "aws.cognito.signin.user.admin",
		"auth_time":  now.Unix(),
		"exp":        now.Add(time.Hour).Unix(),
		"iat":        now.Unix(),
		"jti":        "c1f2e3d4-0000-4000-8000-000000000002",
		"username":   username,
	}
}

// Server serves a JWKS over HTTP on loopback and counts the requests it
// gets. Its behaviour can be changed while it runs, to test outages.
type Server struct {
	srv      *httptest.Server
	requests atomic.Int64

	mu      sync.Mutex
	doc     []byte
	handler http.Handler
}

// NewServer starts a Server serving the public keys at /.well-known/jwks.json.
func NewServer(keys ...*Key) *Server {
	s := &Server{doc: JWKS(keys...)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	doc, h := s.doc, s.handler
	s.mu.Unlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	if r.URL.Path != "/.well-known/jwks.json" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(doc)
}

// URL returns the JWKS URL.
func (s *Server) URL() string { return s.srv.URL + "/.well-known/jwks.json" }

// Requests returns how many requests the server has had.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// SetKeys replaces the served keys (key rotation).
func (s *Server) SetKeys(keys ...*Key) {
	s.SetDocument(JWKS(keys...))
}

// SetDocument serves doc verbatim, for malformed documents.
func (s *Server) SetDocument(doc []byte) {
	s.mu.Lock()
	s.doc = append([]byte(nil), doc...)
	s.mu.Unlock()
}

// SetHandler makes h answer every request (nil restores the JWKS), to
// simulate outages, slow answers and huge bodies.
func (s *Server) SetHandler(h http.Handler) {
	s.mu.Lock()
	s.handler = h
	s.mu.Unlock()
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }
