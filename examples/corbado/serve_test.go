package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeStopsOnCancel(t *testing.T) {
	// In a synctest bubble over an in-memory listener, synctest.Wait
	// returns once serve is parked in its shutdown with the request still
	// in flight: had serve returned early, done would hold its answer. No
	// window of wall-clock time to wait out.
	synctest.Test(t, func(t *testing.T) {
		ln := newPipeListener()
		ctx, cancel := context.WithCancel(t.Context())
		release := make(chan struct{})
		finish := sync.OnceFunc(func() { close(release) })
		defer finish() // also when the test fails early
		started := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
			_, _ = io.WriteString(w, "finished")
		})
		done := make(chan error, 1)
		go func() { done <- serve(ctx, ln, h, slog.New(slog.DiscardHandler)) }()

		client := &http.Client{Transport: &http.Transport{DialContext: ln.dial}}
		defer client.CloseIdleConnections()
		got := make(chan string, 1)
		go func() {
			resp, err := client.Get("http://corbado.pipe/")
			if err != nil {
				got <- err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			got <- string(b)
		}()
		<-started
		cancel() // SIGINT / SIGTERM
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("serve returned before the request in flight finished: %v", err)
		default:
		}
		_, err := ln.dial(t.Context(), "tcp", "corbado.pipe:80")
		assert.Error(t, err, "no new connections once shutting down")

		finish()
		assert.Equal(t, "finished", <-got, "the request in flight completes")
		require.NoError(t, <-done)
	})
}

// pipeListener is a net.Listener over net.Pipe connections, which block
// on channels: goroutines waiting on them are durably blocked in a
// synctest bubble, as goroutines waiting on a socket are not.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// dial connects to the listener, or fails as a closed port does.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	return nil, &net.OpError{Op: "dial", Net: "pipe", Err: errors.New("connection refused")}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "corbado.pipe:80" }
