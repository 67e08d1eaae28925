package wire

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type flows = []types.ExplicitAuthFlowsType

func TestFlows(t *testing.T) {
	tests := []struct {
		name        string
		have        flows
		wantMissing flows
		wantAfter   flows
	}{
		{"AWS's default when unset: SRP, custom, refresh", nil,
			flows{"ALLOW_USER_PASSWORD_AUTH"},
			flows{"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"}},
		{"SRP and refresh", flows{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
			flows{"ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH"},
			flows{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH"}},
		{"already there, kept as it is", flows{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH"},
			nil,
			flows{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH"}},
		{"legacy names move to ALLOW_ ones (they must not mix)", flows{"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"},
			nil,
			flows{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}},
		{"legacy custom only: no SRP", flows{"CUSTOM_AUTH_FLOW_ONLY"},
			flows{"ALLOW_USER_PASSWORD_AUTH"},
			flows{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantMissing, missingFlows(tt.have))
			after := withRequiredFlows(tt.have)
			assert.Equal(t, tt.wantAfter, after)
			assert.Empty(t, missingFlows(after))
			assert.False(t, isLegacy(after))
			assert.Equal(t, after, withRequiredFlows(after), "a second run changes the flows again")
		})
	}
}

func TestWriteAttributes(t *testing.T) {
	schema := []types.SchemaAttributeType{
		{Name: aws.String("sub"), Mutable: aws.Bool(false)},
		{Name: aws.String("email"), Mutable: aws.Bool(true)},
		{Name: aws.String("birthdate"), Mutable: aws.Bool(false)},
		{Name: aws.String("custom:createdByCorbado"), Mutable: aws.Bool(true)},
	}
	attr := "custom:createdByCorbado"
	tests := []struct {
		name    string
		write   []string
		want    []string
		wantErr string
	}{
		{"unset becomes the writable standard attributes", nil,
			[]string{"address", "email", "family_name", "gender", "given_name", "locale", "middle_name", "name", "nickname",
				"phone_number", "picture", "preferred_username", "profile", "updated_at", "website", "zoneinfo"}, ""},
		{"the attribute is taken out", []string{"email", attr, "custom:tier"}, []string{"email", "custom:tier"}, ""},
		{"only the attribute: refused", []string{attr}, nil, "may write only custom:createdByCorbado"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &types.UserPoolClientType{ClientId: aws.String("c1"), WriteAttributes: tt.write}
			require.True(t, canWrite(c.WriteAttributes, attr))
			got, err := withoutAttribute(c, attr, schema)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.False(t, canWrite(got, attr))
			assert.NotContains(t, got, "sub")
			assert.NotContains(t, got, "email_verified")
		})
	}
	assert.False(t, canWrite([]string{"email"}, attr))
}

func TestParseGrant(t *testing.T) {
	pool := "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC"
	stmt := func(principal, action, cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"s","Effect":"Allow","Principal":` + principal +
			`,"Action":` + action + `,"Resource":"arn:aws:lambda:eu-west-1:123456789012:function:f"` + cond + `}]}`
	}
	scopedCond := `,"Condition":{"ArnLike":{"AWS:SourceArn":"` + pool + `"}}`
	tests := []struct {
		name   string
		policy string
		want   grant
	}{
		{"scoped to the pool, as AddPermission writes it", stmt(`{"Service":"cognito-idp.amazonaws.com"}`, `"lambda:InvokeFunction"`, scopedCond), grant{scoped: true}},
		{"lists as values", stmt(`{"Service":["cognito-idp.amazonaws.com"]}`, `["lambda:InvokeFunction"]`, `,"Condition":{"ArnEquals":{"AWS:SourceArn":["`+pool+`"]}}`), grant{scoped: true}},
		{"another pool", stmt(`{"Service":"cognito-idp.amazonaws.com"}`, `"lambda:InvokeFunction"`, `,"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Other"}}`), grant{}},
		{"no condition: any pool", stmt(`{"Service":"cognito-idp.amazonaws.com"}`, `"lambda:InvokeFunction"`, ``), grant{unscoped: true}},
		{"another service", stmt(`{"Service":"s3.amazonaws.com"}`, `"lambda:InvokeFunction"`, scopedCond), grant{}},
		{"another action", stmt(`{"Service":"cognito-idp.amazonaws.com"}`, `"lambda:GetFunction"`, scopedCond), grant{}},
		{"a deny", `{"Statement":[{"Effect":"Deny","Principal":{"Service":"cognito-idp.amazonaws.com"},"Action":"lambda:InvokeFunction"` + scopedCond + `}]}`, grant{}},
		{"everyone is not Cognito", stmt(`"*"`, `"lambda:InvokeFunction"`, scopedCond), grant{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := parseGrant(tt.policy, pool)
			require.NoError(t, err)
			assert.Equal(t, tt.want, g)
		})
	}
	_, err := parseGrant("{", pool)
	assert.Error(t, err)
}

func TestRegions(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:lambda:eu-west-1:123456789012:function:passkeybridge":         "eu-west-1",
		"arn:aws:lambda:us-gov-west-1:123456789012:function:f:live":            "us-gov-west-1",
		"arn:aws-cn:lambda:cn-north-1:123456789012:function:f:$LATEST":         "cn-north-1",
		"arn:aws:lambda:ap-southeast-2:123456789012:function:my_function-2:12": "ap-southeast-2",
	} {
		got, err := FunctionRegion(arn)
		require.NoError(t, err, arn)
		assert.Equal(t, want, got, arn)
	}
	for _, bad := range []string{"", "passkeybridge", "arn:aws:lambda:eu-west-1:123:function:f", "arn:aws:s3:::bucket", "arn:aws:lambda:eu-west-1:123456789012:layer:f"} {
		_, err := FunctionRegion(bad)
		assert.Error(t, err, bad)
	}
	got, err := PoolRegion("eu-central-1_AbC123xyz")
	require.NoError(t, err)
	assert.Equal(t, "eu-central-1", got)
	for _, bad := range []string{"", "AbC123", "eu-central-1", "eu-central-1_", "local_abc", "eu-central-1_Ab/C"} {
		_, err := PoolRegion(bad)
		assert.Error(t, err, bad)
	}
}

func TestNewKey(t *testing.T) {
	a, err := NewKey()
	require.NoError(t, err)
	b, err := NewKey()
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(a)
	require.NoError(t, err)
	assert.Len(t, raw, KeySize)
	assert.NotEqual(t, a, b)
}

func TestDiffInputs(t *testing.T) {
	before := &types.LambdaConfigType{PreSignUp: aws.String("p"), DefineAuthChallenge: aws.String("old")}
	after := withTriggers(before, "new")
	assert.Equal(t, "old", aws.ToString(before.DefineAuthChallenge), "withTriggers changed its input")
	assert.Equal(t, []Change{
		{Target: "pool", Setting: "CreateAuthChallenge", After: "new"},
		{Target: "pool", Setting: "DefineAuthChallenge", Before: "old", After: "new"},
		{Target: "pool", Setting: "VerifyAuthChallengeResponse", After: "new"},
	}, diffInputs("pool", before, after))
	assert.Empty(t, diffInputs("pool", after, withTriggers(after, "new")))
}

func TestDiffSeesPointerZeroes(t *testing.T) {
	// &false and &0 are settings the SDK sends; dropping one is a change.
	before := &types.UserPoolClientType{EnableTokenRevocation: aws.Bool(false), AuthSessionValidity: aws.Int32(0)}
	after := &types.UserPoolClientType{}
	assert.Equal(t, []Change{
		{Target: "c", Setting: "AuthSessionValidity", Before: "0"},
		{Target: "c", Setting: "EnableTokenRevocation", Before: "false"},
	}, diffInputs("c", before, after))
	// Plain zero values are not sent, so they are not settings.
	assert.Empty(t, diffInputs("c", &types.UserPoolClientType{RefreshTokenValidity: 0}, after))
}

// The --json shape is documented in the README; scripts depend on it.
func TestReportJSONShape(t *testing.T) {
	b, err := json.Marshal(&Report{UserPoolID: "eu-west-1_A", ClientID: "c", Problems: []Finding{{CodeMissingFlow, "m"}}, Warnings: []Finding{}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"ok":false,"userPoolId":"eu-west-1_A","clientId":"c","problems":[{"code":"missing-flow","message":"m"}],"warnings":[]}`, string(b))
	b, err = json.Marshal(&Report{OK: true, LambdaARN: "arn", Problems: []Finding{}, Warnings: []Finding{}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"ok":true,"userPoolId":"","clientId":"","lambdaArn":"arn","problems":[],"warnings":[]}`, string(b))
}

func TestCustomName(t *testing.T) {
	assert.Equal(t, "custom:createdByCorbado", customName(""))
	assert.Equal(t, "custom:marker", customName("marker"))
	assert.Equal(t, "custom:marker", customName("custom:marker"))
}
