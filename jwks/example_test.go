package jwks_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// Cognito ID tokens, with the keys served by a test server standing in
// for the pool's JWKS endpoint.
func ExampleCognitoConfig() {
	key, _ := jwkstest.NewKey()
	keys := jwkstest.NewServer(key)
	defer keys.Close()

	cfg, err := jwks.CognitoConfig("eu-central-1_AbCdEf123", "id", "3n4b5urk1ft4fl3mg5e62d9ado")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.JWKSURL = keys.URL() // in production, keep the pool's own URL
	v, err := jwks.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}

	idToken, _ := key.Sign(jwkstest.CognitoIDClaims("eu-central-1_AbCdEf123", "3n4b5urk1ft4fl3mg5e62d9ado", "alice@example.com", time.Now()))
	claims, err := v.Validate(context.Background(), idToken)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(claims.Username, claims.TokenUse, claims.EmailVerified)

	old, _ := key.Sign(jwkstest.CognitoIDClaims("eu-central-1_AbCdEf123", "3n4b5urk1ft4fl3mg5e62d9ado", "alice@example.com", time.Now().Add(-2*time.Hour)))
	_, err = v.Validate(context.Background(), old)
	fmt.Println(errors.Is(err, jwks.ErrExpired), errors.Is(err, jwks.ErrInvalidToken), err)
	// Output:
	// alice@example.com id true
	// true true jwks: invalid token: token expired
}

// Protecting an API route with Cognito access tokens.
func ExampleValidator_Middleware() {
	key, _ := jwkstest.NewKey()
	cfg, err := jwks.CognitoConfig("us-east-1_Example1", "access", "client123")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.JWKSURL, cfg.Keys = "", jwkstest.JWKS(key) // static keys, as from COGNITO_JWKS
	v, err := jwks.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}

	api := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := jwks.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "hello %s", claims.Username)
	}))

	access, _ := key.Sign(jwkstest.CognitoAccessClaims("us-east-1_Example1", "client123", "alice", time.Now()))
	for _, auth := range []string{"Bearer " + access, ""} {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), string(body))
	}
	// Output:
	// 200  hello alice
	// 401 Bearer unauthorized
}

// A pool replicated to another region (Multi-Region replication): tokens
// the replica issues may name its region in the issuer.
func ExampleCognitoConfig_replicas() {
	key, _ := jwkstest.NewKey()
	cfg, err := jwks.CognitoConfig("us-east-1_Example1", "id", "client123")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.CognitoReplicaRegions = []string{"us-west-2"}
	cfg.JWKSURL, cfg.Keys = "", jwkstest.JWKS(key) // the pool's own keys, in every region
	v, err := jwks.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	claims := jwkstest.CognitoIDClaims("us-east-1_Example1", "client123", "alice", time.Now())
	claims["iss"] = "https://cognito-idp.us-west-2.amazonaws.com/us-east-1_Example1"
	token, _ := key.Sign(claims)
	got, err := v.Validate(context.Background(), token)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Issuer)

	_, err = jwks.CognitoConfig("us-east-1-Example1", "id", "client123")
	fmt.Println(err)
	// Output:
	// https://cognito-idp.us-west-2.amazonaws.com/us-east-1_Example1
	// jwks: cognito user pool ID "us-east-1-Example1" must look like <region>_<id>, as in eu-west-1_AbC123
}
