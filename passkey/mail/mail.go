package mail

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"unicode/utf8"
)

// Message is one mail to one recipient: a plain-text body and, where
// the sender has one, an HTML alternative of the same content.
type Message struct {
	To      string // one address, "user@example.com" or "Name <user@example.com>"
	Subject string
	Text    string // required
	HTML    string // optional; sent as a multipart/alternative beside Text
}

// Mailer sends one Message. Implementations are safe for concurrent use,
// bound every network call by ctx, and return errors that wrap
// ErrInvalidMessage (refused before anything was sent) or ErrUnavailable
// (the mail server or service did not take it), and ctx's error when ctx
// ended the attempt.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// The sentinels callers act on. Error texts start with "mail: " and never
// hold a body, a code, a link or a password.
var (
	// ErrInvalidMessage means the message was refused before any
	// connection was made: a recipient that is not one address, a CR or
	// LF in To or Subject (header injection), an empty subject or body.
	ErrInvalidMessage = errors.New("mail: invalid message")

	// ErrUnavailable means the server or service did not accept the
	// message: it could not be reached, TLS or authentication failed, or
	// it refused the sender or the recipient.
	ErrUnavailable = errors.New("mail: not sent")

	// ErrMisconfigured means a Config was refused by New…: a missing host
	// or sender, contradictory TLS switches, credentials without TLS.
	ErrMisconfigured = errors.New("mail: misconfigured")
)

// validate refuses, before any I/O, a message that would not be one
// well-formed mail to one recipient.
func (m Message) validate() error {
	if err := headerValue("To", m.To); err != nil {
		return err
	}
	if _, err := parseAddress(m.To); err != nil {
		return fmt.Errorf("%w: To is not one address", ErrInvalidMessage)
	}
	if err := headerValue("Subject", m.Subject); err != nil {
		return err
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalidMessage)
	}
	if strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("%w: empty text body", ErrInvalidMessage)
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return fmt.Errorf("%w: body is not UTF-8", ErrInvalidMessage)
	}
	return nil
}

// headerValue refuses what could end a header line early or smuggle in
// another header: CR, LF, NUL, and bytes that are not UTF-8.
func headerValue(name, v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return fmt.Errorf("%w: %s holds a line break", ErrInvalidMessage, name)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s is not UTF-8", ErrInvalidMessage, name)
	}
	return nil
}

// parseAddress accepts exactly one address, with or without a display name.
func parseAddress(s string) (*netmail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty")
	}
	return netmail.ParseAddress(s)
}

// checkFrom validates a configured sender address.
func checkFrom(from string) error {
	if err := headerValue("From", from); err != nil {
		return fmt.Errorf("%w: From holds a line break or is not UTF-8", ErrMisconfigured)
	}
	if _, err := parseAddress(from); err != nil {
		return fmt.Errorf("%w: From is not one address", ErrMisconfigured)
	}
	return nil
}
