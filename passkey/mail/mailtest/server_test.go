package mailtest_test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

func start(t *testing.T, cfg mailtest.Config) *mailtest.Server {
	t.Helper()
	srv, err := mailtest.StartConfig(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	return srv
}

// send delivers raw over a plaintext connection with the standard
// library's client, which has nothing in common with go-mail.
func send(t *testing.T, srv *mailtest.Server, to string, raw string) error {
	t.Helper()
	return smtp.SendMail(srv.Addr(), nil, "sender@example.com", []string{to}, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

const multipartQP = `From: Example <no-reply@example.com>
To: "Ana" <ana@example.com>
Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary=XYZ

--XYZ
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Code 493027, =C3=84rger none. Link: https://example.com/#link=3Dabc_DEF
--XYZ
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

PHA+Q29kZSA8Yj40OTMwMjc8L2I+PC9wPg==
--XYZ--
`

func TestParsesMultipart(t *testing.T) {
	srv := start(t, mailtest.Config{})
	require.NoError(t, send(t, srv, "ana@example.com", multipartQP))
	got, err := srv.Wait(ctx(t), "ANA@example.com")
	require.NoError(t, err)
	assert.Equal(t, "ana@example.com", got.To)
	assert.Equal(t, "sender@example.com", got.From)
	assert.Equal(t, []string{"ana@example.com"}, got.Recipients)
	assert.Equal(t, "Grüße", got.Subject)
	assert.Equal(t, "Code 493027, Ärger none. Link: https://example.com/#link=abc_DEF", got.Text)
	assert.Equal(t, "<p>Code <b>493027</b></p>", got.HTML)
	assert.Equal(t, []string{"https://example.com/#link=abc_DEF"}, got.Links())
	assert.False(t, got.TLS)
	assert.Empty(t, got.AuthUser)
}

func TestParsesPlainText(t *testing.T) {
	srv := start(t, mailtest.Config{})
	require.NoError(t, send(t, srv, "ana@example.com", "To: ana@example.com\nSubject: hi\n\nline one\nline two\n"))
	got, err := srv.Wait(ctx(t), "ana@example.com")
	require.NoError(t, err)
	assert.Equal(t, "line one\r\nline two\r\n", got.Text)
	assert.Empty(t, got.HTML)
}

// A message a mail client could not read is refused at DATA and kept
// nowhere: a test of a sender cannot pass on a malformed message.
func TestRefusesMalformed(t *testing.T) {
	tests := []struct{ name, raw string }{
		{"no to", "Subject: hi\n\nbody\n"},
		{"two to", "To: a@example.com, b@example.com\nSubject: hi\n\nbody\n"},
		{"no text part", "To: ana@example.com\nSubject: hi\nContent-Type: multipart/alternative; boundary=B\n\n--B\nContent-Type: text/html\n\n<p>x</p>\n--B--\n"},
		{"bad base64", "To: ana@example.com\nSubject: hi\nContent-Transfer-Encoding: base64\n\n!!!!\n"},
		{"unknown encoding", "To: ana@example.com\nSubject: hi\nContent-Transfer-Encoding: x-uuencode\n\nbody\n"},
		{"other charset", "To: ana@example.com\nSubject: hi\nContent-Type: text/plain; charset=iso-8859-1\n\nbody\n"},
	}
	srv := start(t, mailtest.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := send(t, srv, "ana@example.com", tt.raw)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "554")
		})
	}
	assert.Empty(t, srv.Messages())
}

func TestWaitReturnsEachMailOnce(t *testing.T) {
	srv := start(t, mailtest.Config{})
	require.NoError(t, send(t, srv, "ana@example.com", "To: ana@example.com\nSubject: first\n\n1\n"))
	require.NoError(t, send(t, srv, "bob@example.com", "To: bob@example.com\nSubject: other\n\n2\n"))
	require.NoError(t, send(t, srv, "ana@example.com", "To: ana@example.com\nSubject: second\n\n3\n"))

	first, err := srv.Wait(ctx(t), "ana@example.com")
	require.NoError(t, err)
	assert.Equal(t, "first", first.Subject)
	second, err := srv.Wait(ctx(t), "ana@example.com")
	require.NoError(t, err)
	assert.Equal(t, "second", second.Subject)

	// Nothing more for ana: Wait blocks until its ctx ends.
	c, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = srv.Wait(c, "ana@example.com")
	require.ErrorIs(t, err, context.Canceled)

	other, err := srv.Wait(ctx(t), "bob@example.com")
	require.NoError(t, err)
	assert.Equal(t, "other", other.Subject)
	assert.Len(t, srv.Messages(), 3)
}

func TestWaitWakesOnArrival(t *testing.T) {
	srv := start(t, mailtest.Config{})
	var wg sync.WaitGroup
	var got mailtest.Received
	var err error
	wg.Go(func() { got, err = srv.Wait(ctx(t), "late@example.com") })
	require.NoError(t, send(t, srv, "late@example.com", "To: late@example.com\nSubject: late\n\nbody\n"))
	wg.Wait()
	require.NoError(t, err)
	assert.Equal(t, "late", got.Subject)
}

func TestOnReceive(t *testing.T) {
	got := make(chan mailtest.Received, 1)
	srv := start(t, mailtest.Config{OnReceive: func(r mailtest.Received) { got <- r }})
	require.NoError(t, send(t, srv, "ana@example.com", "To: ana@example.com\nSubject: hook\n\nbody\n"))
	assert.Equal(t, "hook", (<-got).Subject)
}

func TestSTARTTLSAndAuth(t *testing.T) {
	srv := start(t, mailtest.Config{STARTTLS: true, RequireTLS: true, Username: "mailer", Password: "pw"})
	tlsConfig := &tls.Config{RootCAs: srv.RootCAs(), ServerName: "127.0.0.1"}
	raw := []byte("To: ana@example.com\r\nSubject: tls\r\n\r\nbody\r\n")

	dial := func(t *testing.T) *smtp.Client {
		c, err := smtp.Dial(srv.Addr())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	t.Run("plaintext mail refused", func(t *testing.T) {
		c := dial(t)
		require.NoError(t, c.Hello("localhost"))
		ok, _ := c.Extension("AUTH")
		assert.False(t, ok, "AUTH is not offered before TLS")
		err := c.Mail("sender@example.com")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "530")
	})
	t.Run("wrong password refused", func(t *testing.T) {
		c := dial(t)
		require.NoError(t, c.StartTLS(tlsConfig))
		err := c.Auth(smtp.PlainAuth("", "mailer", "wrong", "127.0.0.1"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "535")
		require.Error(t, c.Mail("sender@example.com"), "no MAIL without a login")
	})
	t.Run("tls and auth delivers", func(t *testing.T) {
		c := dial(t)
		require.NoError(t, c.StartTLS(tlsConfig))
		require.NoError(t, c.Auth(smtp.PlainAuth("", "mailer", "pw", "127.0.0.1")))
		require.NoError(t, c.Mail("sender@example.com"))
		require.NoError(t, c.Rcpt("ana@example.com"))
		w, err := c.Data()
		require.NoError(t, err)
		_, err = w.Write(raw)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		require.NoError(t, c.Quit())
		got, err := srv.Wait(ctx(t), "ana@example.com")
		require.NoError(t, err)
		assert.True(t, got.TLS)
		assert.Equal(t, "mailer", got.AuthUser)
	})
	assert.Len(t, srv.Messages(), 1)
}

func TestImplicitTLS(t *testing.T) {
	srv := start(t, mailtest.Config{ImplicitTLS: true})
	conn, err := tls.Dial("tcp", srv.Addr(), &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"})
	require.NoError(t, err)
	c, err := smtp.NewClient(conn, "localhost")
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Mail("sender@example.com"))
	require.NoError(t, c.Rcpt("ana@example.com"))
	w, err := c.Data()
	require.NoError(t, err)
	_, err = io.WriteString(w, "To: ana@example.com\r\nSubject: implicit\r\n\r\nbody\r\n")
	require.NoError(t, err)
	require.NoError(t, w.Close())
	got, err := srv.Wait(ctx(t), "ana@example.com")
	require.NoError(t, err)
	assert.True(t, got.TLS)
}

func TestStartConfigRefusesContradictions(t *testing.T) {
	_, err := mailtest.StartConfig(mailtest.Config{STARTTLS: true, ImplicitTLS: true})
	require.Error(t, err)
	_, err = mailtest.StartConfig(mailtest.Config{RequireTLS: true})
	require.Error(t, err)
}

func TestInboxPage(t *testing.T) {
	srv := start(t, mailtest.Config{})
	h := httptest.NewServer(srv.Handler())
	t.Cleanup(h.Close)

	body := func() string {
		resp, err := http.Get(h.URL)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	empty := body()
	assert.Contains(t, empty, "Development aid")
	assert.Contains(t, empty, "No mail yet")

	require.NoError(t, send(t, srv, "ana@example.com", "To: ana@example.com\nSubject: <script>alert(1)</script>\n\nCode 493027 https://example.com/#link=abc\n"))
	require.NoError(t, send(t, srv, "ana@example.com", "To: ana@example.com\nSubject: newer\nContent-Type: multipart/alternative; boundary=B\n\n--B\nContent-Type: text/plain\n\nplain\n--B\nContent-Type: text/html\n\n<p onclick=\"x\">html</p>\n--B--\n"))
	page := body()
	assert.Contains(t, page, "Development aid")
	assert.NotContains(t, page, "<script>alert")
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, page, "493027")
	assert.Contains(t, page, `<a class="link" href="https://example.com/#link=abc">`)
	assert.Contains(t, page, `srcdoc="&lt;p onclick=&#34;x&#34;&gt;html&lt;/p&gt;`)
	assert.Less(t, strings.Index(page, "newer"), strings.Index(page, "493027"), "newest first")

	resp, err := http.Post(h.URL, "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
