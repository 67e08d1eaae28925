package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/passkey"
	"github.com/passkeybridge/bridge/passkey/mail"
	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

//go:embed web
var webFiles embed.FS

// config is what the flags set.
type config struct {
	// Addr is the listen address; port 0 picks a free one.
	Addr string
	// CredentialsFile keeps the passkeys (a bbolt file; a FileStore JSON
	// file there is migrated); "" means a file in a temporary directory
	// that is removed at shutdown.
	CredentialsFile string
	// SeedUser is the password user created at start-up, the stand-in for
	// a user of the seed's pool; SeedPassword "" means a random password.
	SeedUser, SeedPassword string
	// StateTable, if set, keeps ceremonies, grants and email proofs in
	// this DynamoDB table (created if missing) instead of in memory;
	// DynamoEndpoint points the client at an emulator such as dynalite.
	StateTable, DynamoEndpoint string
	// MailLog receives one line for every mail the demo sends: its
	// recipient, subject, code and link. Nil discards them.
	MailLog io.Writer
	// Logger receives the logs of every part; nil discards them.
	Logger *slog.Logger
}

// app is everything `go run ./examples/local` starts: an emulated Cognito
// pool with the challenge triggers in process, the Cognito store, the
// passkey relying party, and the web page, on one listener.
type app struct {
	// URL is where the page is served: http://localhost:<port>. The
	// browser must use this name, not 127.0.0.1: the passkeys' RP ID is
	// localhost, and browsers treat http://localhost as a secure context.
	URL string
	// SeedUser and SeedPassword sign in the seeded password user.
	SeedUser, SeedPassword string
	// IDTokens validates the pool's ID tokens (the page shows their claims).
	IDTokens *jwks.Validator
	// CredentialsFile is where the passkeys are kept.
	CredentialsFile string
	// Credentials is the passkey store, a bbolt file that only this
	// process may open while it runs.
	Credentials *passkey.BoltStore
	// Mail is the SMTP server every mail goes to: the relying party's
	// SMTP Mailer delivers to it over loopback, and /dev/mail shows what
	// it caught.
	Mail *mailtest.Server
	// RP is the passkey relying party behind /api/passkey/.
	RP *passkey.RelyingParty

	srv     *http.Server
	ln      net.Listener
	pool    *cognitotest.Server
	store   *cognitobridge.Store
	log     *slog.Logger
	tempDir string
}

// newApp builds the app and starts listening; Serve serves it. ctx bounds
// the start-up only (the DynamoDB table check).
func newApp(ctx context.Context, cfg config) (*app, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &app{log: log, SeedUser: cfg.SeedUser, SeedPassword: cfg.SeedPassword}
	built := false
	defer func() {
		if !built {
			a.close() // what was started so far
		}
	}()

	var err error
	a.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	port := a.ln.Addr().(*net.TCPAddr).Port
	a.URL = "http://localhost:" + strconv.Itoa(port)

	// The proof key is shared by the "backend" (the store) and the
	// "Lambda" (the triggers), which here run in one process.
	key := make([]byte, challenge.MinKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	proof, err := challenge.NewHMACProof(key)
	if err != nil {
		return nil, err
	}
	triggers, err := challenge.New(challenge.Config{Verifier: proof})
	if err != nil {
		return nil, err
	}
	a.pool, err = cognitotest.NewServer(cognitotest.Config{Triggers: triggers, ClientSecret: true})
	if err != nil {
		return nil, fmt.Errorf("cognito emulator: %w", err)
	}

	idCfg, err := jwks.CognitoConfig(a.pool.UserPoolID(), "id", a.pool.ClientID())
	if err != nil {
		return nil, err
	}
	idCfg.JWKSURL = a.pool.JWKSURL() // the emulator's keys, not AWS's
	a.IDTokens, err = jwks.New(idCfg)
	if err != nil {
		return nil, err
	}
	a.store, err = cognitobridge.New(cognitobridge.Config{
		Client:       a.pool.Client(),
		UserPoolID:   a.pool.UserPoolID(),
		ClientID:     a.pool.ClientID(),
		ClientSecret: a.pool.ClientSecret(),
		Proof:        proof,
		IDTokens:     a.IDTokens,
		Logger:       log,
	})
	if err != nil {
		return nil, err
	}

	if err := a.seed(); err != nil {
		return nil, fmt.Errorf("seed user: %w", err)
	}

	a.CredentialsFile = cfg.CredentialsFile
	if a.CredentialsFile == "" {
		a.tempDir, err = os.MkdirTemp("", "passkeybridge-local-")
		if err != nil {
			return nil, err
		}
		a.CredentialsFile = filepath.Join(a.tempDir, "passkeys.db")
	}
	a.Credentials, err = passkey.OpenBoltStore(a.CredentialsFile)
	if err != nil {
		return nil, err
	}
	mailLog := cfg.MailLog
	if mailLog == nil {
		mailLog = io.Discard
	}
	var mailLogMu sync.Mutex
	a.Mail, err = mailtest.StartConfig(mailtest.Config{OnReceive: func(r mailtest.Received) {
		mailLogMu.Lock()
		defer mailLogMu.Unlock()
		fmt.Fprintln(mailLog, mailLine(r))
	}})
	if err != nil {
		return nil, fmt.Errorf("mail server: %w", err)
	}
	// The real SMTP path, to a server in this process: plaintext is
	// acceptable only because it never leaves the loopback interface.
	mailer, err := mail.NewSMTP(mail.SMTPConfig{
		Host:              a.Mail.Host(),
		Port:              a.Mail.Port(),
		From:              "passkeybridge local demo <no-reply@localhost>",
		InsecurePlaintext: true,
		HELO:              "localhost",
		Timeout:           10 * time.Second,
	})
	if err != nil {
		return nil, err
	}

	var state passkey.StateStore // nil: in memory
	if cfg.StateTable != "" {
		state, err = dynamoState(ctx, cfg.StateTable, cfg.DynamoEndpoint)
		if err != nil {
			return nil, fmt.Errorf("dynamodb state: %w", err)
		}
	}

	a.RP, err = passkey.New(passkey.Config{
		RPID:          "localhost",
		RPDisplayName: "passkeybridge local demo",
		RPOrigins:     []string{a.URL},
		Store:         a.store,
		Credentials:   a.Credentials,
		State:         state,
		Mailer:        mailer,
		LinkURL:       a.URL + "/",
		IDTokens:      a.IDTokens,
		Logger:        log,
	})
	if err != nil {
		return nil, err
	}

	web, err := fs.Sub(webFiles, "web")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServerFS(web))
	mux.Handle("/api/passkey/", http.StripPrefix("/api/passkey", a.RP.Handler()))
	mux.HandleFunc("POST /api/claims", a.serveClaims)
	// A development aid: every mail, code and link, to whoever asks.
	mux.Handle("GET /dev/mail", a.Mail.Handler())
	a.srv = &http.Server{
		Handler:           securityHeaders(mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	built = true
	return a, nil
}

// seed creates the password user, as the seed's pool has them.
func (a *app) seed() error {
	if a.SeedUser == "" {
		return nil
	}
	if a.SeedPassword == "" {
		// Random, but easy to type: upper and lower case, a digit and a
		// symbol satisfy Cognito's default policy; about 60 random bits.
		a.SeedPassword = "Demo-" + strings.ToLower(rand.Text()[:12]) + "-1"
	}
	_, err := a.pool.AddUser(a.SeedUser, a.SeedPassword, map[string]string{
		"email":          a.SeedUser,
		"email_verified": "true",
		"name":           "Grace (password user)",
	})
	return err
}

// Serve serves the app until Shutdown; then it returns http.ErrServerClosed.
func (a *app) Serve() error {
	return a.srv.Serve(a.ln)
}

// Shutdown stops accepting requests, waits for those in flight (until ctx
// ends), and stops the emulator and removes the temporary directory.
func (a *app) Shutdown(ctx context.Context) error {
	err := a.srv.Shutdown(ctx)
	a.close()
	return err
}

func (a *app) close() {
	if a.srv == nil && a.ln != nil {
		a.ln.Close()
	}
	if a.pool != nil {
		a.pool.Close()
	}
	if a.Credentials != nil {
		a.Credentials.Close()
	}
	if a.Mail != nil {
		a.Mail.Close()
	}
	if a.tempDir != "" {
		_ = os.RemoveAll(a.tempDir)
	}
}

// serveClaims shows the page what is in its ID token: the claims the
// server validated with jwks, exactly as a protected API would see them.
func (a *app) serveClaims(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not_authorized"})
		return
	}
	claims, err := a.IDTokens.Validate(r.Context(), token)
	if err != nil {
		a.log.InfoContext(r.Context(), "local: ID token rejected", slog.String("error", err.Error()))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not_authorized"})
		return
	}
	var all map[string]any
	if err := claims.Decode(&all); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal"})
		return
	}
	writeJSON(w, http.StatusOK, all)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// securityHeaders keeps the page to its own scripts and out of frames.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
