package mailtest

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// MaxMessageBytes is the largest message the server takes.
const MaxMessageBytes = 1 << 20

// Config says what the server offers. The zero value is a plaintext
// server without authentication, like the loopback one of the local demo.
type Config struct {
	// STARTTLS offers STARTTLS with a certificate made for this server
	// (localhost, 127.0.0.1, ::1); clients trust it through RootCAs.
	STARTTLS bool
	// ImplicitTLS speaks TLS from the first byte (like port 465).
	ImplicitTLS bool
	// RequireTLS refuses MAIL FROM on a connection that is not encrypted.
	RequireTLS bool

	// Username and Password, when Username is set, are the only
	// credentials AUTH PLAIN accepts, and MAIL FROM needs a login first.
	// AUTH is offered only on encrypted connections.
	Username, Password string

	// OnReceive, if set, is called with each message once it is kept
	// (the local demo prints codes and links from it). It runs on the
	// SMTP connection's goroutine: the client waits for it.
	OnReceive func(Received)

	// ErrorLog receives go-smtp's connection errors; default: discarded.
	ErrorLog *log.Logger
}

// Server is an SMTP server on 127.0.0.1 that keeps every message it
// receives, parsed. It is for tests and local demos: it delivers nothing.
type Server struct {
	cfg   Config
	smtp  *smtp.Server
	ln    net.Listener
	roots *x509.CertPool
	done  chan struct{}

	mu       sync.Mutex
	received []Received
	waited   map[string]int // per address: how many messages Wait has returned
	arrived  chan struct{}  // closed and replaced on every new message
}

// Start starts a plaintext server without authentication on 127.0.0.1.
func Start() (*Server, error) { return StartConfig(Config{}) }

// StartConfig starts a server on 127.0.0.1 with a free port.
func StartConfig(cfg Config) (*Server, error) {
	if cfg.STARTTLS && cfg.ImplicitTLS {
		return nil, errors.New("mailtest: STARTTLS and ImplicitTLS contradict each other")
	}
	if cfg.RequireTLS && !cfg.STARTTLS && !cfg.ImplicitTLS {
		return nil, errors.New("mailtest: RequireTLS without STARTTLS or ImplicitTLS")
	}
	s := &Server{cfg: cfg, waited: map[string]int{}, arrived: make(chan struct{}), done: make(chan struct{})}

	var tlsConfig *tls.Config
	if cfg.STARTTLS || cfg.ImplicitTLS {
		cert, roots, err := newCertificate()
		if err != nil {
			return nil, err
		}
		s.roots = roots
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.MaxMessageBytes = MaxMessageBytes
	srv.MaxRecipients = 10
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = cfg.ErrorLog
	if srv.ErrorLog == nil {
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	if cfg.STARTTLS {
		srv.TLSConfig = tlsConfig
	}
	s.smtp = srv

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mailtest: listen: %w", err)
	}
	if cfg.ImplicitTLS {
		ln = tls.NewListener(ln, tlsConfig)
	}
	s.ln = ln
	go func() {
		defer close(s.done)
		_ = srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the server's host:port, "127.0.0.1:NNNNN".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is "127.0.0.1".
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// RootCAs holds the server's certificate, for a client's tls.Config;
// nil for a server without TLS.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Close stops the server and cuts every connection.
func (s *Server) Close() error {
	err := s.smtp.Close()
	// go-smtp closes only the listeners Serve has registered: one that
	// has not started yet would go on accepting.
	s.ln.Close()
	<-s.done
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Messages returns every message received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.received))
	copy(out, s.received)
	return out
}

// Wait returns the next message addressed to to (compared without case)
// that Wait has not returned yet, waiting for it until ctx ends. Each
// call moves on by one: two calls return the first and the second mail.
func (s *Server) Wait(ctx context.Context, to string) (Received, error) {
	to = strings.ToLower(strings.TrimSpace(to))
	for {
		s.mu.Lock()
		seen := 0
		for _, r := range s.received {
			if !r.addressedTo(to) {
				continue
			}
			if seen == s.waited[to] {
				s.waited[to]++
				s.mu.Unlock()
				return r, nil
			}
			seen++
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return Received{}, fmt.Errorf("mailtest: no mail for %s: %w", to, ctx.Err())
		}
	}
}

func (s *Server) keep(r Received) {
	s.mu.Lock()
	s.received = append(s.received, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
	if s.cfg.OnReceive != nil {
		s.cfg.OnReceive(r)
	}
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// session is one SMTP connection's transaction state.
type session struct {
	srv      *Server
	conn     *smtp.Conn
	authUser string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

func (se *session) encrypted() bool {
	_, ok := se.conn.TLSConnectionState()
	return ok
}

func (se *session) AuthMechanisms() []string {
	if se.srv.cfg.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	if se.srv.cfg.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		userOK := subtle.ConstantTimeCompare([]byte(username), []byte(se.srv.cfg.Username))
		passOK := subtle.ConstantTimeCompare([]byte(password), []byte(se.srv.cfg.Password))
		if userOK&passOK != 1 {
			return smtp.ErrAuthFailed
		}
		se.authUser = username
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.srv.cfg.RequireTLS && !se.encrypted() {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	}
	if se.srv.cfg.Username != "" && se.authUser == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: " + err.Error()}
	}
	rec.From = se.from
	rec.Recipients = append([]string(nil), se.to...)
	rec.TLS = se.encrypted()
	rec.AuthUser = se.authUser
	rec.At = time.Now()
	se.srv.keep(rec)
	return nil
}

func (se *session) Reset() {
	se.from = ""
	se.to = nil
}

func (se *session) Logout() error { return nil }
