package cognitotest

import (
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// settings is the pool and its app client as DescribeUserPool and
// DescribeUserPoolClient show them, with what the operations read derived
// from them. A value is never changed once published: UpdateUserPool,
// UpdateUserPoolClient and AddCustomAttributes build a new one and swap it
// in under Server.mu, so every request works with one consistent snapshot
// taken without the lock.
type settings struct {
	pool   types.UserPoolType
	client types.UserPoolClientType

	policy           PasswordPolicy
	customAttributes map[string]bool // declared custom attributes, with the "custom:" prefix
	usernameAttrs    map[string]bool // UsernameAttributes: "email", "phone_number"
	aliasAttrs       map[string]bool // AliasAttributes: "email", "phone_number", "preferred_username"
	caseSensitive    bool

	flows                  map[string]bool
	readable, writable     map[string]bool
	preventExistenceErrors bool
	customAuth             bool // LambdaConfig names Define, Create and Verify
	rotation               bool // refresh-token rotation
	rotationGrace          time.Duration
	sessionValidity        time.Duration
	idValidity             time.Duration
	accessValidity         time.Duration
	refreshValidity        time.Duration
}

// current returns the settings in force.
func (s *Server) current() *settings { return s.settings.Load() }

// derive fills the derived fields of st from st.pool and st.client.
func (st *settings) derive() {
	p, c := &st.pool, &st.client

	pp := p.Policies.PasswordPolicy
	st.policy = PasswordPolicy{
		MinimumLength:    int(aws.ToInt32(pp.MinimumLength)),
		RequireUppercase: pp.RequireUppercase,
		RequireLowercase: pp.RequireLowercase,
		RequireNumbers:   pp.RequireNumbers,
		RequireSymbols:   pp.RequireSymbols,
		HistorySize:      int(aws.ToInt32(pp.PasswordHistorySize)),
	}
	st.customAttributes = map[string]bool{}
	for _, a := range p.SchemaAttributes {
		if name := aws.ToString(a.Name); !standardAttributes[name] && name != "sub" {
			st.customAttributes[name] = true
		}
	}
	st.usernameAttrs = map[string]bool{}
	for _, a := range p.UsernameAttributes {
		st.usernameAttrs[string(a)] = true
	}
	st.aliasAttrs = map[string]bool{}
	for _, a := range p.AliasAttributes {
		st.aliasAttrs[string(a)] = true
	}
	st.caseSensitive = p.UsernameConfiguration == nil || aws.ToBool(p.UsernameConfiguration.CaseSensitive)
	lc := p.LambdaConfig
	st.customAuth = lc != nil && lc.DefineAuthChallenge != nil && lc.CreateAuthChallenge != nil && lc.VerifyAuthChallengeResponse != nil

	st.flows = map[string]bool{}
	for _, f := range c.ExplicitAuthFlows {
		st.flows[string(f)] = true
	}
	st.readable = st.attributeSet(c.ReadAttributes, true)
	st.writable = st.attributeSet(c.WriteAttributes, false)
	st.preventExistenceErrors = c.PreventUserExistenceErrors == types.PreventUserExistenceErrorTypesEnabled
	st.rotation = c.RefreshTokenRotation != nil && c.RefreshTokenRotation.Feature == types.FeatureTypeEnabled
	st.rotationGrace = 0
	if st.rotation {
		st.rotationGrace = time.Duration(aws.ToInt32(c.RefreshTokenRotation.RetryGracePeriodSeconds)) * time.Second
	}
	units := c.TokenValidityUnits
	if units == nil {
		units = &types.TokenValidityUnitsType{}
	}
	st.sessionValidity = time.Duration(aws.ToInt32(c.AuthSessionValidity)) * time.Minute
	st.idValidity = inUnits(aws.ToInt32(c.IdTokenValidity), units.IdToken, types.TimeUnitsTypeHours)
	st.accessValidity = inUnits(aws.ToInt32(c.AccessTokenValidity), units.AccessToken, types.TimeUnitsTypeHours)
	st.refreshValidity = inUnits(c.RefreshTokenValidity, units.RefreshToken, types.TimeUnitsTypeDays)
}

// attributeSet is the set of attributes a client's ReadAttributes or
// WriteAttributes list names. An empty list means Cognito's default: every
// standard attribute, and for reading also email_verified and
// phone_number_verified; custom attributes only when listed.
func (st *settings) attributeSet(list []string, read bool) map[string]bool {
	out := map[string]bool{}
	if len(list) > 0 {
		for _, a := range list {
			out[a] = true
		}
		return out
	}
	for a := range standardAttributes {
		if read || !verifiedFlags[a] {
			out[a] = true
		}
	}
	return out
}

// verifiedFlags are the attributes that say an address was proven; a
// client may write them only when its WriteAttributes lists them.
var verifiedFlags = map[string]bool{"email_verified": true, "phone_number_verified": true}

func inUnits(v int32, unit, def types.TimeUnitsType) time.Duration {
	if unit == "" {
		unit = def
	}
	d := time.Duration(v)
	switch unit {
	case types.TimeUnitsTypeSeconds:
		return d * time.Second
	case types.TimeUnitsTypeMinutes:
		return d * time.Minute
	case types.TimeUnitsTypeHours:
		return d * time.Hour
	default:
		return d * 24 * time.Hour
	}
}

// asUnits expresses d in the largest unit that holds it exactly.
func asUnits(d time.Duration) (int32, types.TimeUnitsType) {
	switch {
	case d%(24*time.Hour) == 0:
		return int32(d / (24 * time.Hour)), types.TimeUnitsTypeDays
	case d%time.Hour == 0 && d < 24*time.Hour:
		// Cognito shows an hour of access token as 60 minutes.
		return int32(d / time.Minute), types.TimeUnitsTypeMinutes
	case d%time.Minute == 0:
		return int32(d / time.Minute), types.TimeUnitsTypeMinutes
	default:
		return int32(d / time.Second), types.TimeUnitsTypeSeconds
	}
}

// standardSchema is the schema every pool starts with, as DescribeUserPool
// lists it: sub, then the OpenID Connect standard claims.
func standardSchema() []types.SchemaAttributeType {
	names := []string{
		"sub", "name", "given_name", "family_name", "middle_name", "nickname",
		"preferred_username", "profile", "picture", "website", "email",
		"email_verified", "gender", "birthdate", "zoneinfo", "locale",
		"phone_number", "phone_number_verified", "address", "updated_at",
	}
	out := make([]types.SchemaAttributeType, 0, len(names))
	for _, n := range names {
		a := types.SchemaAttributeType{
			Name:                   aws.String(n),
			AttributeDataType:      types.AttributeDataTypeString,
			DeveloperOnlyAttribute: aws.Bool(false),
			Mutable:                aws.Bool(n != "sub"),
			Required:               aws.Bool(n == "sub"),
		}
		switch n {
		case "email_verified", "phone_number_verified":
			a.AttributeDataType = types.AttributeDataTypeBoolean
		case "updated_at":
			a.AttributeDataType = types.AttributeDataTypeNumber
			a.NumberAttributeConstraints = &types.NumberAttributeConstraintsType{MinValue: aws.String("0")}
		case "sub":
			a.StringAttributeConstraints = &types.StringAttributeConstraintsType{MinLength: aws.String("1"), MaxLength: aws.String("2048")}
		default:
			a.StringAttributeConstraints = &types.StringAttributeConstraintsType{MinLength: aws.String("0"), MaxLength: aws.String("2048")}
		}
		out = append(out, a)
	}
	return out
}

// customSchema is the schema entry of a custom string attribute declared
// through Config.CustomAttributes.
func customSchema(name string) types.SchemaAttributeType {
	return types.SchemaAttributeType{
		Name:                       aws.String("custom:" + name),
		AttributeDataType:          types.AttributeDataTypeString,
		DeveloperOnlyAttribute:     aws.Bool(false),
		Mutable:                    aws.Bool(true),
		Required:                   aws.Bool(false),
		StringAttributeConstraints: &types.StringAttributeConstraintsType{MinLength: aws.String("0"), MaxLength: aws.String("2048")},
	}
}

// DefaultTriggerARN is the function ARN a new Server's LambdaConfig names
// for the three custom auth triggers when Config.Triggers is set. Whatever
// ARN the LambdaConfig names, Config.Triggers runs: the emulator has one
// function.
func DefaultTriggerARN(region string) string {
	return "arn:aws:lambda:" + region + ":" + accountID + ":function:cognitotest-triggers"
}

// accountID is the AWS account the emulated pool belongs to.
const accountID = "123456789012"

// defaultPasswordPolicy is the password policy of UpdateUserPool without
// Policies, and of a new pool.
func defaultPasswordPolicy() *types.PasswordPolicyType {
	return &types.PasswordPolicyType{
		MinimumLength:                 aws.Int32(8),
		RequireUppercase:              true,
		RequireLowercase:              true,
		RequireNumbers:                true,
		RequireSymbols:                true,
		TemporaryPasswordValidityDays: 7,
	}
}

// resetPool returns old with every setting UpdateUserPool can change set
// to its default, as Cognito does for each member an update leaves out.
// The name, the tier and the immutable settings stay.
func resetPool(old *types.UserPoolType) types.UserPoolType {
	return types.UserPoolType{
		// Immutable, or not changed by UpdateUserPool.
		Id:                    old.Id,
		Name:                  old.Name,
		Arn:                   old.Arn,
		CreationDate:          old.CreationDate,
		SchemaAttributes:      old.SchemaAttributes,
		UsernameAttributes:    old.UsernameAttributes,
		AliasAttributes:       old.AliasAttributes,
		UsernameConfiguration: old.UsernameConfiguration,
		UserPoolTier:          old.UserPoolTier,
		Domain:                old.Domain,
		CustomDomain:          old.CustomDomain,
		// Multi-Region settings: kept unless given.
		IssuerConfiguration: old.IssuerConfiguration,
		KeyConfiguration:    old.KeyConfiguration,

		// Updatable, at their defaults.
		Policies: &types.UserPoolPolicyType{
			PasswordPolicy: defaultPasswordPolicy(),
			SignInPolicy:   &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword}},
		},
		LambdaConfig:                &types.LambdaConfigType{},
		MfaConfiguration:            types.UserPoolMfaTypeOff,
		DeletionProtection:          types.DeletionProtectionTypeInactive,
		EmailConfiguration:          &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeCognitoDefault},
		VerificationMessageTemplate: &types.VerificationMessageTemplateType{DefaultEmailOption: types.DefaultEmailOptionTypeConfirmWithCode},
		AdminCreateUserConfig:       &types.AdminCreateUserConfigType{UnusedAccountValidityDays: 7},
		UserAttributeUpdateSettings: &types.UserAttributeUpdateSettingsType{AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{}},
	}
}

// defaultFlows are the flows of an app client created or updated without
// ExplicitAuthFlows.
var defaultFlows = []types.ExplicitAuthFlowsType{
	types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
	types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
	types.ExplicitAuthFlowsTypeAllowCustomAuth,
}

// resetClient returns old with every setting UpdateUserPoolClient can
// change set to its default. The ID, secret and name stay.
func resetClient(old *types.UserPoolClientType) types.UserPoolClientType {
	return types.UserPoolClientType{
		ClientId:     old.ClientId,
		ClientName:   old.ClientName,
		ClientSecret: old.ClientSecret,
		UserPoolId:   old.UserPoolId,
		CreationDate: old.CreationDate,

		ExplicitAuthFlows:                        slices.Clone(defaultFlows),
		PreventUserExistenceErrors:               types.PreventUserExistenceErrorTypesLegacy,
		EnableTokenRevocation:                    aws.Bool(true),
		AuthSessionValidity:                      aws.Int32(3),
		AllowedOAuthFlowsUserPoolClient:          aws.Bool(false),
		EnablePropagateAdditionalUserContextData: aws.Bool(false),
		RefreshTokenValidity:                     30,
		AccessTokenValidity:                      aws.Int32(60),
		IdTokenValidity:                          aws.Int32(60),
		TokenValidityUnits: &types.TokenValidityUnitsType{
			AccessToken:  types.TimeUnitsTypeMinutes,
			IdToken:      types.TimeUnitsTypeMinutes,
			RefreshToken: types.TimeUnitsTypeDays,
		},
	}
}

// initialSettings builds the settings of a new Server from cfg.
func (s *Server) initialSettings(cfg Config, now time.Time) (*settings, error) {
	pool := resetPool(&types.UserPoolType{})
	pool.Id = aws.String(s.poolID)
	pool.Name = aws.String("cognitotest")
	pool.Arn = aws.String("arn:aws:cognito-idp:" + s.region + ":" + accountID + ":userpool/" + s.poolID)
	pool.CreationDate = aws.Time(now)
	pool.LastModifiedDate = aws.Time(now)
	pool.UserPoolTier = types.UserPoolTierTypeEssentials
	pool.IssuerConfiguration = &types.IssuerConfigurationType{Type: types.IssuerTypeOriginal}
	if cfg.UpdatedIssuer {
		pool.IssuerConfiguration.Type = types.IssuerTypeUpdated
	}

	names := cfg.CustomAttributes
	if names == nil {
		names = []string{"createdByCorbado"}
	}
	if err := s.configureSchema(&pool, names); err != nil {
		return nil, err
	}
	if err := configureUsernames(&pool, cfg); err != nil {
		return nil, err
	}
	if err := configurePolicy(&pool, cfg.PasswordPolicy); err != nil {
		return nil, err
	}
	if cfg.Triggers != nil {
		arn := aws.String(DefaultTriggerARN(s.region))
		pool.LambdaConfig = &types.LambdaConfigType{DefineAuthChallenge: arn, CreateAuthChallenge: arn, VerifyAuthChallengeResponse: arn}
	}

	client := resetClient(&types.UserPoolClientType{})
	client.ClientId = aws.String(s.clientID)
	client.ClientName = aws.String("cognitotest")
	if s.clientSecret != "" {
		client.ClientSecret = aws.String(s.clientSecret)
	}
	client.UserPoolId = aws.String(s.poolID)
	client.CreationDate = aws.Time(now)
	client.LastModifiedDate = aws.Time(now)
	if err := configureClient(&client, &pool, cfg); err != nil {
		return nil, err
	}

	st := &settings{pool: pool, client: client}
	st.derive()
	return st, nil
}

func (s *Server) configureSchema(pool *types.UserPoolType, names []string) error {
	if len(names) > maxCustomAttributes {
		return errorf("a user pool has at most %d custom attributes", maxCustomAttributes)
	}
	pool.SchemaAttributes = standardSchema()
	seen := map[string]bool{}
	for _, n := range names {
		n = trimCustom(n)
		if n == "" || len(n) > 20 || !attributeNamePattern.MatchString(n) {
			return errorf("invalid custom attribute name %q", n)
		}
		if !seen[n] {
			seen[n] = true
			pool.SchemaAttributes = append(pool.SchemaAttributes, customSchema(n))
		}
	}
	return nil
}

const maxCustomAttributes = 50

func configureUsernames(pool *types.UserPoolType, cfg Config) error {
	if len(cfg.UsernameAttributes) > 0 && len(cfg.AliasAttributes) > 0 {
		return errorf("UsernameAttributes and AliasAttributes cannot both be set")
	}
	for _, a := range cfg.UsernameAttributes {
		switch a {
		case "email", "phone_number":
			if !slices.Contains(pool.UsernameAttributes, types.UsernameAttributeType(a)) {
				pool.UsernameAttributes = append(pool.UsernameAttributes, types.UsernameAttributeType(a))
			}
		default:
			return errorf("UsernameAttributes may hold email and phone_number, not %q", a)
		}
	}
	for _, a := range cfg.AliasAttributes {
		switch a {
		case "email", "phone_number", "preferred_username":
			if !slices.Contains(pool.AliasAttributes, types.AliasAttributeType(a)) {
				pool.AliasAttributes = append(pool.AliasAttributes, types.AliasAttributeType(a))
			}
		default:
			return errorf("AliasAttributes may hold email, phone_number and preferred_username, not %q", a)
		}
	}
	caseSensitive := cfg.CaseSensitive == nil || *cfg.CaseSensitive
	pool.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(caseSensitive)}
	return nil
}

func configurePolicy(pool *types.UserPoolType, p *PasswordPolicy) error {
	if p == nil {
		return nil
	}
	pp := &types.PasswordPolicyType{
		MinimumLength:                 aws.Int32(int32(p.MinimumLength)),
		RequireUppercase:              p.RequireUppercase,
		RequireLowercase:              p.RequireLowercase,
		RequireNumbers:                p.RequireNumbers,
		RequireSymbols:                p.RequireSymbols,
		TemporaryPasswordValidityDays: 7,
	}
	if p.MinimumLength == 0 {
		pp.MinimumLength = aws.Int32(8)
	}
	if p.HistorySize != 0 {
		pp.PasswordHistorySize = aws.Int32(int32(p.HistorySize))
	}
	if err := checkPasswordPolicy(pp); err != nil {
		return errorf("%s", err.message)
	}
	pool.Policies.PasswordPolicy = pp
	return nil
}

// checkPasswordPolicy enforces the API's ranges for a password policy.
func checkPasswordPolicy(pp *types.PasswordPolicyType) *apiError {
	if n := aws.ToInt32(pp.MinimumLength); n < 6 || n > 99 {
		return invalidParameter("password minimum length " + strconv.Itoa(int(n)) + " is outside 6..99")
	}
	if n := aws.ToInt32(pp.PasswordHistorySize); n < 0 || n > 24 {
		return invalidParameter("password history size " + strconv.Itoa(int(n)) + " is outside 0..24")
	}
	if n := pp.TemporaryPasswordValidityDays; n < 0 || n > 365 {
		return invalidParameter("temporary password validity " + strconv.Itoa(int(n)) + " days is outside 0..365")
	}
	return nil
}

func configureClient(c *types.UserPoolClientType, pool *types.UserPoolType, cfg Config) error {
	flows := cfg.ExplicitAuthFlows
	if len(flows) == 0 {
		flows = []string{AllowCustomAuth, AllowUserPasswordAuth, AllowAdminUserPasswordAuth, AllowRefreshTokenAuth}
	}
	c.ExplicitAuthFlows = nil
	for _, f := range flows {
		if !knownFlows[f] {
			return errorf("unknown explicit auth flow %q (only the ALLOW_* names are supported)", f)
		}
		c.ExplicitAuthFlows = append(c.ExplicitAuthFlows, types.ExplicitAuthFlowsType(f))
	}
	if cfg.PreventUserExistenceErrors {
		c.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}

	durations := []struct {
		name           string
		d, def, lo, hi time.Duration
		set            func(v int32, u types.TimeUnitsType)
	}{
		{"AuthSessionValidity", cfg.AuthSessionValidity, DefaultAuthSessionValidity, 3 * time.Minute, 15 * time.Minute, nil},
		{"IDTokenValidity", cfg.IDTokenValidity, DefaultIDTokenValidity, 5 * time.Minute, 24 * time.Hour,
			func(v int32, u types.TimeUnitsType) {
				c.IdTokenValidity, c.TokenValidityUnits.IdToken = aws.Int32(v), u
			}},
		{"AccessTokenValidity", cfg.AccessTokenValidity, DefaultAccessTokenValidity, 5 * time.Minute, 24 * time.Hour,
			func(v int32, u types.TimeUnitsType) {
				c.AccessTokenValidity, c.TokenValidityUnits.AccessToken = aws.Int32(v), u
			}},
		{"RefreshTokenValidity", cfg.RefreshTokenValidity, DefaultRefreshTokenValidity, time.Hour, 10 * 365 * 24 * time.Hour,
			func(v int32, u types.TimeUnitsType) { c.RefreshTokenValidity, c.TokenValidityUnits.RefreshToken = v, u }},
	}
	for _, d := range durations {
		v, err := within(d.name, d.d, d.def, d.lo, d.hi)
		if err != nil {
			return err
		}
		if d.set == nil {
			if v%time.Minute != 0 {
				return errorf("AuthSessionValidity %v is not a whole number of minutes", v)
			}
			c.AuthSessionValidity = aws.Int32(int32(v / time.Minute))
			continue
		}
		d.set(asUnits(v))
	}

	if cfg.RefreshTokenRotation {
		if cfg.RefreshTokenGracePeriod < 0 || cfg.RefreshTokenGracePeriod > time.Minute || cfg.RefreshTokenGracePeriod%time.Second != 0 {
			return errorf("RefreshTokenGracePeriod %v is not whole seconds within 0..60s", cfg.RefreshTokenGracePeriod)
		}
		c.RefreshTokenRotation = &types.RefreshTokenRotationType{
			Feature:                 types.FeatureTypeEnabled,
			RetryGracePeriodSeconds: aws.Int32(int32(cfg.RefreshTokenGracePeriod / time.Second)),
		}
	}
	var err *apiError
	if c.ReadAttributes, err = checkClientAttributes(pool, cfg.ReadAttributes, "read"); err != nil {
		return errorf("%s", err.message)
	}
	if c.WriteAttributes, err = checkClientAttributes(pool, cfg.WriteAttributes, "write"); err != nil {
		return errorf("%s", err.message)
	}
	return nil
}

var knownFlows = map[string]bool{
	AllowCustomAuth: true, AllowUserPasswordAuth: true, AllowAdminUserPasswordAuth: true,
	AllowRefreshTokenAuth: true, AllowUserSRPAuth: true, AllowUserAuth: true,
}

// checkClientAttributes checks that every attribute of a client's read or
// write list is in the pool's schema; sub is readable but never writable.
func checkClientAttributes(pool *types.UserPoolType, list []string, kind string) ([]string, *apiError) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		known := slices.ContainsFunc(pool.SchemaAttributes, func(s types.SchemaAttributeType) bool { return aws.ToString(s.Name) == a })
		if !known || (a == "sub" && kind == "write") {
			return nil, invalidParameter("Invalid " + kind + " attributes specified while creating a client")
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}
