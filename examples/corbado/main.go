// Command corbado is the backend of Corbado's "passkeys + Amazon Cognito"
// sample (github.com/corbado/passkeys-amazon-cognito, backend-nodejs) in Go:
// the same routes, the same environment variables, the same JSON for its
// Angular front end, on passkeybridge.
//
//	POST /api/corbado/webhook           Corbado's v1 webhooks: does the user exist, is the password right
//	GET  /api/corbado/authTokenValidate ?corbadoAuthToken=… after a passkey login → Cognito session JSON
//	POST /api/auth/logout               {"token": <access token>} → Cognito GlobalSignOut
//	GET  /ping                          "pong"
//
// Environment (the seed's, plus the proof key and optional overrides):
//
//	COGNITO_REGION, COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID   the pool and app client (required)
//	COGNITO_CLIENT_SECRET      the app client's secret, if it has one
//	COGNITO_JWKS               the pool's keys as JSON (a JWKS or, as the seed had it, an array
//	                           of JWKs); default: fetched from the pool
//	CORBADO_PROJECT_ID, CORBADO_API_SECRET                    the Corbado project (required)
//	CORBADO_WEBHOOK_USERNAME, CORBADO_WEBHOOK_PASSWORD        the webhook credentials (required)
//	PASSKEYBRIDGE_PROOF_KEY    standard base64 of ≥ 32 random bytes, the key examples/lambda holds (required)
//	PORT                       default 3000
//	FRONTEND_URL               the front end's origin for CORS; default http://localhost:4200
//	COGNITO_ENDPOINT           a Cognito emulator's URL (cognitotest, cognito-local) instead of AWS
//	CORBADO_BACKEND_API        Corbado's Backend API; default https://backendapi.corbado.io
//
// AWS credentials come from the SDK's default chain (environment, shared
// files, instance role); the identity needs cognito-idp:AdminGetUser,
// AdminCreateUser, AdminSetUserPassword, AdminInitiateAuth and
// AdminRespondToAuthChallenge on the pool. The pool's CUSTOM_AUTH triggers
// are examples/lambda with the same PASSKEYBRIDGE_PROOF_KEY.
//
// SIGINT or SIGTERM stops accepting connections and lets requests in
// flight finish, for at most 20 seconds.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

const shutdownGrace = 20 * time.Second

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		fmt.Fprintln(os.Stderr, "passkeybridge corbado example:", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.CognitoRegion))
	if err != nil {
		return fmt.Errorf("loading the AWS configuration: %w", err)
	}
	client := cip.NewFromConfig(awsCfg, func(o *cip.Options) {
		if cfg.CognitoEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.CognitoEndpoint)
		}
	})
	handler, err := newServer(cfg, deps{Cognito: client, HTTPClient: &http.Client{Timeout: 15 * time.Second}, Logger: log})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", ":"+cfg.Port)
	if err != nil {
		return err
	}
	return serve(ctx, ln, handler, log)
}

// serve answers on ln until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("server started", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
