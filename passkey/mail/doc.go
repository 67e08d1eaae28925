// Package mail sends the mails package passkey needs: the one that proves
// an address (a one-time code and a magic link carrying the same secret)
// and the notice that tells an address about a change to its account's
// passkeys. A small Mailer interface has two implementations: SMTP (on
// github.com/wneessen/go-mail: STARTTLS by default, implicit TLS, AUTH
// PLAIN) and Amazon SES (the v2 SendEmail call, through SESAPI). Bodies
// are plain text with an HTML alternative, rendered from Templates the
// service may replace.
//
// # Use
//
//	mailer, err := mail.NewSMTP(mail.SMTPConfig{
//		Host:     "smtp.example.com", // port 587, STARTTLS required
//		From:     "Example <no-reply@example.com>",
//		Username: "no-reply@example.com",
//		Password: os.Getenv("SMTP_PASSWORD"),
//	})
//	// or: mail.NewSES(mail.SESConfig{Client: sesv2.NewFromConfig(awsCfg), From: "Example <no-reply@example.com>"})
//	// handle err
//	tpl := mail.DefaultTemplates()
//	msg, err := tpl.Proof("ana@example.com", mail.ProofData{
//		RPName:  "Example",
//		Code:    "493027",
//		Link:    "https://example.com/signin#link=…",
//		Expires: time.Now().Add(10 * time.Minute),
//	})
//	// handle err
//	err = mailer.Send(ctx, msg) // errors.Is(err, mail.ErrUnavailable): try again later
//
// A Message whose To is not one address, or whose To or Subject holds a
// CR or LF, is refused with ErrInvalidMessage before anything is sent, so
// no caller-supplied value can add a header.
//
// Package mailtest beside this one is an SMTP server for tests and the
// local demo: it keeps and parses what it receives, and serves an inbox
// page.
package mail
