package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
)

// Received is one message as the server got it, parsed.
type Received struct {
	From       string   // the envelope sender (MAIL FROM)
	Recipients []string // the envelope recipients (RCPT TO)

	To      string // the To header's address, "user@example.com"
	Subject string // decoded
	Text    string // the text/plain body, decoded
	HTML    string // the text/html body, decoded; "" if there is none

	Header   netmail.Header
	Raw      []byte // the message as received
	TLS      bool   // the connection was encrypted (STARTTLS or implicit TLS)
	AuthUser string // the username it logged in with; "" without AUTH
	At       time.Time
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// Links returns the http(s) URLs in the text body, in order.
func (r Received) Links() []string { return linkPattern.FindAllString(r.Text, -1) }

func (r Received) addressedTo(addr string) bool {
	if strings.EqualFold(r.To, addr) {
		return true
	}
	for _, to := range r.Recipients {
		if strings.EqualFold(to, addr) {
			return true
		}
	}
	return false
}

// parse reads a message the way a mail client would: headers with
// net/mail, RFC 2047 words in the subject, and a text/plain or
// multipart/alternative body with quoted-printable or base64 parts.
func parse(raw []byte) (Received, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, fmt.Errorf("headers: %w", err)
	}
	r := Received{Header: msg.Header, Raw: raw}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		return Received{}, errors.New("To is not one address")
	}
	r.To = to[0].Address
	dec := new(mime.WordDecoder)
	if r.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	if err := r.body(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0); err != nil {
		return Received{}, err
	}
	if r.Text == "" {
		return Received{}, errors.New("no text/plain body")
	}
	return r, nil
}

// body stores the text and HTML parts found in one entity, recursing
// into multipart entities (a few levels: mixed around alternative).
func (r *Received) body(contentType, encoding string, body io.Reader, depth int) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type: %w", err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth > 3 {
			return errors.New("multipart nested too deep")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextPart decodes quoted-printable parts itself and drops their
			// Content-Transfer-Encoding header; base64 is left to decode.
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := r.body(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part, depth+1); err != nil {
				return err
			}
		}
	}
	var decoded io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "7bit", "8bit", "binary":
		decoded = body
	case "quoted-printable":
		decoded = quotedprintable.NewReader(body)
	case "base64":
		decoded = base64.NewDecoder(base64.StdEncoding, &lineJoiner{r: body})
	default:
		return fmt.Errorf("unknown transfer encoding %q", encoding)
	}
	b, err := io.ReadAll(decoded)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return fmt.Errorf("charset %q", cs)
	}
	switch mediaType {
	case "text/plain":
		if r.Text == "" {
			r.Text = string(b)
		}
	case "text/html":
		if r.HTML == "" {
			r.HTML = string(b)
		}
	}
	return nil
}

// lineJoiner drops CR and LF, which base64 bodies are wrapped with.
type lineJoiner struct{ r io.Reader }

func (l *lineJoiner) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	out := p[:0]
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return len(out), err
}
