package mail_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/passkeybridge/bridge/passkey/mail"
	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

// A proof mail through SMTP with STARTTLS, to a test server that checks
// the connection was encrypted.
func ExampleNewSMTP() {
	srv, err := mailtest.StartConfig(mailtest.Config{STARTTLS: true, RequireTLS: true})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	mailer, err := mail.NewSMTP(mail.SMTPConfig{
		Host:      srv.Host(),
		Port:      srv.Port(),
		From:      "Example <no-reply@example.com>",
		TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}, // omit for a server with a public certificate
	})
	if err != nil {
		panic(err)
	}
	msg, err := mail.DefaultTemplates().Proof("ana@example.com", mail.ProofData{
		RPName:  "Example",
		Code:    "493027",
		Link:    "https://example.com/#link=Zm9vYmFy",
		Expires: time.Now().Add(10 * time.Minute),
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := mailer.Send(ctx, msg); err != nil {
		panic(err)
	}

	got, err := srv.Wait(ctx, "ana@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Subject)
	fmt.Println("encrypted:", got.TLS)
	fmt.Println(got.Links())
	// Output:
	// Your Example sign-in code
	// encrypted: true
	// [https://example.com/#link=Zm9vYmFy]
}

// Amazon SES, with the client built from the usual AWS configuration
// (config.LoadDefaultConfig).
func ExampleNewSES() {
	var awsCfg aws.Config // from config.LoadDefaultConfig(ctx)
	mailer, err := mail.NewSES(mail.SESConfig{
		Client: sesv2.NewFromConfig(awsCfg),
		From:   "Example <no-reply@example.com>",
	})
	if err != nil {
		panic(err)
	}
	var _ mail.Mailer = mailer
	fmt.Println("ready")
	// Output: ready
}

// The notice a user gets when a passkey is added to the account.
func ExampleTemplates_Notice() {
	msg, err := mail.DefaultTemplates().Notice("ana@example.com", mail.NoticeData{
		RPName:      "Example",
		Event:       mail.EventAdded,
		PasskeyName: "Work laptop",
		When:        time.Date(2026, 12, 1, 20, 15, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Subject)
	fmt.Println(msg.Text[:strings.Index(msg.Text, "\n")])
	// Output:
	// A passkey was added to your Example account
	// A passkey ("Work laptop") was added to your Example account at 20:15 UTC, 1 December 2026.
}
