// Command local is passkeybridge's embedded default: one `go run` starts an
// in-process Cognito user pool (cognitotest, with the challenge package's
// CUSTOM_AUTH triggers), the bridge's Cognito store, the self-hosted
// passkey relying party and a web page, with no AWS account:
//
//	go run ./examples/local            # then open http://localhost:8080
//	go run ./examples/local -addr localhost:9000 -credentials ~/.cache/passkeybridge/local.db
//
// On the page: sign up with a code (or link) sent by mail, then add a
// passkey; sign in with passkey autofill (the email field's suggestions),
// the passkey button, or a mailed code or link on a device without a
// passkey; sign in as the seeded password user (its password is printed at
// start-up) and add a passkey; rename and delete passkeys; recover an
// account whose passkeys are lost, by mail; see the ID token's claims;
// sign out. Open the page as http://localhost:<port>: passkeys are bound
// to the RP ID "localhost".
//
// Mail goes through the relying party's SMTP Mailer (package
// passkey/mail) to an SMTP server inside the process (mail/mailtest):
// each mail's code and link is printed to the terminal, and /dev/mail
// shows the inbox, a development aid only a demo may serve.
//
// The pool lives in memory and starts empty (but for the seeded user) at
// every run; passkeys live in a bbolt file, by default in a temporary
// directory removed at exit (a JSON file of the older FileStore given to
// -credentials is migrated). A passkey kept with -credentials across a
// restart no longer signs in: its Cognito user is gone with the old pool,
// and passkey sign-in never creates users. Ceremonies, grants and email
// proofs live in memory, or with -state-table in DynamoDB (an emulator
// such as dynalite with -dynamodb-endpoint, or AWS).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	cfg := config{}
	flag.StringVar(&cfg.Addr, "addr", "localhost:8080", "listen `address`")
	flag.StringVar(&cfg.CredentialsFile, "credentials", "", "keep passkeys in this bbolt `file` (default: a temporary file, removed at exit)")
	flag.StringVar(&cfg.SeedUser, "seed-user", "grace@example.com", "the password `user` created at start-up")
	flag.StringVar(&cfg.SeedPassword, "seed-password", "", "its `password` (default: random, printed at start-up)")
	flag.StringVar(&cfg.StateTable, "state-table", "", "keep ceremonies, grants and email proofs in this DynamoDB `table` (created if missing) instead of in memory")
	flag.StringVar(&cfg.DynamoEndpoint, "dynamodb-endpoint", "", "with -state-table: a DynamoDB emulator's `URL`, such as dynalite's http://127.0.0.1:4567 (default: AWS, from the environment)")
	verbose := flag.Bool("v", false, "log debug lines")
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

// run starts the app, tells the user where it is, serves until ctx ends,
// and shuts down gracefully.
func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.MailLog == nil {
		cfg.MailLog = out
	}
	a, err := newApp(ctx, cfg)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve() }()

	fmt.Fprintf(out, "passkeybridge local demo: open %s\n", a.URL)
	if a.SeedUser != "" {
		// A local demo's throwaway user: printing its password is the point.
		fmt.Fprintf(out, "seeded password user: %s  password: %s\n", a.SeedUser, a.SeedPassword)
	}
	fmt.Fprintf(out, "passkeys are kept in %s\n", a.CredentialsFile)
	fmt.Fprintf(out, "mail goes to an SMTP server in this process (%s); each mail's code and link is printed here,\n", a.Mail.Addr())
	fmt.Fprintf(out, "and %s/dev/mail shows the inbox (a development aid)\n", a.URL)

	select {
	case err := <-served:
		a.close()
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = a.Shutdown(shutdownCtx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
