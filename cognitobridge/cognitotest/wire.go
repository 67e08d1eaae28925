package cognitotest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// The AWS JSON 1.1 protocol: every operation is a POST to "/" naming the
// operation in X-Amz-Target; request and response bodies are JSON objects
// whose member names are the SDK's (UserPoolId, AuthParameters …).
const (
	targetPrefix   = "AWSCognitoIdentityProviderService."
	contentType    = "application/x-amz-json-1.1"
	maxRequestBody = 1 << 20 // Cognito requests are small; 1 MiB is generous
)

// decodeBody decodes one JSON object into v. Member types are checked
// (a number where a string belongs is a SerializationException, as in
// Cognito), trailing data is refused, and an empty body counts as {}.
// Unknown members are ignored so that newer SDKs, which may send members
// this emulator does not know, keep working.
func decodeBody(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return serialization("Unexpected value type for member " + typeErr.Field)
		}
		return serialization("Malformed JSON request body")
	}
	if _, err := dec.Token(); err != io.EOF {
		return serialization("Malformed JSON request body")
	}
	return nil
}

// writeJSON writes a successful response.
func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Every response type here is plain data; failing to marshal one
		// is a bug in this package, reported the way Cognito reports its own.
		writeError(w, internalError())
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// writeError writes e the way Cognito does, so that the SDK's deserializer
// returns the matching typed error.
func writeError(w http.ResponseWriter, e *apiError) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message,omitempty"`
	}{e.code, e.message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// epochSeconds is a timestamp the way AWS JSON sends one: seconds since the
// epoch as a JSON number, with millisecond precision.
type epochSeconds time.Time

func (t epochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return json.Marshal(float64(ms) / 1000)
}

// attributeType is types.AttributeType on the wire. Value is optional in
// requests (AdminUpdateUserAttributes may send a name alone).
type attributeType struct {
	Name  *string `json:"Name"`
	Value *string `json:"Value,omitempty"`
}

// Requests. Each holds the members this emulator reads; the SDK's other
// members (AnalyticsMetadata, ContextData …) are accepted and ignored.

type adminUserInput struct {
	UserPoolID *string `json:"UserPoolId"`
	Username   *string `json:"Username"`
}

type adminCreateUserInput struct {
	UserPoolID         *string           `json:"UserPoolId"`
	Username           *string           `json:"Username"`
	UserAttributes     []attributeType   `json:"UserAttributes"`
	TemporaryPassword  *string           `json:"TemporaryPassword"`
	MessageAction      *string           `json:"MessageAction"`
	ForceAliasCreation bool              `json:"ForceAliasCreation"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
}

type adminSetUserPasswordInput struct {
	UserPoolID *string `json:"UserPoolId"`
	Username   *string `json:"Username"`
	Password   *string `json:"Password"`
	Permanent  bool    `json:"Permanent"`
}

type adminUpdateUserAttributesInput struct {
	UserPoolID     *string           `json:"UserPoolId"`
	Username       *string           `json:"Username"`
	UserAttributes []attributeType   `json:"UserAttributes"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type updateUserAttributesInput struct {
	AccessToken    *string           `json:"AccessToken"`
	UserAttributes []attributeType   `json:"UserAttributes"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type accessTokenInput struct {
	AccessToken *string `json:"AccessToken"`
}

type initiateAuthInput struct {
	UserPoolID     *string           `json:"UserPoolId"` // AdminInitiateAuth only
	ClientID       *string           `json:"ClientId"`
	AuthFlow       *string           `json:"AuthFlow"`
	AuthParameters map[string]string `json:"AuthParameters"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type respondInput struct {
	UserPoolID         *string           `json:"UserPoolId"` // AdminRespondToAuthChallenge only
	ClientID           *string           `json:"ClientId"`
	ChallengeName      *string           `json:"ChallengeName"`
	ChallengeResponses map[string]string `json:"ChallengeResponses"`
	Session            *string           `json:"Session"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
}

// Responses, with the SDK's member names.

type attributeOut struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type userTypeOut struct {
	Attributes           []attributeOut `json:"Attributes"`
	Enabled              bool           `json:"Enabled"`
	UserCreateDate       epochSeconds   `json:"UserCreateDate"`
	UserLastModifiedDate epochSeconds   `json:"UserLastModifiedDate"`
	UserStatus           string         `json:"UserStatus"`
	Username             string         `json:"Username"`
}

type adminGetUserOutput struct {
	Enabled              bool           `json:"Enabled"`
	UserAttributes       []attributeOut `json:"UserAttributes"`
	UserCreateDate       epochSeconds   `json:"UserCreateDate"`
	UserLastModifiedDate epochSeconds   `json:"UserLastModifiedDate"`
	UserStatus           string         `json:"UserStatus"`
	Username             string         `json:"Username"`
}

type adminCreateUserOutput struct {
	User userTypeOut `json:"User"`
}

type getUserOutput struct {
	UserAttributes []attributeOut `json:"UserAttributes"`
	Username       string         `json:"Username"`
}

type empty struct{}

type authenticationResult struct {
	AccessToken  string `json:"AccessToken"`
	ExpiresIn    int32  `json:"ExpiresIn"`
	IDToken      string `json:"IdToken"`
	RefreshToken string `json:"RefreshToken,omitempty"`
	TokenType    string `json:"TokenType"`
}

// authOutput is the output of all four auth operations: either tokens, or
// the next challenge with its public parameters and a fresh session.
type authOutput struct {
	AuthenticationResult *authenticationResult `json:"AuthenticationResult,omitempty"`
	ChallengeName        string                `json:"ChallengeName,omitempty"`
	ChallengeParameters  map[string]string     `json:"ChallengeParameters"`
	Session              string                `json:"Session,omitempty"`
}

// value returns *p, or "" for nil.
func value(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// quoted renders a request value inside a validation message the way AWS
// does ('value'), or null.
func quoted(p *string) string {
	if p == nil {
		return "null"
	}
	v := *p
	if len(v) > 64 {
		v = v[:64] + "…"
	}
	return "'" + strings.ToValidUTF8(v, "\uFFFD") + "'"
}
