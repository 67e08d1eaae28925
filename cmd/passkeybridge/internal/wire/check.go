package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The codes of Finding, stable across releases: scripts may match on them.
const (
	CodeMissingAttribute    = "missing-attribute"     // the provider attribute is not in the schema
	CodeAttributeType       = "attribute-type"        // the provider attribute is not a String
	CodeMissingTrigger      = "missing-trigger"       // a custom-auth trigger slot is empty
	CodeOtherTrigger        = "other-trigger"         // a custom-auth trigger points at another function than --lambda-arn
	CodeMixedTriggers       = "mixed-triggers"        // warning: the three slots name different functions
	CodeMissingPermission   = "missing-permission"    // the function does not let this pool invoke it
	CodeUnscopedPermission  = "unscoped-permission"   // warning: any pool may invoke the function
	CodeMissingFlow         = "missing-flow"          // the app client lacks a required auth flow
	CodeWritableAttribute   = "writable-attribute"    // an app client may write the provider attribute
	CodeCaseSensitive       = "case-sensitive"        // usernames are case-sensitive
	CodeNoClientSecret      = "no-client-secret"      // the app client has no secret
	CodeUserExistenceErrors = "user-existence-errors" // warning: PreventUserExistenceErrors is LEGACY
	CodeUnknownClient       = "unknown-client"        // the pool has no such app client
)

// Finding is one problem or warning Check reports.
type Finding struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Report is what Check found. Its JSON form is the output of
// `passkeybridge check --json`:
//
//	{"ok": false, "userPoolId": "…", "clientId": "…",
//	 "problems": [{"code": "missing-flow", "message": "…"}],
//	 "warnings": [{"code": "user-existence-errors", "message": "…"}]}
//
// problems and warnings are lists, empty rather than null.
type Report struct {
	OK         bool      `json:"ok"`
	UserPoolID string    `json:"userPoolId"`
	ClientID   string    `json:"clientId"`
	LambdaARN  string    `json:"lambdaArn,omitempty"`
	Problems   []Finding `json:"problems"`
	Warnings   []Finding `json:"warnings"`
}

// CheckOptions says what Check looks at.
type CheckOptions struct {
	UserPoolID, ClientID string
	// LambdaARN, when set, is the function the triggers must point at and
	// whose resource policy must let the pool invoke it.
	LambdaARN string
	// Attribute is the provider attribute; empty means DefaultAttribute.
	Attribute string
}

// Check reads the pool, its app clients and (with a LambdaARN) the
// function's resource policy, and reports every way they differ from what
// the library needs. It changes nothing. An error means it could not read
// them; a pool that is not wired is a Report with problems.
func Check(ctx context.Context, cog CognitoAPI, lam LambdaAPI, opts CheckOptions) (*Report, error) {
	if opts.UserPoolID == "" || opts.ClientID == "" {
		return nil, errors.New("wire: the user pool ID and the client ID are required")
	}
	if _, err := PoolRegion(opts.UserPoolID); err != nil {
		return nil, err
	}
	if opts.LambdaARN != "" {
		if _, err := FunctionRegion(opts.LambdaARN); err != nil {
			return nil, err
		}
	}
	attr := customName(opts.Attribute)
	r := &Report{UserPoolID: opts.UserPoolID, ClientID: opts.ClientID, LambdaARN: opts.LambdaARN,
		Problems: []Finding{}, Warnings: []Finding{}}
	problem := func(code, format string, args ...any) {
		r.Problems = append(r.Problems, Finding{code, fmt.Sprintf(format, args...)})
	}
	warn := func(code, format string, args ...any) {
		r.Warnings = append(r.Warnings, Finding{code, fmt.Sprintf(format, args...)})
	}

	pool, err := describePool(ctx, cog, opts.UserPoolID)
	if err != nil {
		return nil, err
	}
	switch a := schemaAttribute(pool.SchemaAttributes, attr); {
	case a == nil:
		problem(CodeMissingAttribute, "the pool has no custom attribute %s (setup adds it)", attr)
	case a.AttributeDataType != types.AttributeDataTypeString:
		problem(CodeAttributeType, "%s is a %s attribute; the library needs a String (attributes cannot be changed: use another one)", attr, a.AttributeDataType)
	}
	if pool.UsernameConfiguration == nil || aws.ToBool(pool.UsernameConfiguration.CaseSensitive) {
		problem(CodeCaseSensitive, "usernames are case-sensitive: Alice@example.com and alice@example.com can be two users; a pool's case sensitivity cannot be changed after creation, so this needs a new pool (UsernameConfiguration CaseSensitive=false)")
	}

	functions := map[string]bool{}
	for _, slot := range triggerSlots {
		cur := trigger(pool.LambdaConfig, slot)
		switch {
		case cur == "":
			problem(CodeMissingTrigger, "the %s trigger is not set (setup sets it)", slot)
		case opts.LambdaARN != "" && cur != opts.LambdaARN:
			problem(CodeOtherTrigger, "the %s trigger is %s, not %s", slot, cur, opts.LambdaARN)
		}
		if cur != "" {
			functions[cur] = true
		}
	}
	if len(functions) > 1 && opts.LambdaARN == "" {
		warn(CodeMixedTriggers, "the three custom-auth triggers name %d different functions; each must hold the same proof key", len(functions))
	}

	// The function's resource policy: the one given, else each one the
	// slots name.
	checked := map[string]bool{}
	if opts.LambdaARN != "" {
		checked[opts.LambdaARN] = true
	} else {
		for fn := range functions {
			if _, err := FunctionRegion(fn); err == nil {
				checked[fn] = true
			}
		}
	}
	for _, fn := range slices.Sorted(maps.Keys(checked)) {
		g, err := readGrant(ctx, lam, fn, aws.ToString(pool.Arn))
		if err != nil {
			return nil, err
		}
		if !g.scoped {
			problem(CodeMissingPermission, "%s does not let %s invoke it on behalf of %s (setup adds the permission)", fn, cognitoPrincipal, aws.ToString(pool.Arn))
		}
		if g.unscoped {
			warn(CodeUnscopedPermission, "%s lets %s invoke it without an AWS:SourceArn condition: any user pool, in any account, may call it", fn, cognitoPrincipal)
		}
	}

	clients, err := listClients(ctx, cog, opts.UserPoolID, opts.ClientID)
	if err != nil {
		return nil, err
	}
	found := false
	for _, id := range clients {
		c, err := describeClient(ctx, cog, opts.UserPoolID, id)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("app client %s (%s)", id, aws.ToString(c.ClientName))
		if canWrite(c.WriteAttributes, attr) {
			if len(c.WriteAttributes) == 0 {
				problem(CodeWritableAttribute, "%s has no explicit write attributes, so it may be able to write %s: users could mark themselves as provider-created (setup lists them)", name, attr)
			} else {
				problem(CodeWritableAttribute, "%s may write %s: users could mark themselves as provider-created (setup removes it)", name, attr)
			}
		}
		if id != opts.ClientID {
			continue
		}
		found = true
		for _, f := range missingFlows(c.ExplicitAuthFlows) {
			problem(CodeMissingFlow, "%s does not allow %s (setup adds it)", name, f)
		}
		if aws.ToString(c.ClientSecret) == "" {
			problem(CodeNoClientSecret, "%s has no client secret: anyone who knows its ID can start sign-ins; a secret cannot be added to a client, so create a new one with a secret", name)
		}
		if c.PreventUserExistenceErrors != types.PreventUserExistenceErrorTypesEnabled {
			warn(CodeUserExistenceErrors, "%s has PreventUserExistenceErrors LEGACY: its errors tell whether a user exists (set ENABLED with aws cognito-idp update-user-pool-client, carrying every other setting)", name)
		}
	}
	if !found {
		problem(CodeUnknownClient, "the pool has no app client %s", opts.ClientID)
	}
	r.OK = len(r.Problems) == 0
	return r, nil
}

// WriteText prints the report for a person: each problem and warning on
// its own line, then the verdict.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Problems {
		fmt.Fprintf(&b, "problem: %s [%s]\n", f.Message, f.Code)
	}
	for _, f := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s [%s]\n", f.Message, f.Code)
	}
	if r.OK {
		fmt.Fprintf(&b, "ok: pool %s and app client %s are wired for passkeybridge\n", r.UserPoolID, r.ClientID)
	} else {
		fmt.Fprintf(&b, "not wired: %d problem(s)\n", len(r.Problems))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
