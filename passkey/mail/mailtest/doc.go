// Package mailtest is an in-process SMTP server (github.com/emersion/go-smtp)
// on 127.0.0.1 that keeps every message it receives and parses it the way
// a mail client would (net/mail, mime/multipart): To, Subject, the text
// and HTML bodies. It can offer STARTTLS or implicit TLS with a
// certificate of its own and require AUTH PLAIN, so tests prove that a
// client really encrypts and logs in. It delivers nothing onward.
//
// # Use
//
//	srv, err := mailtest.StartConfig(mailtest.Config{STARTTLS: true, RequireTLS: true})
//	// handle err
//	defer srv.Close()
//	mailer, err := mail.NewSMTP(mail.SMTPConfig{
//		Host: srv.Host(), Port: srv.Port(), From: "Example <no-reply@example.com>",
//		TLSConfig: &tls.Config{RootCAs: srv.RootCAs()},
//	})
//	// handle err; send a mail to ana@example.com, then:
//	got, err := srv.Wait(ctx, "ana@example.com") // got.Subject, got.Text, got.HTML, got.TLS
//
// Server.Handler serves an inbox page of everything received, for a
// demo's /dev/mail: a development aid that shows every code and link, and
// says so on the page.
package mailtest
