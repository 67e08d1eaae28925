package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// ErrTriggerConflict means a custom-auth trigger of the pool points at a
// function other than the one setup was given; Options.ReplaceTriggers
// replaces it.
var ErrTriggerConflict = errors.New("wire: a custom-auth trigger points at another function")

// Options says what setup wires.
type Options struct {
	// UserPoolID and ClientID name the pool and the app client the
	// library uses. Required.
	UserPoolID, ClientID string
	// LambdaARN is the function serving the three custom-auth triggers
	// (examples/lambda). Required.
	LambdaARN string
	// Attribute is the provider attribute, with or without "custom:";
	// empty means DefaultAttribute.
	Attribute string
	// ReplaceTriggers lets setup replace custom-auth triggers that point at
	// another function. Without it such a pool is refused.
	ReplaceTriggers bool
}

// Plan is what setup would change, computed from the described state
// without changing anything. Apply carries it out.
type Plan struct {
	// Changes lists every setting the plan changes, in the order Apply
	// makes them.
	Changes []Change

	addAttribute  *cip.AddCustomAttributesInput
	clientUpdates []*cip.UpdateUserPoolClientInput
	permission    *lambda.AddPermissionInput
	poolUpdate    *cip.UpdateUserPoolInput
}

// Empty reports whether the plan changes nothing: the pool, its clients
// and the function are wired already.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// NewPlan reads the pool, its app clients and the function's resource
// policy and returns what setup has to change. It makes no call that
// changes anything.
func NewPlan(ctx context.Context, cog CognitoAPI, lam LambdaAPI, opts Options) (*Plan, error) {
	if opts.UserPoolID == "" || opts.ClientID == "" || opts.LambdaARN == "" {
		return nil, errors.New("wire: the user pool ID, the client ID and the Lambda ARN are all required")
	}
	if _, err := PoolRegion(opts.UserPoolID); err != nil {
		return nil, err
	}
	if _, err := FunctionRegion(opts.LambdaARN); err != nil {
		return nil, err
	}
	attr := customName(opts.Attribute)

	pool, err := describePool(ctx, cog, opts.UserPoolID)
	if err != nil {
		return nil, err
	}
	poolTarget := "pool " + opts.UserPoolID
	p := &Plan{}

	// The provider attribute.
	if a := schemaAttribute(pool.SchemaAttributes, attr); a != nil {
		if a.AttributeDataType != types.AttributeDataTypeString {
			return nil, fmt.Errorf("wire: pool %s declares %s as %s; the library needs a String attribute, and a pool's attributes cannot be changed (use another name with --attribute)",
				opts.UserPoolID, attr, a.AttributeDataType)
		}
	} else {
		p.addAttribute = &cip.AddCustomAttributesInput{
			UserPoolId: aws.String(opts.UserPoolID),
			CustomAttributes: []types.SchemaAttributeType{{
				Name:              aws.String(strings.TrimPrefix(attr, "custom:")),
				AttributeDataType: types.AttributeDataTypeString,
				Mutable:           aws.Bool(true),
			}},
		}
		p.Changes = append(p.Changes, Change{Target: poolTarget, Setting: "SchemaAttributes", After: attr + " (String, mutable)"})
	}

	// The app clients: the library's gets the flows it needs, and none
	// may write the provider attribute.
	clients, err := listClients(ctx, cog, opts.UserPoolID, opts.ClientID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(clients, opts.ClientID) {
		return nil, fmt.Errorf("wire: pool %s has no app client %s", opts.UserPoolID, opts.ClientID)
	}
	for _, id := range clients {
		c, err := describeClient(ctx, cog, opts.UserPoolID, id)
		if err != nil {
			return nil, err
		}
		before, after := clientUpdate(c), clientUpdate(c)
		if id == opts.ClientID {
			after.ExplicitAuthFlows = withRequiredFlows(c.ExplicitAuthFlows)
		}
		if canWrite(c.WriteAttributes, attr) {
			w, err := withoutAttribute(c, attr, pool.SchemaAttributes)
			if err != nil {
				return nil, err
			}
			after.WriteAttributes = w
		}
		target := fmt.Sprintf("client %s (%s)", id, aws.ToString(c.ClientName))
		if changes := diffInputs(target, before, after); len(changes) > 0 {
			p.Changes = append(p.Changes, changes...)
			p.clientUpdates = append(p.clientUpdates, after)
		}
	}

	// The function lets this pool, and only it, invoke it; before the
	// triggers point at it, so no sign-in meets a function it may not call.
	poolARN := aws.ToString(pool.Arn)
	if poolARN == "" {
		return nil, fmt.Errorf("wire: DescribeUserPool returned no ARN for pool %s", opts.UserPoolID)
	}
	g, err := readGrant(ctx, lam, opts.LambdaARN, poolARN)
	if err != nil {
		return nil, err
	}
	if !g.scoped {
		p.permission = permissionInput(opts.LambdaARN, opts.UserPoolID, poolARN)
		p.Changes = append(p.Changes, Change{
			Target:  "function " + opts.LambdaARN,
			Setting: "Policy.Statement " + statementID(opts.UserPoolID),
			After:   fmt.Sprintf("%s may %s, AWS:SourceArn %s", cognitoPrincipal, invokeAction, poolARN),
		})
	}

	// The three triggers, every other pool setting carried over.
	for _, slot := range triggerSlots {
		if cur := trigger(pool.LambdaConfig, slot); cur != "" && cur != opts.LambdaARN && !opts.ReplaceTriggers {
			return nil, fmt.Errorf("%w: the %s trigger of pool %s is %s, not %s; setup replaces it only when told to (--replace-triggers)",
				ErrTriggerConflict, slot, opts.UserPoolID, cur, opts.LambdaARN)
		}
	}
	before, after := poolUpdate(pool), poolUpdate(pool)
	after.LambdaConfig = withTriggers(pool.LambdaConfig, opts.LambdaARN)
	if changes := diffInputs(poolTarget, before, after); len(changes) > 0 {
		p.Changes = append(p.Changes, changes...)
		p.poolUpdate = after
	}
	return p, nil
}

// withoutAttribute returns the client's WriteAttributes without attr. An
// empty list becomes the explicit list of the pool's writable standard
// attributes.
func withoutAttribute(c *types.UserPoolClientType, attr string, schema []types.SchemaAttributeType) ([]string, error) {
	if len(c.WriteAttributes) == 0 {
		return writableStandard(schema), nil
	}
	out := slices.DeleteFunc(slices.Clone(c.WriteAttributes), func(a string) bool { return a == attr })
	if len(out) == 0 {
		// An empty list would not mean "nothing": it would give the
		// client its default write access back.
		return nil, fmt.Errorf("wire: app client %s may write only %s; Cognito cannot express \"no writable attributes\" (an empty list is the default access), so choose the attributes it may write yourself (aws cognito-idp update-user-pool-client --write-attributes) and run setup again",
			aws.ToString(c.ClientId), attr)
	}
	return out, nil
}

// Apply makes the plan's changes: the attribute, the app clients, the
// function's permission, then the pool's triggers. It stops at the first
// error; running setup again finishes what is left.
func (p *Plan) Apply(ctx context.Context, cog CognitoAPI, lam LambdaAPI) error {
	if p.addAttribute != nil {
		if _, err := cog.AddCustomAttributes(ctx, p.addAttribute); err != nil {
			return fmt.Errorf("wire: add the custom attribute to pool %s: %w", aws.ToString(p.addAttribute.UserPoolId), err)
		}
	}
	for _, in := range p.clientUpdates {
		if _, err := cog.UpdateUserPoolClient(ctx, in); err != nil {
			return fmt.Errorf("wire: update app client %s: %w", aws.ToString(in.ClientId), err)
		}
	}
	if p.permission != nil {
		if err := addPermission(ctx, lam, p.permission); err != nil {
			return err
		}
	}
	if p.poolUpdate != nil {
		if _, err := cog.UpdateUserPool(ctx, p.poolUpdate); err != nil {
			return fmt.Errorf("wire: update pool %s: %w", aws.ToString(p.poolUpdate.UserPoolId), err)
		}
	}
	return nil
}

// WriteDiff prints the plan, one setting a line, grouped by what it
// belongs to:
//
//	pool eu-west-1_AbC123
//	  LambdaConfig.DefineAuthChallenge: (unset) → arn:aws:lambda:…
func (p *Plan) WriteDiff(w io.Writer) error {
	if p.Empty() {
		_, err := fmt.Fprintln(w, "nothing to change: the pool, its app clients and the function are wired")
		return err
	}
	var b strings.Builder
	target := ""
	for _, c := range p.Changes {
		if c.Target != target {
			target = c.Target
			fmt.Fprintln(&b, target)
		}
		fmt.Fprintf(&b, "  %s: %s → %s\n", c.Setting, orUnset(c.Before), orUnset(c.After))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

func describePool(ctx context.Context, cog CognitoAPI, poolID string) (*types.UserPoolType, error) {
	out, err := cog.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)})
	if err != nil {
		return nil, fmt.Errorf("wire: describe pool %s: %w", poolID, err)
	}
	if out.UserPool == nil {
		return nil, fmt.Errorf("wire: DescribeUserPool returned no pool for %s", poolID)
	}
	return out.UserPool, nil
}

func describeClient(ctx context.Context, cog CognitoAPI, poolID, clientID string) (*types.UserPoolClientType, error) {
	out, err := cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})
	if err != nil {
		return nil, fmt.Errorf("wire: describe app client %s: %w", clientID, err)
	}
	if out.UserPoolClient == nil {
		return nil, fmt.Errorf("wire: DescribeUserPoolClient returned no client for %s", clientID)
	}
	return out.UserPoolClient, nil
}

// listClients returns the IDs of every app client of the pool: first, if
// the pool has it, then the others in order, so output does not depend on
// the order the API lists them in.
func listClients(ctx context.Context, cog CognitoAPI, poolID, first string) ([]string, error) {
	var ids []string
	in := &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(60)}
	for {
		out, err := cog.ListUserPoolClients(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("wire: list the app clients of pool %s: %w", poolID, err)
		}
		for _, c := range out.UserPoolClients {
			ids = append(ids, aws.ToString(c.ClientId))
		}
		if aws.ToString(out.NextToken) == "" {
			slices.SortFunc(ids, func(a, b string) int {
				switch {
				case a == first:
					return -1
				case b == first:
					return 1
				}
				return strings.Compare(a, b)
			})
			return ids, nil
		}
		in.NextToken = out.NextToken
	}
}
