package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultSMTPTimeout bounds one Send when its ctx has no earlier deadline.
const DefaultSMTPTimeout = 30 * time.Second

// ctxMargin is how long past a ctx deadline go-mail's own timeout is set.
const ctxMargin = time.Second

// SMTPConfig says how to reach a submission server. The zero value of
// every switch is the safe one: STARTTLS is required, certificates are
// checked against the system roots.
type SMTPConfig struct {
	// Host is the server's name (also the name its certificate must carry).
	Host string
	// Port defaults to 587 (submission with STARTTLS), or 465 with ImplicitTLS.
	Port int
	// From is the sender: "Example <no-reply@example.com>".
	From string

	// Username and Password, when Username is set, log in with AUTH PLAIN
	// once the connection is encrypted.
	Username, Password string

	// ImplicitTLS speaks TLS from the first byte (port 465, "SMTPS")
	// instead of upgrading with STARTTLS.
	ImplicitTLS bool
	// TLSConfig overrides the client TLS settings (private roots, a
	// client certificate). It is cloned; ServerName defaults to Host and
	// MinVersion is at least TLS 1.2.
	TLSConfig *tls.Config

	// InsecurePlaintext sends without any TLS, so anyone on the path reads
	// every code and link. Only for a server on the same machine, like the
	// local demo's; it cannot be combined with ImplicitTLS or credentials.
	InsecurePlaintext bool

	// HELO is the name this client greets with; default the host name.
	HELO string
	// Timeout bounds one Send (dial, TLS, auth, transfer); default
	// DefaultSMTPTimeout. A ctx deadline that comes sooner wins.
	Timeout time.Duration
}

// SMTP is a Mailer that submits each message over its own SMTP
// connection, through github.com/wneessen/go-mail.
type SMTP struct {
	cfg  SMTPConfig
	port int
	tls  *tls.Config
}

var _ Mailer = (*SMTP)(nil)

// NewSMTP validates cfg and returns a Mailer for it. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" || strings.ContainsAny(cfg.Host, "\r\n\x00/ ") {
		return nil, fmt.Errorf("%w: SMTP host missing or malformed", ErrMisconfigured)
	}
	if err := checkFrom(cfg.From); err != nil {
		return nil, err
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("%w: SMTP port %d", ErrMisconfigured, cfg.Port)
	}
	if cfg.InsecurePlaintext && cfg.ImplicitTLS {
		return nil, fmt.Errorf("%w: InsecurePlaintext and ImplicitTLS contradict each other", ErrMisconfigured)
	}
	if cfg.InsecurePlaintext && (cfg.Username != "" || cfg.Password != "") {
		return nil, fmt.Errorf("%w: SMTP credentials are never sent without TLS", ErrMisconfigured)
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, fmt.Errorf("%w: SMTP password without username", ErrMisconfigured)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative SMTP timeout", ErrMisconfigured)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	s := &SMTP{cfg: cfg, port: cfg.Port}
	if s.port == 0 {
		s.port = gomail.DefaultPortTLS
		if cfg.ImplicitTLS {
			s.port = gomail.DefaultPortSSL
		}
	}
	s.tls = &tls.Config{}
	if cfg.TLSConfig != nil {
		s.tls = cfg.TLSConfig.Clone()
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = cfg.Host
	}
	if s.tls.MinVersion < tls.VersionTLS12 {
		s.tls.MinVersion = tls.VersionTLS12
	}
	return s, nil
}

// Send submits m. The connection is cut when ctx ends, and the whole
// exchange is bounded by Timeout or ctx's deadline, whichever is sooner.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: smtp: %w", err)
	}
	msg, err := s.message(m)
	if err != nil {
		return err
	}

	timeout := s.cfg.Timeout
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline && time.Until(deadline) < timeout {
		// A little past ctx's deadline, so that ctx ends the exchange
		// (closeOnCancel) and the error says so, rather than a socket
		// timeout racing it to the same instant.
		timeout = time.Until(deadline) + ctxMargin
	}
	dial, stop := closeOnCancel(ctx, s.tls, s.cfg.ImplicitTLS)
	defer stop()

	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(s.tls.Clone()),
		gomail.WithDialContextFunc(dial),
	}
	switch {
	case s.cfg.InsecurePlaintext:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case s.cfg.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	if s.cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(s.cfg.HELO))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("%w: smtp client: %w", ErrMisconfigured, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%w: smtp: %w", ErrUnavailable, ctxErr)
		}
		if hasDeadline && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(deadline) {
			return fmt.Errorf("%w: smtp: %w", ErrUnavailable, context.DeadlineExceeded)
		}
		return fmt.Errorf("%w: smtp %s: %w", ErrUnavailable, net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.port)), err)
	}
	return nil
}

// message builds the MIME message: text/plain, and multipart/alternative
// with text/html when m has HTML.
func (s *SMTP) message(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("%w: From: %w", ErrMisconfigured, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("%w: To is not one address", ErrInvalidMessage)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// closeOnCancel returns a dial function for one Send that closes each
// connection it opened when ctx ends (go-mail bounds every step by a
// timeout, but only the dial by the ctx), and a stop that releases those
// watches once the Send is over.
func closeOnCancel(ctx context.Context, cfg *tls.Config, implicitTLS bool) (dial gomail.DialContextFunc, stop func()) {
	var (
		mu    sync.Mutex
		stops []func() bool
	)
	dial = func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		nd := &net.Dialer{}
		var (
			conn net.Conn
			err  error
		)
		if implicitTLS {
			conn, err = (&tls.Dialer{NetDialer: nd, Config: cfg.Clone()}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = nd.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		mu.Lock()
		stops = append(stops, context.AfterFunc(ctx, func() { conn.Close() }))
		mu.Unlock()
		return conn, nil
	}
	stop = func() {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range stops {
			s()
		}
	}
	return dial, stop
}
