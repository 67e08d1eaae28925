package mail_test

import (
	htmltemplate "html/template"
	"strings"
	"testing"
	texttemplate "text/template"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey/mail"
)

var expires = time.Date(2026, 12, 1, 20, 10, 0, 0, time.UTC)

func TestProofCarriesCodeAndLink(t *testing.T) {
	m, err := mail.DefaultTemplates().Proof("ana@example.com", mail.ProofData{
		RPName: "Example", Code: "493027", Link: "https://example.com/#link=abc_DEF-123", Expires: expires,
	})
	require.NoError(t, err)
	assert.Equal(t, "ana@example.com", m.To)
	assert.Equal(t, "Your Example sign-in code", m.Subject)
	assert.NotContains(t, m.Subject, "493027", "codes stay out of subjects, which servers log")
	for _, body := range []string{m.Text, m.HTML} {
		assert.Contains(t, body, "493027")
		assert.Contains(t, body, "https://example.com/#link=abc_DEF-123")
		assert.Contains(t, body, "20:10 UTC, 1 December 2026")
	}
	assert.Contains(t, m.HTML, `<a href="https://example.com/#link=abc_DEF-123">`)
}

func TestProofWithoutLink(t *testing.T) {
	m, err := mail.DefaultTemplates().Proof("ana@example.com", mail.ProofData{RPName: "Example", Code: "493027", Expires: expires})
	require.NoError(t, err)
	assert.NotContains(t, m.Text, "link")
	assert.NotContains(t, m.HTML, "<a ")
}

// Every value reaches the HTML body escaped, and none can add a header.
func TestTemplatesEscape(t *testing.T) {
	tpl := mail.DefaultTemplates()
	m, err := tpl.Proof("ana@example.com", mail.ProofData{
		RPName:  `<script>alert(1)</script>`,
		Code:    `"><img src=x onerror=alert(1)>`,
		Link:    `https://example.com/#link="><script>x</script>`,
		Expires: expires,
	})
	require.NoError(t, err)
	assert.NotContains(t, m.HTML, "<script>")
	assert.NotContains(t, m.HTML, "<img")
	assert.Contains(t, m.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, m.HTML, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;")

	n, err := tpl.Notice("ana@example.com", mail.NoticeData{
		RPName: "Example", Event: mail.EventAdded, PasskeyName: `<b onclick="x">Phone</b>`, When: expires,
	})
	require.NoError(t, err)
	assert.NotContains(t, n.HTML, "<b ")
	assert.Contains(t, n.HTML, "&lt;b onclick=&#34;x&#34;&gt;Phone&lt;/b&gt;")
	assert.Contains(t, n.Text, `<b onclick="x">Phone</b>`, "the text body is plain text")

	_, err = tpl.Proof("ana@example.com", mail.ProofData{RPName: "Example\r\nBcc: eve@evil.example", Code: "1", Expires: expires})
	require.ErrorIs(t, err, mail.ErrInvalidMessage)
	_, err = tpl.Proof("ana@example.com\r\nBcc: eve@evil.example", mail.ProofData{RPName: "Example", Code: "1", Expires: expires})
	require.ErrorIs(t, err, mail.ErrInvalidMessage)
}

func TestProofRefusals(t *testing.T) {
	tests := []struct {
		name string
		d    mail.ProofData
	}{
		{"no code", mail.ProofData{RPName: "Example"}},
		{"javascript link", mail.ProofData{RPName: "Example", Code: "1", Link: "javascript:alert(1)"}},
		{"relative link", mail.ProofData{RPName: "Example", Code: "1", Link: "/#link=abc"}},
		{"data link", mail.ProofData{RPName: "Example", Code: "1", Link: "data:text/html,x"}},
		{"no host", mail.ProofData{RPName: "Example", Code: "1", Link: "https:///x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mail.DefaultTemplates().Proof("ana@example.com", tt.d)
			require.ErrorIs(t, err, mail.ErrInvalidMessage)
		})
	}
}

func TestNoticeEvents(t *testing.T) {
	tests := []struct {
		event       mail.Event
		wantSubject string
		wantText    string
	}{
		{mail.EventAdded, "A passkey was added to your Example account", `A passkey ("Laptop") was added`},
		{mail.EventRemoved, "A passkey was removed from your Example account", `A passkey ("Laptop") was removed`},
		{mail.EventRecovery, "Your Example account was recovered", "code or link sent to this address"},
	}
	for _, tt := range tests {
		t.Run(string(tt.event), func(t *testing.T) {
			m, err := mail.DefaultTemplates().Notice("ana@example.com", mail.NoticeData{
				RPName: "Example", Event: tt.event, PasskeyName: "Laptop", When: expires,
			})
			require.NoError(t, err)
			assert.Equal(t, tt.wantSubject, m.Subject)
			assert.Contains(t, m.Text, tt.wantText)
			assert.Contains(t, m.Text, "20:10 UTC, 1 December 2026")
			assert.Contains(t, m.HTML, "20:10 UTC, 1 December 2026")
		})
	}
	m, err := mail.DefaultTemplates().Notice("ana@example.com", mail.NoticeData{RPName: "Example", Event: mail.EventAdded, When: expires})
	require.NoError(t, err)
	assert.Contains(t, m.Text, "A passkey was added", "no name, no quotes")

	_, err = mail.DefaultTemplates().Notice("ana@example.com", mail.NoticeData{RPName: "Example", Event: "deleted", When: expires})
	require.ErrorIs(t, err, mail.ErrInvalidMessage)
}

// A service replaces a template; a replaced subject is still checked,
// and the defaults of other Templates values are not touched.
func TestTemplatesReplaceable(t *testing.T) {
	tpl := mail.DefaultTemplates()
	tpl.ProofSubject = texttemplate.Must(texttemplate.New("s").Parse(`{{.RPName}}: Anmeldecode`))
	tpl.ProofText = texttemplate.Must(texttemplate.New("t").Parse("Code: {{.Code}}\n"))
	tpl.ProofHTML = nil // text only
	m, err := tpl.Proof("ana@example.com", mail.ProofData{RPName: "Beispiel", Code: "493027"})
	require.NoError(t, err)
	assert.Equal(t, "Beispiel: Anmeldecode", m.Subject)
	assert.Equal(t, "Code: 493027\n", m.Text)
	assert.Empty(t, m.HTML)

	again, err := mail.DefaultTemplates().Proof("ana@example.com", mail.ProofData{RPName: "Beispiel", Code: "493027"})
	require.NoError(t, err)
	assert.Equal(t, "Your Beispiel sign-in code", again.Subject)

	tpl.ProofSubject = texttemplate.Must(texttemplate.New("s").Parse("Code\r\nBcc: {{.Code}}@evil.example"))
	_, err = tpl.Proof("ana@example.com", mail.ProofData{RPName: "Beispiel", Code: "493027"})
	require.ErrorIs(t, err, mail.ErrInvalidMessage)

	tpl.ProofSubject = texttemplate.Must(texttemplate.New("s").Parse("{{.Nope}}"))
	_, err = tpl.Proof("ana@example.com", mail.ProofData{RPName: "Beispiel", Code: "493027"})
	require.ErrorIs(t, err, mail.ErrMisconfigured)
	assert.NotContains(t, err.Error(), "493027")

	tpl.ProofSubject = nil
	_, err = tpl.Proof("ana@example.com", mail.ProofData{RPName: "Beispiel", Code: "493027"})
	require.ErrorIs(t, err, mail.ErrMisconfigured)

	tpl = mail.DefaultTemplates()
	tpl.NoticeHTML = htmltemplate.Must(htmltemplate.New("h").Parse(`<p>{{.PasskeyName}}</p>`))
	n, err := tpl.Notice("ana@example.com", mail.NoticeData{RPName: "Example", Event: mail.EventRemoved, PasskeyName: "<i>x</i>"})
	require.NoError(t, err)
	assert.Equal(t, "<p>&lt;i&gt;x&lt;/i&gt;</p>", n.HTML)
	assert.True(t, strings.HasPrefix(n.Subject, "A passkey was removed"))
}
