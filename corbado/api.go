package corbado

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Corbado's Backend API hosts. The v1 API (auth tokens) lives on the
// first; Corbado Connect's v2 API on the second, which Corbado's newer
// documentation and SDKs use for v2 calls.
const (
	DefaultBackendAPI        = "https://backendapi.corbado.io"
	DefaultConnectBackendAPI = "https://backendapi.cloud.corbado.io"
)

const (
	// maxResponseBody caps what is read of a Backend API response: the
	// answers this package reads are a few hundred bytes.
	maxResponseBody = 64 << 10
	// defaultTimeout bounds one Backend API call when the caller's context
	// has no earlier deadline.
	defaultTimeout = 10 * time.Second
)

var errMalformedResponse = errors.New("corbado: response does not match the API documentation")

// backend calls Corbado's Backend API with HTTP Basic projectID:apiSecret,
// as Corbado's SDKs do (corbado-go client.go, NewSecurityProviderBasicAuth).
type backend struct {
	baseURL   string // scheme://host[/prefix], no trailing slash
	projectID string
	apiSecret string
	client    *http.Client
	timeout   time.Duration
}

// newBackend checks the shared settings of the API clients. Its errors name
// the setting at fault, never the secret's value.
func newBackend(what, baseURL, defaultURL, projectID, apiSecret string, client *http.Client, timeout time.Duration) (*backend, error) {
	var errs []error
	if projectID == "" {
		errs = append(errs, errors.New("ProjectID is empty"))
	} else if !validProjectID(projectID) {
		errs = append(errs, errors.New("ProjectID does not look like pro-<digits>"))
	}
	if apiSecret == "" {
		errs = append(errs, errors.New("APISecret is empty"))
	}
	if baseURL == "" {
		baseURL = defaultURL
	}
	u, err := url.Parse(baseURL)
	switch {
	case err != nil, u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		errs = append(errs, errors.New("BaseURL must be an absolute http(s) URL"))
	case u.User != nil, u.RawQuery != "", u.Fragment != "":
		errs = append(errs, errors.New("BaseURL must not carry credentials, a query or a fragment"))
	}
	if timeout < 0 {
		errs = append(errs, errors.New("Timeout must not be negative"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("corbado: invalid %s config: %w", what, errors.Join(errs...))
	}
	if client == nil {
		client = http.DefaultClient
	}
	if timeout == 0 {
		timeout = defaultTimeout
	}
	return &backend{
		baseURL:   strings.TrimRight(baseURL, "/"),
		projectID: projectID,
		apiSecret: apiSecret,
		client:    client,
		timeout:   timeout,
	}, nil
}

// validProjectID accepts Corbado's project IDs: "pro-" and letters or
// digits. The ID becomes part of host names and URLs, so nothing else may
// pass.
func validProjectID(id string) bool {
	rest, ok := strings.CutPrefix(id, "pro-")
	if !ok || rest == "" || len(rest) > 64 {
		return false
	}
	for _, r := range rest {
		if (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// errorEnvelope is the part of Corbado's errorRsp this package keeps
// (corbado-go pkg/generated/common: ErrorRsp{error{type, details,
// validation, links}, requestData{requestID, link}, message, …}).
type errorEnvelope struct {
	Error struct {
		Type string `json:"type"`
	} `json:"error"`
	RequestData struct {
		RequestID string `json:"requestID"`
	} `json:"requestData"`
}

// post sends body as JSON to path and decodes a 2xx answer into out. Every
// failure is an *APIError: 401/403 ErrMisconfigured; 429, 5xx, transport
// failures, oversized or undecodable answers ErrUnavailable; any other
// 4xx ErrInvalidToken (Corbado refused the input).
func (b *backend) post(ctx context.Context, op, path string, body, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return &APIError{Op: op, Kind: ErrUnavailable, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.baseURL+path, bytes.NewReader(payload))
	if err != nil {
		return &APIError{Op: op, Kind: ErrMisconfigured, Err: err}
	}
	req.SetBasicAuth(b.projectID, b.apiSecret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Corbado-ProjectID", b.projectID)

	resp, err := b.client.Do(req)
	if err != nil {
		return &APIError{Op: op, Kind: transportKind(err), Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return &APIError{Op: op, StatusCode: resp.StatusCode, Kind: transportKind(err), Err: err}
	}
	if len(raw) > maxResponseBody {
		return &APIError{Op: op, StatusCode: resp.StatusCode, Kind: ErrUnavailable,
			Err: errors.New("corbado: response larger than 64 KiB")}
	}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return &APIError{Op: op, StatusCode: resp.StatusCode, Kind: ErrUnavailable, Err: errMalformedResponse}
		}
		return nil
	}
	e := &APIError{Op: op, StatusCode: resp.StatusCode}
	var env errorEnvelope
	if json.Unmarshal(raw, &env) == nil {
		e.Type, e.RequestID = safeIdent(env.Error.Type), safeIdent(env.RequestData.RequestID)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		e.Kind = ErrMisconfigured
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		e.Kind = ErrUnavailable
	case resp.StatusCode >= 400:
		e.Kind = ErrInvalidToken
	default: // 1xx or a redirect the client did not follow
		e.Kind = ErrUnavailable
	}
	return e
}

// transportKind classifies an error of the round trip: the caller giving
// up is no statement about Corbado.
func transportKind(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return ErrUnavailable
}
