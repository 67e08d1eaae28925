package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
)

// ProofData fills the mail that proves an address: the one-time code to
// type in and the magic link that carries the same secret.
type ProofData struct {
	RPName  string    // the service's name, "Example"
	Code    string    // required
	Link    string    // optional: an absolute http(s) URL
	Expires time.Time // when Code and Link stop working
}

// Event says what a notice mail reports.
type Event string

// The events a notice mail reports.
const (
	EventAdded    Event = "added"    // a passkey was added to the account
	EventRemoved  Event = "removed"  // a passkey was removed
	EventRecovery Event = "recovery" // the account was recovered with an address proof
)

// NoticeData fills the mail that tells the address's owner about a change
// to the account's passkeys.
type NoticeData struct {
	RPName      string
	Event       Event
	PasskeyName string // the passkey added or removed; "" for recovery or when unnamed
	When        time.Time
}

// Templates renders the mails package passkey sends. Each field may be
// replaced by the service with its own parsed template; templates receive
// a ProofData or NoticeData as dot. Subjects are text templates rendered
// to one line; HTML bodies are html/template, so every value is escaped
// for its context (a Link that is not http(s) becomes "#ZgotmplZ").
type Templates struct {
	ProofSubject *texttemplate.Template
	ProofText    *texttemplate.Template
	ProofHTML    *htmltemplate.Template

	NoticeSubject *texttemplate.Template
	NoticeText    *texttemplate.Template
	NoticeHTML    *htmltemplate.Template
}

const proofSubject = `Your {{.RPName}} sign-in code`

const proofText = `Your {{.RPName}} code is

    {{.Code}}

{{if .Link}}Or open this link in the browser where you asked for it:

    {{.Link}}

{{end}}It works once and expires at {{.Expires.UTC.Format "15:04 MST, 2 January 2006"}}.
If you did not ask for it, ignore this mail: nothing happens without it.
`

const proofHTML = `<!DOCTYPE html>
<html><body style="font-family: sans-serif">
<p>Your {{.RPName}} code is</p>
<p style="font-size: 1.6em; letter-spacing: .2em"><strong>{{.Code}}</strong></p>
{{if .Link}}<p>Or <a href="{{.Link}}">sign in with this link</a> in the browser where you asked for it.</p>
{{end}}<p>It works once and expires at {{.Expires.UTC.Format "15:04 MST, 2 January 2006"}}.
If you did not ask for it, ignore this mail: nothing happens without it.</p>
</body></html>
`

const noticeSubject = `{{if eq .Event "added"}}A passkey was added to your {{.RPName}} account{{else if eq .Event "removed"}}A passkey was removed from your {{.RPName}} account{{else}}Your {{.RPName}} account was recovered{{end}}`

const noticeText = `{{if eq .Event "added"}}A passkey{{with .PasskeyName}} ("{{.}}"){{end}} was added to your {{.RPName}} account{{else if eq .Event "removed"}}A passkey{{with .PasskeyName}} ("{{.}}"){{end}} was removed from your {{.RPName}} account{{else}}Your {{.RPName}} account was signed in to with a code or link sent to this address, to set up a new passkey{{end}} at {{.When.UTC.Format "15:04 MST, 2 January 2006"}}.

If this was you, there is nothing to do. If it was not, sign in and
review your passkeys, and secure this mailbox: whoever reads it can
recover the account.
`

const noticeHTML = `<!DOCTYPE html>
<html><body style="font-family: sans-serif">
<p>{{if eq .Event "added"}}A passkey{{with .PasskeyName}} (“{{.}}”){{end}} was added to your {{.RPName}} account{{else if eq .Event "removed"}}A passkey{{with .PasskeyName}} (“{{.}}”){{end}} was removed from your {{.RPName}} account{{else}}Your {{.RPName}} account was signed in to with a code or link sent to this address, to set up a new passkey{{end}} at {{.When.UTC.Format "15:04 MST, 2 January 2006"}}.</p>
<p>If this was you, there is nothing to do. If it was not, sign in and review your passkeys, and secure this mailbox: whoever reads it can recover the account.</p>
</body></html>
`

// DefaultTemplates returns the built-in English templates, freshly parsed:
// changing the result changes nothing elsewhere.
func DefaultTemplates() *Templates {
	return &Templates{
		ProofSubject:  texttemplate.Must(texttemplate.New("proof-subject").Option("missingkey=error").Parse(proofSubject)),
		ProofText:     texttemplate.Must(texttemplate.New("proof-text").Option("missingkey=error").Parse(proofText)),
		ProofHTML:     htmltemplate.Must(htmltemplate.New("proof-html").Option("missingkey=error").Parse(proofHTML)),
		NoticeSubject: texttemplate.Must(texttemplate.New("notice-subject").Option("missingkey=error").Parse(noticeSubject)),
		NoticeText:    texttemplate.Must(texttemplate.New("notice-text").Option("missingkey=error").Parse(noticeText)),
		NoticeHTML:    htmltemplate.Must(htmltemplate.New("notice-html").Option("missingkey=error").Parse(noticeHTML)),
	}
}

// Proof renders the mail that proves the address to.
func (t *Templates) Proof(to string, d ProofData) (Message, error) {
	if d.Code == "" {
		return Message{}, fmt.Errorf("%w: proof mail without a code", ErrInvalidMessage)
	}
	if d.Link != "" {
		u, err := url.Parse(d.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Message{}, fmt.Errorf("%w: proof link is not an absolute http(s) URL", ErrInvalidMessage)
		}
	}
	return t.render(to, d, t.ProofSubject, t.ProofText, t.ProofHTML)
}

// Notice renders the mail that tells to about a change to its account.
func (t *Templates) Notice(to string, d NoticeData) (Message, error) {
	switch d.Event {
	case EventAdded, EventRemoved, EventRecovery:
	default:
		return Message{}, fmt.Errorf("%w: unknown notice event %q", ErrInvalidMessage, d.Event)
	}
	return t.render(to, d, t.NoticeSubject, t.NoticeText, t.NoticeHTML)
}

// render executes the three templates (HTML may be nil: text only) and
// validates the result, so a replaced template cannot inject a header.
func (t *Templates) render(to string, data any, subject, text *texttemplate.Template, html *htmltemplate.Template) (Message, error) {
	if subject == nil || text == nil {
		return Message{}, fmt.Errorf("%w: subject or text template missing", ErrMisconfigured)
	}
	var b bytes.Buffer
	if err := subject.Execute(&b, data); err != nil {
		return Message{}, fmt.Errorf("%w: subject template: %w", ErrMisconfigured, err)
	}
	m := Message{To: to, Subject: strings.TrimSpace(b.String())}
	b.Reset()
	if err := text.Execute(&b, data); err != nil {
		return Message{}, fmt.Errorf("%w: text template: %w", ErrMisconfigured, err)
	}
	m.Text = b.String()
	if html != nil {
		b.Reset()
		if err := html.Execute(&b, data); err != nil {
			return Message{}, fmt.Errorf("%w: HTML template: %w", ErrMisconfigured, err)
		}
		m.HTML = b.String()
	}
	if err := m.validate(); err != nil {
		return Message{}, err
	}
	return m, nil
}
