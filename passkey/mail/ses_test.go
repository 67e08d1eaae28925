package mail_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey/mail"
)

// sesRequest is the JSON body of SES v2 SendEmail as the SDK sends it.
type sesRequest struct {
	FromEmailAddress     string
	ConfigurationSetName string
	Destination          struct{ ToAddresses, CcAddresses, BccAddresses []string }
	Content              struct {
		Simple struct {
			Subject struct{ Data, Charset string }
			Body    struct {
				Text *struct{ Data, Charset string }
				Html *struct{ Data, Charset string }
			}
		}
	}
}

// fakeSES answers SendEmail the way SES does and keeps what the SDK sent.
type fakeSES struct {
	mu       sync.Mutex
	requests []sesRequest
	paths    []string
	auth     []string
	fail     bool
}

func (f *fakeSES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req sesRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusTeapot)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	fail := f.fail
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if fail {
		w.Header().Set("X-Amzn-ErrorType", "MessageRejected")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"message":"Email address is not verified."}`)
		return
	}
	_, _ = io.WriteString(w, `{"MessageId":"0100018c-test"}`)
}

func newSES(t *testing.T, f *fakeSES, cfg mail.SESConfig) *mail.SES {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.Client = sesv2.New(sesv2.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret-key", ""),
	})
	if cfg.From == "" {
		cfg.From = from
	}
	m, err := mail.NewSES(cfg)
	require.NoError(t, err)
	return m
}

func TestSESSendsSimpleContent(t *testing.T) {
	f := &fakeSES{}
	m := newSES(t, f, mail.SESConfig{ConfigurationSet: "passkeys"})
	require.NoError(t, m.Send(t.Context(), sample))

	require.Len(t, f.requests, 1)
	assert.Equal(t, "POST /v2/email/outbound-emails", f.paths[0])
	assert.True(t, strings.HasPrefix(f.auth[0], "AWS4-HMAC-SHA256 Credential=AKIDTEST/"), f.auth[0])
	assert.Contains(t, f.auth[0], "/eu-west-1/ses/aws4_request")
	req := f.requests[0]
	assert.Equal(t, from, req.FromEmailAddress)
	assert.Equal(t, "passkeys", req.ConfigurationSetName)
	assert.Equal(t, []string{"ana@example.com"}, req.Destination.ToAddresses)
	assert.Empty(t, req.Destination.CcAddresses)
	assert.Empty(t, req.Destination.BccAddresses)
	assert.Equal(t, sample.Subject, req.Content.Simple.Subject.Data)
	assert.Equal(t, "UTF-8", req.Content.Simple.Subject.Charset)
	require.NotNil(t, req.Content.Simple.Body.Text)
	assert.Equal(t, sample.Text, req.Content.Simple.Body.Text.Data)
	assert.Equal(t, "UTF-8", req.Content.Simple.Body.Text.Charset)
	require.NotNil(t, req.Content.Simple.Body.Html)
	assert.Equal(t, sample.HTML, req.Content.Simple.Body.Html.Data)
}

func TestSESTextOnly(t *testing.T) {
	f := &fakeSES{}
	m := newSES(t, f, mail.SESConfig{})
	msg := sample
	msg.HTML = ""
	require.NoError(t, m.Send(t.Context(), msg))
	require.Len(t, f.requests, 1)
	assert.Nil(t, f.requests[0].Content.Simple.Body.Html)
	assert.Empty(t, f.requests[0].ConfigurationSetName)
}

func TestSESRejectionIsUnavailable(t *testing.T) {
	f := &fakeSES{fail: true}
	m := newSES(t, f, mail.SESConfig{})
	err := m.Send(t.Context(), sample)
	require.ErrorIs(t, err, mail.ErrUnavailable)
	var rejected *types.MessageRejected
	require.True(t, errors.As(err, &rejected), "%v", err)
	assert.NotContains(t, err.Error(), "493027")
}

func TestSESRefusesInjectionWithoutCalling(t *testing.T) {
	f := &fakeSES{}
	m := newSES(t, f, mail.SESConfig{})
	err := m.Send(t.Context(), mail.Message{To: "ana@example.com\r\nBcc: eve@evil.example", Subject: "s", Text: "t"})
	require.ErrorIs(t, err, mail.ErrInvalidMessage)
	assert.Empty(t, f.requests)
}

func TestNewSESRefusesBadConfig(t *testing.T) {
	_, err := mail.NewSES(mail.SESConfig{From: from})
	require.ErrorIs(t, err, mail.ErrMisconfigured)
	_, err = mail.NewSES(mail.SESConfig{Client: sesv2.New(sesv2.Options{}), From: "not an address"})
	require.ErrorIs(t, err, mail.ErrMisconfigured)
}

func TestSESCanceled(t *testing.T) {
	f := &fakeSES{}
	m := newSES(t, f, mail.SESConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := m.Send(ctx, sample)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, mail.ErrUnavailable)
	assert.Empty(t, f.requests)
}
