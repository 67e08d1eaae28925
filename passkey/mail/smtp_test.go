package mail_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey/mail"
	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

const from = "Example <no-reply@example.com>"

func startServer(t *testing.T, cfg mailtest.Config) *mailtest.Server {
	t.Helper()
	srv, err := mailtest.StartConfig(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	return srv
}

func newSMTP(t *testing.T, srv *mailtest.Server, cfg mail.SMTPConfig) *mail.SMTP {
	t.Helper()
	cfg.Host, cfg.Port = srv.Host(), srv.Port()
	if cfg.From == "" {
		cfg.From = from
	}
	if cfg.TLSConfig == nil && srv.RootCAs() != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
	}
	m, err := mail.NewSMTP(cfg)
	require.NoError(t, err)
	return m
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var sample = mail.Message{
	To:      "ana@example.com",
	Subject: "Grüße from Example",
	Text:    "Your code is 493027.\nÄrger? None.\n",
	HTML:    "<p>Your code is <b>493027</b>.</p>",
}

func TestSMTPDeliversTextAndHTML(t *testing.T) {
	tests := []struct {
		name    string
		server  mailtest.Config
		client  mail.SMTPConfig
		wantTLS bool
	}{
		{"starttls required by default", mailtest.Config{STARTTLS: true, RequireTLS: true}, mail.SMTPConfig{}, true},
		{"implicit tls", mailtest.Config{ImplicitTLS: true, RequireTLS: true}, mail.SMTPConfig{ImplicitTLS: true}, true},
		{"starttls and auth", mailtest.Config{STARTTLS: true, RequireTLS: true, Username: "mailer", Password: "s3cret-pass"},
			mail.SMTPConfig{Username: "mailer", Password: "s3cret-pass"}, true},
		{"implicit tls and auth", mailtest.Config{ImplicitTLS: true, Username: "mailer", Password: "s3cret-pass"},
			mail.SMTPConfig{ImplicitTLS: true, Username: "mailer", Password: "s3cret-pass"}, true},
		{"insecure plaintext", mailtest.Config{}, mail.SMTPConfig{InsecurePlaintext: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.server)
			m := newSMTP(t, srv, tt.client)
			require.NoError(t, m.Send(t.Context(), sample))

			got, err := srv.Wait(waitCtx(t), "ana@example.com")
			require.NoError(t, err)
			assert.Equal(t, "ana@example.com", got.To)
			assert.Equal(t, []string{"ana@example.com"}, got.Recipients)
			assert.Equal(t, "no-reply@example.com", got.From)
			assert.Equal(t, sample.Subject, got.Subject)
			assert.Equal(t, strings.ReplaceAll(sample.Text, "\n", "\r\n"), got.Text)
			assert.Equal(t, sample.HTML, got.HTML)
			assert.Equal(t, tt.wantTLS, got.TLS)
			assert.Equal(t, tt.client.Username, got.AuthUser)
			assert.Contains(t, got.Header.Get("Content-Type"), "multipart/alternative")
			assert.NotEmpty(t, got.Header.Get("Message-Id"))
			assert.NotEmpty(t, got.Header.Get("Date"))
		})
	}
}

func TestSMTPTextOnly(t *testing.T) {
	srv := startServer(t, mailtest.Config{STARTTLS: true})
	m := newSMTP(t, srv, mail.SMTPConfig{})
	msg := sample
	msg.HTML = ""
	require.NoError(t, m.Send(t.Context(), msg))
	got, err := srv.Wait(waitCtx(t), msg.To)
	require.NoError(t, err)
	assert.Contains(t, got.Header.Get("Content-Type"), "text/plain")
	assert.Empty(t, got.HTML)
	assert.Contains(t, got.Text, "493027")
}

// Each failure leaves the server with nothing received, and the error
// says the mail was not sent without echoing the password.
func TestSMTPRefusals(t *testing.T) {
	tests := []struct {
		name   string
		server mailtest.Config
		client mail.SMTPConfig
	}{
		{"server without starttls", mailtest.Config{}, mail.SMTPConfig{}},
		{"untrusted certificate", mailtest.Config{STARTTLS: true}, mail.SMTPConfig{TLSConfig: &tls.Config{}}},
		{"certificate for another name", mailtest.Config{STARTTLS: true}, mail.SMTPConfig{TLSConfig: &tls.Config{ServerName: "mail.example.com"}}},
		{"implicit tls against plaintext", mailtest.Config{}, mail.SMTPConfig{ImplicitTLS: true}},
		{"wrong password", mailtest.Config{STARTTLS: true, Username: "mailer", Password: "right-pass"},
			mail.SMTPConfig{Username: "mailer", Password: "wrong-pass"}},
		{"no credentials where auth is required", mailtest.Config{STARTTLS: true, Username: "mailer", Password: "right-pass"}, mail.SMTPConfig{}},
		{"plaintext where tls is required", mailtest.Config{STARTTLS: true, RequireTLS: true}, mail.SMTPConfig{InsecurePlaintext: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.server)
			m := newSMTP(t, srv, tt.client)
			err := m.Send(t.Context(), sample)
			require.ErrorIs(t, err, mail.ErrUnavailable)
			assert.True(t, strings.HasPrefix(err.Error(), "mail: "), err.Error())
			if tt.client.Password != "" {
				assert.NotContains(t, err.Error(), tt.client.Password)
			}
			assert.NotContains(t, err.Error(), "493027")
			assert.Empty(t, srv.Messages())
		})
	}
}

// A caller-supplied To or Subject cannot add a header or a recipient:
// the attacker's Bcc never reaches the server.
func TestSMTPHeaderInjectionRefused(t *testing.T) {
	srv := startServer(t, mailtest.Config{})
	m := newSMTP(t, srv, mail.SMTPConfig{InsecurePlaintext: true})
	tests := []struct {
		name string
		msg  mail.Message
	}{
		{"bcc in to", mail.Message{To: "ana@example.com\r\nBcc: eve@evil.example", Subject: "s", Text: "t"}},
		{"lf in to", mail.Message{To: "ana@example.com\nBcc: eve@evil.example", Subject: "s", Text: "t"}},
		{"bcc in subject", mail.Message{To: "ana@example.com", Subject: "hi\r\nBcc: eve@evil.example", Text: "t"}},
		{"body in subject", mail.Message{To: "ana@example.com", Subject: "hi\n\nfake body", Text: "t"}},
		{"two recipients", mail.Message{To: "ana@example.com, eve@evil.example", Subject: "s", Text: "t"}},
		{"not an address", mail.Message{To: "ana", Subject: "s", Text: "t"}},
		{"empty to", mail.Message{Subject: "s", Text: "t"}},
		{"nul in to", mail.Message{To: "ana@example.com\x00", Subject: "s", Text: "t"}},
		{"empty subject", mail.Message{To: "ana@example.com", Subject: " ", Text: "t"}},
		{"empty text", mail.Message{To: "ana@example.com", Subject: "s", HTML: "<p>x</p>"}},
		{"invalid utf-8", mail.Message{To: "ana@example.com", Subject: "s\xff", Text: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, m.Send(t.Context(), tt.msg), mail.ErrInvalidMessage)
		})
	}
	// A good message afterwards is the only one the server ever saw.
	require.NoError(t, m.Send(t.Context(), sample))
	_, err := srv.Wait(waitCtx(t), sample.To)
	require.NoError(t, err)
	got := srv.Messages()
	require.Len(t, got, 1)
	assert.Equal(t, []string{"ana@example.com"}, got[0].Recipients)
	assert.Empty(t, got[0].Header.Get("Bcc"))
}

func TestNewSMTPRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  mail.SMTPConfig
	}{
		{"no host", mail.SMTPConfig{From: from}},
		{"host with line break", mail.SMTPConfig{Host: "smtp.example.com\r\n", From: from}},
		{"no from", mail.SMTPConfig{Host: "smtp.example.com"}},
		{"from with line break", mail.SMTPConfig{Host: "smtp.example.com", From: "a@example.com\r\nBcc: e@evil.example"}},
		{"two senders", mail.SMTPConfig{Host: "smtp.example.com", From: "a@example.com, b@example.com"}},
		{"bad port", mail.SMTPConfig{Host: "smtp.example.com", From: from, Port: 70000}},
		{"plaintext and implicit tls", mail.SMTPConfig{Host: "smtp.example.com", From: from, InsecurePlaintext: true, ImplicitTLS: true}},
		{"credentials in plaintext", mail.SMTPConfig{Host: "smtp.example.com", From: from, InsecurePlaintext: true, Username: "u", Password: "p"}},
		{"password without username", mail.SMTPConfig{Host: "smtp.example.com", From: from, Password: "p"}},
		{"negative timeout", mail.SMTPConfig{Host: "smtp.example.com", From: from, Timeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mail.NewSMTP(tt.cfg)
			require.ErrorIs(t, err, mail.ErrMisconfigured)
			assert.Nil(t, m)
		})
	}
}

// NewSMTP copies the caller's TLS config: changing it later changes
// nothing, and NewSMTP does not write to it.
func TestNewSMTPCopiesTLSConfig(t *testing.T) {
	srv := startServer(t, mailtest.Config{STARTTLS: true})
	cfg := &tls.Config{RootCAs: srv.RootCAs()}
	m := newSMTP(t, srv, mail.SMTPConfig{TLSConfig: cfg})
	assert.Empty(t, cfg.ServerName)
	assert.Zero(t, cfg.MinVersion)
	cfg.RootCAs = nil
	require.NoError(t, m.Send(t.Context(), sample))
}

// silentServer accepts connections and never says a word, like a
// server that hangs; accepted is signalled for each connection.
func silentServer(t *testing.T) (addr *net.TCPAddr, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ch := make(chan struct{}, 4)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			ch <- struct{}{}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr), ch
}

func TestSMTPCancelEndsTheExchange(t *testing.T) {
	addr, accepted := silentServer(t)
	m, err := mail.NewSMTP(mail.SMTPConfig{Host: addr.IP.String(), Port: addr.Port, From: from, InsecurePlaintext: true, Timeout: time.Hour})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-accepted // the client is connected and waiting for the greeting
		cancel()
	}()
	err = m.Send(ctx, sample)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, mail.ErrUnavailable)
}

func TestSMTPDeadlineFromContext(t *testing.T) {
	addr, _ := silentServer(t)
	m, err := mail.NewSMTP(mail.SMTPConfig{Host: addr.IP.String(), Port: addr.Port, From: from, InsecurePlaintext: true, Timeout: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err = m.Send(ctx, sample)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, mail.ErrUnavailable)
}

func TestSMTPCanceledBeforeSend(t *testing.T) {
	srv := startServer(t, mailtest.Config{})
	m := newSMTP(t, srv, mail.SMTPConfig{InsecurePlaintext: true})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, m.Send(ctx, sample), context.Canceled)
	assert.Empty(t, srv.Messages())
}

func TestSMTPConcurrentSends(t *testing.T) {
	srv := startServer(t, mailtest.Config{STARTTLS: true, Username: "mailer", Password: "pw"})
	m := newSMTP(t, srv, mail.SMTPConfig{Username: "mailer", Password: "pw"})
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			msg := sample
			msg.To = fmt.Sprintf("user%d@example.com", i)
			errs[i] = m.Send(t.Context(), msg)
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		got, err := srv.Wait(waitCtx(t), fmt.Sprintf("USER%d@example.com", i))
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("user%d@example.com", i), got.To)
	}
	assert.Len(t, srv.Messages(), n)
}

func TestSMTPServerGone(t *testing.T) {
	srv := startServer(t, mailtest.Config{})
	m := newSMTP(t, srv, mail.SMTPConfig{InsecurePlaintext: true})
	require.NoError(t, srv.Close())
	err := m.Send(t.Context(), sample)
	require.ErrorIs(t, err, mail.ErrUnavailable)
	assert.False(t, errors.Is(err, mail.ErrInvalidMessage))
}

// BenchmarkSMTPSend measures one Send over loopback to mailtest: a new
// connection, EHLO, the TLS handshake and AUTH where configured, and the
// transfer of a proof-sized text+HTML mail.
func BenchmarkSMTPSend(b *testing.B) {
	cases := []struct {
		name   string
		server mailtest.Config
		client mail.SMTPConfig
	}{
		{"plaintext", mailtest.Config{}, mail.SMTPConfig{InsecurePlaintext: true}},
		{"starttls", mailtest.Config{STARTTLS: true}, mail.SMTPConfig{}},
		{"starttls+auth", mailtest.Config{STARTTLS: true, Username: "u", Password: "p"}, mail.SMTPConfig{Username: "u", Password: "p"}},
		{"implicit-tls", mailtest.Config{ImplicitTLS: true}, mail.SMTPConfig{ImplicitTLS: true}},
	}
	msg, err := mail.DefaultTemplates().Proof("ana@example.com", mail.ProofData{RPName: "Example", Code: "49302718", Link: "https://example.com/#link=abc.def", Expires: time.Now()})
	require.NoError(b, err)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			srv, err := mailtest.StartConfig(c.server)
			require.NoError(b, err)
			defer srv.Close()
			cfg := c.client
			cfg.Host, cfg.Port, cfg.From = srv.Host(), srv.Port(), from
			if srv.RootCAs() != nil {
				cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
			}
			m, err := mail.NewSMTP(cfg)
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				if err := m.Send(b.Context(), msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
