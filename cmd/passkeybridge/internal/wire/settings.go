package wire

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// DefaultAttribute is the custom attribute the library marks its users
// with (cognitobridge.DefaultProviderAttribute without "custom:").
const DefaultAttribute = "createdByCorbado"

// RequiredFlows are the auth flows the library's app client needs:
// CUSTOM_AUTH for passkey sign-ins, USER_PASSWORD_AUTH for users who still
// have a password, REFRESH_TOKEN_AUTH for Store.Refresh.
var RequiredFlows = []types.ExplicitAuthFlowsType{
	types.ExplicitAuthFlowsTypeAllowCustomAuth,
	types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
	types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
}

// effectiveFlows returns the ALLOW_* flows a client with these
// ExplicitAuthFlows permits. AWS's API reference: without a value, a
// client supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH and
// ALLOW_CUSTOM_AUTH; and ALLOW_* values must not be mixed with the legacy
// ones, so a client still on those is moved to their ALLOW_* names (with
// the refresh, custom and SRP flows the legacy clients always had, SRP
// unless CUSTOM_AUTH_FLOW_ONLY).
func effectiveFlows(flows []types.ExplicitAuthFlowsType) []types.ExplicitAuthFlowsType {
	if len(flows) == 0 {
		return []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowCustomAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		}
	}
	var out []types.ExplicitAuthFlowsType
	add := func(f types.ExplicitAuthFlowsType) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	legacy, customOnly := false, false
	for _, f := range flows {
		switch f {
		case types.ExplicitAuthFlowsTypeAdminNoSrpAuth:
			legacy = true
			add(types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth)
		case types.ExplicitAuthFlowsTypeUserPasswordAuth:
			legacy = true
			add(types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)
		case types.ExplicitAuthFlowsTypeCustomAuthFlowOnly:
			legacy, customOnly = true, true
		default:
			add(f)
		}
	}
	if legacy {
		if !customOnly {
			add(types.ExplicitAuthFlowsTypeAllowUserSrpAuth)
		}
		add(types.ExplicitAuthFlowsTypeAllowCustomAuth)
		add(types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth)
	}
	return out
}

// missingFlows returns the required flows the client does not permit.
func missingFlows(flows []types.ExplicitAuthFlowsType) []types.ExplicitAuthFlowsType {
	have := effectiveFlows(flows)
	var missing []types.ExplicitAuthFlowsType
	for _, f := range RequiredFlows {
		if !slices.Contains(have, f) {
			missing = append(missing, f)
		}
	}
	return missing
}

// withRequiredFlows returns the explicit flow list that permits what the
// client permits now plus the required flows.
func withRequiredFlows(flows []types.ExplicitAuthFlowsType) []types.ExplicitAuthFlowsType {
	if len(missingFlows(flows)) == 0 && !isLegacy(flows) {
		return flows
	}
	out := effectiveFlows(flows)
	for _, f := range RequiredFlows {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func isLegacy(flows []types.ExplicitAuthFlowsType) bool {
	for _, f := range flows {
		if !strings.HasPrefix(string(f), "ALLOW_") {
			return true
		}
	}
	return false
}

// standardAttributes are Cognito's standard attributes an app client may be
// allowed to write. sub is never writable; email_verified and
// phone_number_verified are left out because Cognito sets them itself when
// a user proves the address or number.
var standardAttributes = []string{
	"address", "birthdate", "email", "family_name", "gender", "given_name",
	"locale", "middle_name", "name", "nickname", "phone_number", "picture",
	"preferred_username", "profile", "updated_at", "website", "zoneinfo",
}

// writableStandard returns the standard attributes of the pool's schema
// that are mutable: the explicit list that replaces an empty
// WriteAttributes.
func writableStandard(schema []types.SchemaAttributeType) []string {
	immutable := map[string]bool{}
	for _, a := range schema {
		if a.Mutable != nil && !*a.Mutable {
			immutable[aws.ToString(a.Name)] = true
		}
	}
	var out []string
	for _, name := range standardAttributes {
		if !immutable[name] {
			out = append(out, name)
		}
	}
	return out
}

// canWrite reports whether a client with these WriteAttributes may write
// attr. An empty list counts as yes: AWS's API reference says it lets the
// client write the standard attributes, but the console and older pools
// have treated it as "every attribute", and only an explicit list settles
// it.
func canWrite(writeAttributes []string, attr string) bool {
	return len(writeAttributes) == 0 || slices.Contains(writeAttributes, attr)
}

// schemaAttribute returns the pool's schema entry named name, or nil.
func schemaAttribute(schema []types.SchemaAttributeType, name string) *types.SchemaAttributeType {
	for i := range schema {
		if aws.ToString(schema[i].Name) == name {
			return &schema[i]
		}
	}
	return nil
}

// The three trigger slots of CUSTOM_AUTH, which the one Lambda of
// examples/lambda serves.
const (
	slotDefine = "DefineAuthChallenge"
	slotCreate = "CreateAuthChallenge"
	slotVerify = "VerifyAuthChallengeResponse"
)

var triggerSlots = []string{slotDefine, slotCreate, slotVerify}

// trigger returns the ARN in one of the three custom-auth slots.
func trigger(lc *types.LambdaConfigType, slot string) string {
	if lc == nil {
		return ""
	}
	switch slot {
	case slotDefine:
		return aws.ToString(lc.DefineAuthChallenge)
	case slotCreate:
		return aws.ToString(lc.CreateAuthChallenge)
	case slotVerify:
		return aws.ToString(lc.VerifyAuthChallengeResponse)
	}
	panic("wire: unknown trigger slot " + slot)
}

// withTriggers returns a copy of lc with the three custom-auth slots set
// to arn and every other entry kept.
func withTriggers(lc *types.LambdaConfigType, arn string) *types.LambdaConfigType {
	var out types.LambdaConfigType
	if lc != nil {
		out = *lc
	}
	out.DefineAuthChallenge = aws.String(arn)
	out.CreateAuthChallenge = aws.String(arn)
	out.VerifyAuthChallengeResponse = aws.String(arn)
	return &out
}

var (
	functionARNPattern = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):function:[a-zA-Z0-9_-]{1,64}(?::(?:\$LATEST|[a-zA-Z0-9_-]+))?$`)
	poolIDPattern      = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9a-zA-Z]+$`)
)

// FunctionRegion returns the region of a Lambda function ARN, or an error
// saying what a function ARN looks like.
func FunctionRegion(arn string) (string, error) {
	m := functionARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return "", fmt.Errorf("wire: %q is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)", arn)
	}
	return m[1], nil
}

// PoolRegion returns the region a user pool ID names ("eu-west-1_AbC123"
// is in eu-west-1), or an error saying what a pool ID looks like.
func PoolRegion(poolID string) (string, error) {
	m := poolIDPattern.FindStringSubmatch(poolID)
	if m == nil {
		return "", fmt.Errorf("wire: %q is not a user pool ID (<region>_<id>, such as eu-west-1_AbC123)", poolID)
	}
	return m[1], nil
}

// customName returns the schema name of the attribute option: with the
// "custom:" prefix, which the option may or may not carry.
func customName(attr string) string {
	if attr == "" {
		attr = DefaultAttribute
	}
	return "custom:" + strings.TrimPrefix(attr, "custom:")
}
