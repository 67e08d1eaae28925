package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/passkeybridge/bridge/challenge"
)

// The environment: the seed's variables, plus the proof key the Lambda
// triggers share and optional overrides for local runs.
const (
	envPort                = "PORT"
	envCognitoRegion       = "COGNITO_REGION"
	envUserPoolID          = "COGNITO_USER_POOL_ID"
	envClientID            = "COGNITO_CLIENT_ID"
	envClientSecret        = "COGNITO_CLIENT_SECRET"
	envCognitoJWKS         = "COGNITO_JWKS"
	envCorbadoProjectID    = "CORBADO_PROJECT_ID"
	envCorbadoAPISecret    = "CORBADO_API_SECRET"
	envWebhookUsername     = "CORBADO_WEBHOOK_USERNAME"
	envWebhookPassword     = "CORBADO_WEBHOOK_PASSWORD"
	envProofKey            = "PASSKEYBRIDGE_PROOF_KEY"
	envCognitoEndpoint     = "COGNITO_ENDPOINT"
	envCorbadoBackendAPI   = "CORBADO_BACKEND_API"
	envFrontendURL         = "FRONTEND_URL"
	defaultPort            = "3000"
	defaultFrontendOrigin  = "http://localhost:4200"
	defaultCognitoJWKSPath = "/.well-known/jwks.json"
)

// required lists the variables without which the server cannot start, in
// the order the message names them.
var required = []string{
	envCognitoRegion, envUserPoolID, envClientID,
	envCorbadoProjectID, envCorbadoAPISecret,
	envWebhookUsername, envWebhookPassword,
	envProofKey,
}

// config is the validated environment.
type config struct {
	Port string

	CognitoRegion   string
	UserPoolID      string
	ClientID        string
	ClientSecret    string // "" for an app client without a secret
	CognitoJWKS     []byte // a JWKS document; nil: fetch the pool's keys
	CognitoEndpoint string // "" for AWS; an emulator's URL otherwise

	CorbadoProjectID  string
	CorbadoAPISecret  string
	CorbadoBackendAPI string // "" for corbado.DefaultBackendAPI

	WebhookUsername string
	WebhookPassword string

	ProofKey       []byte
	FrontendOrigin string // the only origin CORS lets read answers
}

// loadConfig reads the environment through getenv. Its error names every
// missing or invalid variable, never a value.
func loadConfig(getenv func(string) string) (config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var missing []string
	for _, name := range required {
		if get(name) == "" {
			missing = append(missing, name)
		}
	}
	var errs []error
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("missing environment variables: %s", strings.Join(missing, ", ")))
	}

	c := config{
		Port:              get(envPort),
		CognitoRegion:     get(envCognitoRegion),
		UserPoolID:        get(envUserPoolID),
		ClientID:          get(envClientID),
		ClientSecret:      get(envClientSecret),
		CognitoEndpoint:   strings.TrimRight(get(envCognitoEndpoint), "/"),
		CorbadoProjectID:  get(envCorbadoProjectID),
		CorbadoAPISecret:  get(envCorbadoAPISecret),
		CorbadoBackendAPI: get(envCorbadoBackendAPI),
		// The webhook credentials are compared byte for byte: no trimming.
		WebhookUsername: getenv(envWebhookUsername),
		WebhookPassword: getenv(envWebhookPassword),
		FrontendOrigin:  get(envFrontendURL),
	}
	if c.Port == "" {
		c.Port = defaultPort
	} else if n, err := strconv.Atoi(c.Port); err != nil || n < 1 || n > 65535 {
		errs = append(errs, fmt.Errorf("%s must be a port number", envPort))
	}

	if s := get(envProofKey); s != "" {
		key, err := base64.StdEncoding.DecodeString(s)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s is not standard base64", envProofKey))
		case len(key) < challenge.MinKeySize:
			errs = append(errs, fmt.Errorf("%s must decode to at least %d bytes", envProofKey, challenge.MinKeySize))
		default:
			c.ProofKey = key
		}
	}

	if s := get(envCognitoJWKS); s != "" {
		doc, err := jwksDocument(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", envCognitoJWKS, err))
		}
		c.CognitoJWKS = doc
	}

	if c.CognitoEndpoint != "" {
		if u, err := url.Parse(c.CognitoEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s must be an http(s) URL", envCognitoEndpoint))
		}
	}

	if c.FrontendOrigin == "" {
		c.FrontendOrigin = defaultFrontendOrigin
	} else if origin, err := originOf(c.FrontendOrigin); err != nil {
		errs = append(errs, fmt.Errorf("%s must be an http(s) URL like https://app.example.com", envFrontendURL))
	} else {
		c.FrontendOrigin = origin
	}

	if len(errs) > 0 {
		return config{}, errors.Join(errs...)
	}
	return c, nil
}

// jwksDocument accepts COGNITO_JWKS as the seed had it, a JSON array of
// JWKs (it used jwks[0] and jwks[1]), or as a JWKS document {"keys": […]},
// and returns the document.
func jwksDocument(s string) ([]byte, error) {
	var probe json.RawMessage
	if err := json.Unmarshal([]byte(s), &probe); err != nil {
		return nil, errors.New("not valid JSON")
	}
	if strings.HasPrefix(s, "[") {
		return []byte(`{"keys":` + s + `}`), nil
	}
	if strings.HasPrefix(s, "{") {
		return []byte(s), nil
	}
	return nil, errors.New("want a JWKS document or an array of JWKs")
}

// originOf reduces a URL to its origin, scheme://host[:port], the form
// browsers send in the Origin header.
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("not an http(s) URL")
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host), nil
}
