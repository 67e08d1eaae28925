package main

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cmd/passkeybridge/internal/wire"
)

// state is what DescribeUserPool and DescribeUserPoolClient show of a
// pool and two clients, flattened to setting paths.
type state struct {
	pool, client, web map[string]string
}

func describe(t *testing.T, b *backend, p wiredPool) state {
	t.Helper()
	pool, err := b.cog.DescribeUserPool(t.Context(), &cip.DescribeUserPoolInput{UserPoolId: aws.String(p.poolID)})
	require.NoError(t, err)
	client := func(id string) map[string]string {
		out, err := b.cog.DescribeUserPoolClient(t.Context(), &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(p.poolID), ClientId: aws.String(id)})
		require.NoError(t, err)
		return wire.Flatten(out.UserPoolClient)
	}
	st := state{pool: wire.Flatten(pool.UserPool), client: client(p.clientID)}
	if p.webClientID != "" {
		st.web = client(p.webClientID)
	}
	return st
}

// changed returns the settings whose values differ between two
// flattened states, each as "path: before → after".
func changed(before, after map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(merge(before, after))) {
		if before[k] != after[k] {
			out = append(out, k+": "+before[k]+" → "+after[k])
		}
	}
	return out
}

func merge(a, b map[string]string) map[string]string {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}

// without drops the settings whose path starts with one of prefixes.
func without(m map[string]string, prefixes ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(k, p) }) {
			out[k] = v
		}
	}
	return out
}

// schemaNames lists the attribute names in a flattened pool.
func schemaNames(pool map[string]string) []string {
	var names []string
	for k, v := range pool {
		if strings.HasPrefix(k, "SchemaAttributes[") && strings.HasSuffix(k, "].Name") {
			names = append(names, v)
		}
	}
	slices.Sort(names)
	return names
}

func TestSetupKeepsEveryLegacySettingMoto(t *testing.T) {
	b := startMoto(t)
	if b == nil {
		return
	}
	// moto 5.2.1 deviates from AWS here: its UpdateUserPool drops
	// UsernameConfiguration, which AWS documents as immutable (and
	// UpdateUserPool cannot even carry). The emulator's run of this test
	// holds it to AWS's behaviour.
	keepsEveryLegacySetting(t, b, seedLegacy(t, b), "UsernameConfiguration")
}

func TestSetupKeepsUsernameAttributesMoto(t *testing.T) {
	b := startMoto(t)
	if b == nil {
		return
	}
	in := legacyPool("email-username")
	in.UsernameAttributes = []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}
	p := seedPool(t, b, in)
	// moto 5.2.1 drops UsernameAttributes and UsernameConfiguration on
	// UpdateUserPool; AWS keeps both (they are immutable), which the
	// emulator's TestSetupKeepsUsernameAttributesEmulator checks.
	keepsEveryLegacySetting(t, b, p, "UsernameAttributes", "UsernameConfiguration")
}

// keepsEveryLegacySetting runs setup on the legacy pool p and checks that
// only the intended settings changed. deviations are settings the backend
// changes where AWS would not.
func keepsEveryLegacySetting(t *testing.T, b *backend, p wiredPool, deviations ...string) {
	args := []string{"setup", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN}
	before := describe(t, b, p)
	b.calls.reset()

	t.Run("dry run changes nothing", func(t *testing.T) {
		code, out, errOut := b.run(t, append(args, "--dry-run")...)
		require.Equal(t, exitOK, code, errOut)
		assert.Empty(t, b.calls.mutations(), "a dry run made a mutating call")
		for _, want := range []string{
			"pool " + p.poolID,
			"SchemaAttributes: (unset) → custom:createdByCorbado (String, mutable)",
			"LambdaConfig.DefineAuthChallenge: (unset) → " + p.lambdaARN,
			"LambdaConfig.CreateAuthChallenge: (unset) → " + p.lambdaARN,
			"LambdaConfig.VerifyAuthChallengeResponse: (unset) → " + p.lambdaARN,
			"client " + p.clientID + " (backend)",
			"ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH ALLOW_REFRESH_TOKEN_AUTH] → [ALLOW_USER_SRP_AUTH ALLOW_REFRESH_TOKEN_AUTH ALLOW_CUSTOM_AUTH ALLOW_USER_PASSWORD_AUTH]",
			"WriteAttributes: (unset) → [address birthdate email family_name gender given_name locale middle_name name nickname phone_number picture preferred_username profile updated_at website zoneinfo]",
			"function " + p.lambdaARN,
			"dry run: nothing changed",
		} {
			assert.Contains(t, out, want)
		}
		// The diff names only what changes: none of the kept settings.
		assert.NotContains(t, out, "PreSignUp")
		assert.NotContains(t, out, "PasswordPolicy")
		assert.Equal(t, before, describe(t, b, p))
	})

	t.Run("setup", func(t *testing.T) {
		b.calls.reset()
		code, out, errOut := b.run(t, args...)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "done: ")
		want := []string{"AddCustomAttributes", "UpdateUserPoolClient", "AddPermission", "UpdateUserPool"}
		if p.webClientID != "" {
			want = append(want, "UpdateUserPoolClient")
		}
		assert.ElementsMatch(t, want, b.calls.mutations())
	})

	after := describe(t, b, p)
	t.Run("every pool setting survives", func(t *testing.T) {
		// LambdaConfig gains the three triggers and keeps the others.
		assert.Equal(t, p.lambdaARN, after.pool["LambdaConfig.DefineAuthChallenge"])
		assert.Equal(t, p.lambdaARN, after.pool["LambdaConfig.CreateAuthChallenge"])
		assert.Equal(t, p.lambdaARN, after.pool["LambdaConfig.VerifyAuthChallengeResponse"])
		assert.Equal(t, preSignUpARN, after.pool["LambdaConfig.PreSignUp"])
		// The schema gains the attribute and keeps the rest.
		assert.Equal(t, append(schemaNames(before.pool), "custom:createdByCorbado"), sortedCopy(schemaNames(after.pool), "custom:createdByCorbado"))

		ignore := []string{
			"LambdaConfig.DefineAuthChallenge", "LambdaConfig.CreateAuthChallenge", "LambdaConfig.VerifyAuthChallengeResponse",
			"SchemaAttributes", "LastModifiedDate",
			// Deliberate: UpdateUserPool refuses this deprecated field;
			// its value is carried as TemporaryPasswordValidityDays,
			// which the comparison below still covers.
			"AdminCreateUserConfig.UnusedAccountValidityDays",
		}
		ignore = append(ignore, deviations...)
		assert.Empty(t, changed(without(before.pool, ignore...), without(after.pool, ignore...)),
			"pool settings setup was not meant to change")
		assert.Equal(t, "3", after.pool["Policies.PasswordPolicy.TemporaryPasswordValidityDays"])
		assert.Equal(t, "identity", after.pool["UserPoolTags.team"])
	})

	t.Run("every client setting survives", func(t *testing.T) {
		assert.Equal(t, []string{
			"ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH ALLOW_REFRESH_TOKEN_AUTH] → [ALLOW_USER_SRP_AUTH ALLOW_REFRESH_TOKEN_AUTH ALLOW_CUSTOM_AUTH ALLOW_USER_PASSWORD_AUTH]",
			"WriteAttributes:  → [address birthdate email family_name gender given_name locale middle_name name nickname phone_number picture preferred_username profile updated_at website zoneinfo]",
		}, changed(without(before.client, "LastModifiedDate"), without(after.client, "LastModifiedDate")))
		if p.webClientID != "" {
			assert.Equal(t, []string{
				"WriteAttributes:  → [address birthdate email family_name gender given_name locale middle_name name nickname phone_number picture preferred_username profile updated_at website zoneinfo]",
			}, changed(without(before.web, "LastModifiedDate"), without(after.web, "LastModifiedDate")))
		}
	})

	t.Run("the client secret is never printed", func(t *testing.T) {
		b.run(t, "check", "--json", "--user-pool-id", p.poolID, "--client-id", p.clientID)
		out, err := b.cog.DescribeUserPoolClient(t.Context(), &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(p.poolID), ClientId: aws.String(p.clientID)})
		require.NoError(t, err)
		secret := aws.ToString(out.UserPoolClient.ClientSecret)
		require.NotEmpty(t, secret)
		assert.NotContains(t, b.printed.String(), secret)
		assert.NotContains(t, b.printed.String(), "ClientSecret")
	})

	t.Run("a second run changes nothing", func(t *testing.T) {
		b.calls.reset()
		code, out, errOut := b.run(t, args...)
		require.Equal(t, exitOK, code, errOut)
		assert.Equal(t, "nothing to change: the pool, its app clients and the function are wired\n", out)
		assert.Empty(t, b.calls.mutations())
		assert.Equal(t, after, describe(t, b, p))
	})
}

// sortedCopy returns names sorted, with last moved to the end.
func sortedCopy(names []string, last string) []string {
	out := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == last })
	slices.Sort(out)
	return append(out, last)
}

func TestSetupRefusesAnotherFunctionsTriggersMoto(t *testing.T) {
	b := startMoto(t)
	if b == nil {
		return
	}
	p := seedLegacy(t, b)
	in := legacyPool("")
	// Put someone else's Define trigger on the pool, as a pool wired to an
	// older CUSTOM_AUTH sample has it (the update carries all the rest).
	_, err := b.cog.UpdateUserPool(t.Context(), &cip.UpdateUserPoolInput{
		UserPoolId: aws.String(p.poolID), PoolName: aws.String("legacy-" + t.Name()),
		Policies: in.Policies, AutoVerifiedAttributes: in.AutoVerifiedAttributes,
		LambdaConfig: &types.LambdaConfigType{
			PreSignUp: aws.String(preSignUpARN), PostConfirmation: aws.String(postConfirmARN), CustomMessage: aws.String(customMsgARN),
			DefineAuthChallenge: aws.String(otherAuthARN),
		},
	})
	require.NoError(t, err)
	before := describe(t, b, p)
	b.calls.reset()

	args := []string{"setup", "--user-pool-id", p.poolID, "--client-id", p.clientID, "--lambda-arn", p.lambdaARN}
	code, out, errOut := b.run(t, args...)
	assert.Equal(t, exitProblems, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "the DefineAuthChallenge trigger of pool "+p.poolID+" is "+otherAuthARN+", not "+p.lambdaARN)
	assert.Contains(t, errOut, "--replace-triggers")
	assert.Empty(t, b.calls.mutations(), "a refused setup changed something")
	assert.Equal(t, before, describe(t, b, p))

	code, out, errOut = b.run(t, append(args, "--replace-triggers", "--dry-run")...)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "LambdaConfig.DefineAuthChallenge: "+otherAuthARN+" → "+p.lambdaARN)
	assert.Empty(t, b.calls.mutations())

	code, _, errOut = b.run(t, append(args, "--replace-triggers")...)
	require.Equal(t, exitOK, code, errOut)
	after := describe(t, b, p)
	assert.Equal(t, p.lambdaARN, after.pool["LambdaConfig.DefineAuthChallenge"])
	assert.Equal(t, postConfirmARN, after.pool["LambdaConfig.PostConfirmation"])
}
