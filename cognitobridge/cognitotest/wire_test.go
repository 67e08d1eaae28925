package cognitotest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// post sends a raw API request and returns the status, the error type
// header and the decoded body.
func post(t *testing.T, s *cognitotest.Server, method, target, contentType, body string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+"/", strings.NewReader(body))
	require.NoError(t, err)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "application/x-amz-json-1.1", resp.Header.Get("Content-Type"))
	assert.NotEmpty(t, resp.Header.Get("X-Amzn-Requestid"))
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), "body %q", raw)
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), out
}

func TestWire(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	createUser(t, s, alice, nil)
	const json11 = "application/x-amz-json-1.1"
	op := func(name string) string { return "AWSCognitoIdentityProviderService." + name }
	getUser := func(username string) string {
		b, _ := json.Marshal(map[string]string{"UserPoolId": s.UserPoolID(), "Username": username})
		return string(b)
	}

	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		wantStatus  int
		wantType    string
		wantMessage string
	}{
		{name: "success", target: op("AdminGetUser"), body: getUser(alice), wantStatus: 200},
		{name: "application/json is accepted", target: op("AdminGetUser"), contentType: "application/json", body: getUser(alice), wantStatus: 200},
		{name: "client error", target: op("AdminGetUser"), body: getUser("nobody"), wantStatus: 400, wantType: "UserNotFoundException", wantMessage: "User does not exist."},
		{name: "unknown operation", target: op("AdminFlyToTheMoon"), body: "{}", wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "no target", body: "{}", wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "another service", target: "DynamoDB_20120810.GetItem", body: "{}", wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "GET", method: http.MethodGet, target: op("AdminGetUser"), wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "other content type", target: op("AdminGetUser"), contentType: "text/plain", body: getUser(alice), wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "malformed JSON", target: op("AdminGetUser"), body: `{"UserPoolId":`, wantStatus: 400, wantType: "SerializationException"},
		{name: "not an object", target: op("AdminGetUser"), body: `[1,2]`, wantStatus: 400, wantType: "SerializationException"},
		{name: "wrong member type", target: op("AdminGetUser"), body: `{"UserPoolId":1,"Username":"x"}`, wantStatus: 400, wantType: "SerializationException"},
		{name: "wrong map type", target: op("InitiateAuth"), body: `{"ClientId":"x","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":1}}`, wantStatus: 400, wantType: "SerializationException"},
		{name: "trailing data", target: op("AdminGetUser"), body: getUser(alice) + "{}", wantStatus: 400, wantType: "SerializationException"},
		{name: "empty body", target: op("AdminGetUser"), body: "", wantStatus: 400, wantType: "InvalidParameterException", wantMessage: "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"},
		{name: "missing username", target: op("AdminGetUser"), body: `{"UserPoolId":"` + s.UserPoolID() + `"}`, wantStatus: 400, wantType: "InvalidParameterException", wantMessage: "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null"},
		{name: "unknown members are ignored", target: op("AdminGetUser"), body: `{"UserPoolId":"` + s.UserPoolID() + `","Username":"` + alice + `","Shiny":{"new":[1]}}`, wantStatus: 200},
		{name: "missing access token", target: op("GetUser"), body: `{}`, wantStatus: 400, wantType: "InvalidParameterException"},
		{name: "missing client", target: op("InitiateAuth"), body: `{"AuthFlow":"USER_PASSWORD_AUTH"}`, wantStatus: 400, wantType: "InvalidParameterException"},
		{name: "missing auth flow", target: op("InitiateAuth"), body: `{"ClientId":"` + s.ClientID() + `"}`, wantStatus: 400, wantType: "InvalidParameterException"},
		{name: "missing challenge name", target: op("RespondToAuthChallenge"), body: `{"ClientId":"` + s.ClientID() + `"}`, wantStatus: 400, wantType: "InvalidParameterException"},
		{name: "missing session", target: op("RespondToAuthChallenge"), body: `{"ClientId":"` + s.ClientID() + `","ChallengeName":"CUSTOM_CHALLENGE","ChallengeResponses":{"USERNAME":"a","ANSWER":"b"}}`, wantStatus: 400, wantType: "InvalidParameterException", wantMessage: "Missing required parameter Session"},
		{name: "body too large", target: op("AdminGetUser"), body: `{"Username":"` + strings.Repeat("x", 1<<20) + `"}`, wantStatus: 400, wantType: "SerializationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			contentType := tt.contentType
			if contentType == "" {
				contentType = json11
			}
			status, errType, body := post(t, s, method, tt.target, contentType, tt.body)
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.wantType, errType)
			if tt.wantType != "" {
				assert.Equal(t, tt.wantType, body["__type"])
			}
			if tt.wantMessage != "" {
				assert.Equal(t, tt.wantMessage, body["message"])
			}
		})
	}
}

func TestWireResponseShape(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	createUser(t, s, alice, nil)
	body, _ := json.Marshal(map[string]any{
		"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": s.ClientID(),
		"AuthParameters": map[string]string{"USERNAME": alice, "PASSWORD": goodPassword},
	})
	status, _, out := post(t, s, http.MethodPost, "AWSCognitoIdentityProviderService.InitiateAuth", "application/x-amz-json-1.1", string(body))
	require.Equal(t, 200, status)
	res := out["AuthenticationResult"].(map[string]any)
	assert.ElementsMatch(t, []string{"AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType"}, keys(res))
	assert.Equal(t, 3600.0, res["ExpiresIn"])
	assert.Equal(t, map[string]any{}, out["ChallengeParameters"])

	body, _ = json.Marshal(map[string]string{"UserPoolId": s.UserPoolID(), "Username": alice})
	_, _, out = post(t, s, http.MethodPost, "AWSCognitoIdentityProviderService.AdminGetUser", "", string(body))
	assert.ElementsMatch(t, []string{"Enabled", "UserAttributes", "UserCreateDate", "UserLastModifiedDate", "UserStatus", "Username"}, keys(out))
	assert.IsType(t, 0.0, out["UserCreateDate"], "timestamps are epoch seconds")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestServeHTTPDirectly(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	// ServeHTTP can be mounted elsewhere; an unknown path is a plain 404.
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nothing", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.NotContains(t, rec.Body.String(), "__type")
}
