package cognitotest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// FuzzServeHTTP feeds raw bodies to the operations that parse the most
// outside input. Whatever the body, the server answers 200 or 400 and does
// not panic: with no fault injected, a 500 can only be a recovered panic.
func FuzzServeHTTP(f *testing.F) {
	h, _ := newHandler(f, nil, 3)
	s := newServer(f, cognitotest.Config{Triggers: h, PreventUserExistenceErrors: true})
	createUser(f, s, alice, nil)
	ops := []string{
		"AdminInitiateAuth", "InitiateAuth", "AdminRespondToAuthChallenge", "RespondToAuthChallenge",
		"AdminCreateUser", "AdminUpdateUserAttributes", "AdminSetUserPassword", "GetUser",
		"UpdateUserPool", "UpdateUserPoolClient", "AddCustomAttributes", "GetTokensFromRefreshToken",
		"UpdateUserAttributes", "DescribeUserPool",
	}
	seeds := []string{
		``, `{}`, `null`, `[]`, `{"UserPoolId":1}`, `{"AuthParameters":{"USERNAME":null}}`,
		`{"UserPoolId":"` + s.UserPoolID() + `","ClientId":"` + s.ClientID() + `","AuthFlow":"CUSTOM_AUTH","AuthParameters":{"USERNAME":"` + alice + `"}}`,
		`{"ClientId":"` + s.ClientID() + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"` + alice + `","PASSWORD":"x"}}`,
		`{"ClientId":"` + s.ClientID() + `","ChallengeName":"CUSTOM_CHALLENGE","Session":"abc","ChallengeResponses":{"USERNAME":"a","ANSWER":"b"}}`,
		`{"UserPoolId":"` + s.UserPoolID() + `","Username":"x","UserAttributes":[{"Name":null},{"Name":"email","Value":"\u0000"}]}`,
		`{"AccessToken":"a.b.c"}`, `{"UserPoolId":"` + s.UserPoolID() + `","Username":"` + alice + `","Password":" x "}`,
		`{"UserPoolId":"` + s.UserPoolID() + `","Policies":{"PasswordPolicy":null,"SignInPolicy":{}},"LambdaConfig":{"PreSignUp":"arn:aws:lambda:x:1:function:f","CustomSMSSender":{}},"MfaConfiguration":"ON"}`,
		`{"UserPoolId":"` + s.UserPoolID() + `","ClientId":"` + s.ClientID() + `","TokenValidityUnits":{"IdToken":"weeks"},"RefreshTokenRotation":{},"ReadAttributes":["sub"]}`,
		`{"UserPoolId":"` + s.UserPoolID() + `","CustomAttributes":[{"Name":"custom:","AttributeDataType":"Number"},{}]}`,
		`{"ClientId":"` + s.ClientID() + `","RefreshToken":"","ClientSecret":null}`,
		`{"AccessToken":"a.b.c","UserAttributes":[{"Name":"name","Value":"x"}]}`,
	}
	for i, seed := range seeds {
		f.Add(uint8(i), seed)
	}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+ops[int(op)%len(ops)])
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Code != http.StatusOK && rec.Header().Get("X-Amzn-ErrorType") == "" {
			t.Fatal("an error without X-Amzn-ErrorType")
		}
	})
}
