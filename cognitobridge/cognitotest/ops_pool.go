package cognitotest

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The pool and client operations decode their requests into the SDK's own
// input types and answer with its output types: their Go field names are
// the API's member names, so encoding/json reads and writes the wire form.
// Only the timestamps need the epoch-seconds form of AWS JSON; the *Out
// types shadow them. TestDescribeRoundTrip fills every member and reads it
// back through the SDK to keep this true.

type userPoolOut struct {
	types.UserPoolType
	CreationDate     *epochSeconds `json:"CreationDate,omitempty"`
	LastModifiedDate *epochSeconds `json:"LastModifiedDate,omitempty"`
}

type userPoolClientOut struct {
	types.UserPoolClientType
	CreationDate     *epochSeconds `json:"CreationDate,omitempty"`
	LastModifiedDate *epochSeconds `json:"LastModifiedDate,omitempty"`
}

func stamp(t *time.Time) *epochSeconds {
	if t == nil {
		return nil
	}
	e := epochSeconds(*t)
	return &e
}

func (s *Server) describeUserPool(_ context.Context, in *cip.DescribeUserPoolInput) (any, *apiError) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	n := len(s.state.users)
	s.mu.Unlock()
	p := s.current().pool
	p.EstimatedNumberOfUsers = int32(n)
	return struct {
		UserPool userPoolOut `json:"UserPool"`
	}{userPoolOut{UserPoolType: p, CreationDate: stamp(p.CreationDate), LastModifiedDate: stamp(p.LastModifiedDate)}}, nil
}

func (s *Server) describeUserPoolClient(_ context.Context, in *cip.DescribeUserPoolClientInput) (any, *apiError) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return nil, err
	}
	if err := s.checkClient(in.ClientId); err != nil {
		return nil, err
	}
	c := s.current().client
	return struct {
		UserPoolClient userPoolClientOut `json:"UserPoolClient"`
	}{userPoolClientOut{UserPoolClientType: c, CreationDate: stamp(c.CreationDate), LastModifiedDate: stamp(c.LastModifiedDate)}}, nil
}

// change swaps in the settings fn makes from a copy of the current ones;
// an error leaves everything as it was.
func (s *Server) change(fn func(next *settings) *apiError) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := *s.current()
	if err := fn(&next); err != nil {
		return err
	}
	next.derive()
	s.settings.Store(&next)
	return nil
}

// updateUserPool replaces every updatable setting: what the request leaves
// out goes back to its default, as in Cognito ("If you don't provide a
// value for an attribute, Amazon Cognito sets it to its default value").
func (s *Server) updateUserPool(_ context.Context, in *cip.UpdateUserPoolInput) (any, *apiError) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return nil, err
	}
	err := s.change(func(next *settings) *apiError {
		p := resetPool(&next.pool)
		if in.PoolName != nil {
			if *in.PoolName == "" || len(*in.PoolName) > 128 {
				return validation(quoted(in.PoolName), "poolName", "Member must have length between 1 and 128")
			}
			p.Name = in.PoolName
		}
		if in.UserPoolTier != "" {
			if !slices.Contains(in.UserPoolTier.Values(), in.UserPoolTier) {
				return enumError(in.UserPoolTier, "userPoolTier", in.UserPoolTier.Values())
			}
			p.UserPoolTier = in.UserPoolTier
		}
		if in.Policies != nil {
			pol := *in.Policies
			if pol.PasswordPolicy == nil {
				pol.PasswordPolicy = defaultPasswordPolicy()
			} else {
				pp := *pol.PasswordPolicy
				if pp.MinimumLength == nil {
					pp.MinimumLength = aws.Int32(8)
				}
				if pp.TemporaryPasswordValidityDays == 0 {
					pp.TemporaryPasswordValidityDays = 7
				}
				if err := checkPasswordPolicy(&pp); err != nil {
					return err
				}
				pol.PasswordPolicy = &pp
			}
			if pol.SignInPolicy == nil {
				pol.SignInPolicy = p.Policies.SignInPolicy
			}
			p.Policies = &pol
		}
		if in.LambdaConfig != nil {
			if err := checkLambdaConfig(in.LambdaConfig); err != nil {
				return err
			}
			p.LambdaConfig = in.LambdaConfig
		}
		if in.AutoVerifiedAttributes != nil {
			for _, a := range in.AutoVerifiedAttributes {
				if !slices.Contains(a.Values(), a) {
					return enumError(a, "autoVerifiedAttributes.member", a.Values())
				}
			}
			p.AutoVerifiedAttributes = nil
			for _, a := range in.AutoVerifiedAttributes {
				if !slices.Contains(p.AutoVerifiedAttributes, a) {
					p.AutoVerifiedAttributes = append(p.AutoVerifiedAttributes, a)
				}
			}
		}
		if in.MfaConfiguration != "" {
			if !slices.Contains(in.MfaConfiguration.Values(), in.MfaConfiguration) {
				return enumError(in.MfaConfiguration, "mfaConfiguration", in.MfaConfiguration.Values())
			}
			if in.MfaConfiguration != types.UserPoolMfaTypeOff && in.SmsConfiguration == nil {
				// SOFTWARE_TOKEN_MFA would do as well, but its settings
				// are a separate API this emulator does not have.
				return clientError("InvalidSmsRoleTrustRelationshipException", "cognitotest: MFA needs an SmsConfiguration in this emulator")
			}
			p.MfaConfiguration = in.MfaConfiguration
		}
		if in.DeletionProtection != "" {
			if !slices.Contains(in.DeletionProtection.Values(), in.DeletionProtection) {
				return enumError(in.DeletionProtection, "deletionProtection", in.DeletionProtection.Values())
			}
			p.DeletionProtection = in.DeletionProtection
		}
		if in.EmailConfiguration != nil {
			ec := *in.EmailConfiguration
			if ec.EmailSendingAccount == "" {
				ec.EmailSendingAccount = types.EmailSendingAccountTypeCognitoDefault
			}
			if ec.EmailSendingAccount == types.EmailSendingAccountTypeDeveloper && ec.SourceArn == nil {
				return invalidParameter("SourceArn is required when EmailSendingAccount is DEVELOPER")
			}
			p.EmailConfiguration = &ec
		}
		if in.VerificationMessageTemplate != nil {
			vt := *in.VerificationMessageTemplate
			if vt.DefaultEmailOption == "" {
				vt.DefaultEmailOption = types.DefaultEmailOptionTypeConfirmWithCode
			}
			p.VerificationMessageTemplate = &vt
		}
		if in.UserAttributeUpdateSettings != nil {
			p.UserAttributeUpdateSettings = in.UserAttributeUpdateSettings
		}
		if in.AdminCreateUserConfig != nil {
			ac := *in.AdminCreateUserConfig
			if ac.UnusedAccountValidityDays == 0 {
				ac.UnusedAccountValidityDays = 7
			}
			p.AdminCreateUserConfig = &ac
		}
		if len(in.UserPoolTags) > 50 {
			return invalidParameter("A user pool has at most 50 tags")
		}
		if len(in.UserPoolTags) > 0 {
			p.UserPoolTags = maps.Clone(in.UserPoolTags)
		}
		p.EmailVerificationMessage = in.EmailVerificationMessage
		p.EmailVerificationSubject = in.EmailVerificationSubject
		p.SmsVerificationMessage = in.SmsVerificationMessage
		p.SmsAuthenticationMessage = in.SmsAuthenticationMessage
		p.SmsConfiguration = in.SmsConfiguration
		p.DeviceConfiguration = in.DeviceConfiguration
		p.AccountRecoverySetting = in.AccountRecoverySetting
		p.UserPoolAddOns = in.UserPoolAddOns
		if ic := in.IssuerConfiguration; ic != nil {
			if p.IssuerConfiguration == nil || ic.Type != p.IssuerConfiguration.Type {
				// The issuer is fixed when the Server starts
				// (Config.UpdatedIssuer).
				return invalidParameter("cognitotest: changing the issuer configuration is not emulated")
			}
		}
		if in.KeyConfiguration != nil {
			p.KeyConfiguration = in.KeyConfiguration
		}
		p.LastModifiedDate = aws.Time(s.now())
		next.pool = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}

// lambdaARN is the API's pattern for a function ARN (ArnType).
var lambdaARN = regexp.MustCompile(`^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?$`)

func checkLambdaConfig(lc *types.LambdaConfigType) *apiError {
	slots := map[string]*string{
		"PreSignUp": lc.PreSignUp, "CustomMessage": lc.CustomMessage,
		"PostConfirmation": lc.PostConfirmation, "PreAuthentication": lc.PreAuthentication,
		"PostAuthentication": lc.PostAuthentication, "DefineAuthChallenge": lc.DefineAuthChallenge,
		"CreateAuthChallenge": lc.CreateAuthChallenge, "VerifyAuthChallengeResponse": lc.VerifyAuthChallengeResponse,
		"PreTokenGeneration": lc.PreTokenGeneration, "UserMigration": lc.UserMigration,
		"KMSKeyID": lc.KMSKeyID,
	}
	if v := lc.PreTokenGenerationConfig; v != nil {
		slots["PreTokenGenerationConfig.LambdaArn"] = v.LambdaArn
	}
	if v := lc.CustomEmailSender; v != nil {
		slots["CustomEmailSender.LambdaArn"] = v.LambdaArn
	}
	if v := lc.CustomSMSSender; v != nil {
		slots["CustomSMSSender.LambdaArn"] = v.LambdaArn
	}
	for _, name := range slices.Sorted(maps.Keys(slots)) {
		if arn := slots[name]; arn != nil && (len(*arn) > 2048 || !lambdaARN.MatchString(*arn)) {
			return validation(quoted(arn), "lambdaConfig."+lowerFirst(name), "Member must satisfy regular expression pattern: "+lambdaARN.String())
		}
	}
	if (lc.CustomEmailSender != nil || lc.CustomSMSSender != nil) && lc.KMSKeyID == nil {
		return invalidParameter("KMSKeyID must be provided with a custom sender trigger")
	}
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

func enumError[T ~string](v T, field string, values []T) *apiError {
	list := ""
	for i, x := range values {
		if i > 0 {
			list += ", "
		}
		list += string(x)
	}
	return validation("'"+string(v)+"'", field, "Member must satisfy enum value set: ["+list+"]")
}

// addCustomAttributes adds attributes to the schema; existing ones cannot
// be changed or removed, so a name that exists fails the whole call.
func (s *Server) addCustomAttributes(_ context.Context, in *cip.AddCustomAttributesInput) (any, *apiError) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return nil, err
	}
	if len(in.CustomAttributes) == 0 {
		return nil, validation("[]", "customAttributes", "Member must have length greater than or equal to 1")
	}
	err := s.change(func(next *settings) *apiError {
		schema := slices.Clone(next.pool.SchemaAttributes)
		for _, a := range in.CustomAttributes {
			name := trimCustom(aws.ToString(a.Name))
			if name == "" || len(name) > 20 || !attributeNamePattern.MatchString(name) {
				return validation(quoted(a.Name), "customAttributes.member.name", "Member must have length between 1 and 20")
			}
			full := "custom:" + name
			if slices.ContainsFunc(schema, func(x types.SchemaAttributeType) bool { return aws.ToString(x.Name) == full }) {
				return invalidParameter(full + ": Existing attribute already has name " + full + ".")
			}
			if aws.ToBool(a.Required) {
				return invalidParameter("Required custom attributes are not supported currently.")
			}
			if aws.ToBool(a.DeveloperOnlyAttribute) {
				return invalidParameter("cognitotest: developer-only attributes are not emulated")
			}
			entry := customSchema(name)
			switch a.AttributeDataType {
			case "", types.AttributeDataTypeString:
				if c := a.StringAttributeConstraints; c != nil {
					entry.StringAttributeConstraints = c
				}
			case types.AttributeDataTypeNumber, types.AttributeDataTypeDatetime, types.AttributeDataTypeBoolean:
				entry.AttributeDataType = a.AttributeDataType
				entry.StringAttributeConstraints = nil
				entry.NumberAttributeConstraints = a.NumberAttributeConstraints
			default:
				return enumError(a.AttributeDataType, "customAttributes.member.attributeDataType", a.AttributeDataType.Values())
			}
			if a.Mutable != nil {
				entry.Mutable = a.Mutable
			}
			schema = append(schema, entry)
		}
		if custom := len(schema) - len(standardSchema()); custom > maxCustomAttributes {
			return invalidParameter("cognitotest: a user pool has at most " + strconv.Itoa(maxCustomAttributes) + " custom attributes")
		}
		next.pool.SchemaAttributes = schema
		next.pool.LastModifiedDate = aws.Time(s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}

// updateUserPoolClient replaces every updatable setting of the app
// client, what the request leaves out going back to its default.
func (s *Server) updateUserPoolClient(_ context.Context, in *cip.UpdateUserPoolClientInput) (any, *apiError) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return nil, err
	}
	if err := s.checkClient(in.ClientId); err != nil {
		return nil, err
	}
	var out types.UserPoolClientType
	err := s.change(func(next *settings) *apiError {
		c := resetClient(&next.client)
		if in.ClientName != nil {
			if *in.ClientName == "" || len(*in.ClientName) > 128 {
				return validation(quoted(in.ClientName), "clientName", "Member must have length between 1 and 128")
			}
			c.ClientName = in.ClientName
		}
		if len(in.ExplicitAuthFlows) > 0 {
			c.ExplicitAuthFlows = nil
			for _, f := range in.ExplicitAuthFlows {
				if !knownFlows[string(f)] {
					if slices.Contains(f.Values(), f) {
						return invalidParameter("cognitotest: the legacy flow name " + string(f) + " is not emulated; use the ALLOW_* names")
					}
					return enumError(f, "explicitAuthFlows.member", f.Values())
				}
				if !slices.Contains(c.ExplicitAuthFlows, f) {
					c.ExplicitAuthFlows = append(c.ExplicitAuthFlows, f)
				}
			}
		}
		if in.PreventUserExistenceErrors != "" {
			if !slices.Contains(in.PreventUserExistenceErrors.Values(), in.PreventUserExistenceErrors) {
				return enumError(in.PreventUserExistenceErrors, "preventUserExistenceErrors", in.PreventUserExistenceErrors.Values())
			}
			c.PreventUserExistenceErrors = in.PreventUserExistenceErrors
		}
		if in.EnableTokenRevocation != nil {
			c.EnableTokenRevocation = in.EnableTokenRevocation
		}
		if in.EnablePropagateAdditionalUserContextData != nil {
			c.EnablePropagateAdditionalUserContextData = in.EnablePropagateAdditionalUserContextData
		}
		if in.AuthSessionValidity != nil {
			if v := *in.AuthSessionValidity; v < 3 || v > 15 {
				return validation(strconv.Itoa(int(v)), "authSessionValidity", "Member must have value between 3 and 15")
			}
			c.AuthSessionValidity = in.AuthSessionValidity
		}
		if err := setValidities(&c, in); err != nil {
			return err
		}
		if r := in.RefreshTokenRotation; r != nil {
			if !slices.Contains(r.Feature.Values(), r.Feature) {
				return enumError(r.Feature, "refreshTokenRotation.feature", r.Feature.Values())
			}
			if g := aws.ToInt32(r.RetryGracePeriodSeconds); g < 0 || g > 60 {
				return validation(strconv.Itoa(int(g)), "refreshTokenRotation.retryGracePeriodSeconds", "Member must have value between 0 and 60")
			}
			c.RefreshTokenRotation = r
		}
		var err *apiError
		if c.ReadAttributes, err = checkClientAttributes(&next.pool, in.ReadAttributes, "read"); err != nil {
			return err
		}
		if c.WriteAttributes, err = checkClientAttributes(&next.pool, in.WriteAttributes, "write"); err != nil {
			return err
		}
		c.CallbackURLs = in.CallbackURLs
		c.LogoutURLs = in.LogoutURLs
		c.DefaultRedirectURI = in.DefaultRedirectURI
		c.AllowedOAuthFlows = in.AllowedOAuthFlows
		c.AllowedOAuthScopes = in.AllowedOAuthScopes
		c.AllowedOAuthFlowsUserPoolClient = aws.Bool(in.AllowedOAuthFlowsUserPoolClient)
		c.SupportedIdentityProviders = in.SupportedIdentityProviders
		c.AnalyticsConfiguration = in.AnalyticsConfiguration
		if in.DefaultRedirectURI != nil && !slices.Contains(in.CallbackURLs, *in.DefaultRedirectURI) {
			return invalidParameter("DefaultRedirectURI must be one of the CallbackURLs")
		}
		c.LastModifiedDate = aws.Time(s.now())
		next.client = c
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct {
		UserPoolClient userPoolClientOut `json:"UserPoolClient"`
	}{userPoolClientOut{UserPoolClientType: out, CreationDate: stamp(out.CreationDate), LastModifiedDate: stamp(out.LastModifiedDate)}}, nil
}

// setValidities applies the token lifetimes of an update: each in its
// unit (hours for ID and access tokens, days for refresh tokens unless
// TokenValidityUnits says otherwise), within Cognito's ranges.
func setValidities(c *types.UserPoolClientType, in *cip.UpdateUserPoolClientInput) *apiError {
	units := types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeHours, IdToken: types.TimeUnitsTypeHours, RefreshToken: types.TimeUnitsTypeDays}
	if u := in.TokenValidityUnits; u != nil {
		for _, v := range []types.TimeUnitsType{u.AccessToken, u.IdToken, u.RefreshToken} {
			if v != "" && !slices.Contains(v.Values(), v) {
				return enumError(v, "tokenValidityUnits", v.Values())
			}
		}
		units.AccessToken = cmpOr(u.AccessToken, units.AccessToken)
		units.IdToken = cmpOr(u.IdToken, units.IdToken)
		units.RefreshToken = cmpOr(u.RefreshToken, units.RefreshToken)
	}
	list := []struct {
		name   string
		given  int32
		unit   types.TimeUnitsType
		lo, hi time.Duration
		set    func(v int32, u types.TimeUnitsType)
	}{
		{"AccessTokenValidity", aws.ToInt32(in.AccessTokenValidity), units.AccessToken, 5 * time.Minute, 24 * time.Hour,
			func(v int32, u types.TimeUnitsType) {
				c.AccessTokenValidity, c.TokenValidityUnits.AccessToken = aws.Int32(v), u
			}},
		{"IdTokenValidity", aws.ToInt32(in.IdTokenValidity), units.IdToken, 5 * time.Minute, 24 * time.Hour,
			func(v int32, u types.TimeUnitsType) {
				c.IdTokenValidity, c.TokenValidityUnits.IdToken = aws.Int32(v), u
			}},
		{"RefreshTokenValidity", in.RefreshTokenValidity, units.RefreshToken, time.Hour, 10 * 365 * 24 * time.Hour,
			func(v int32, u types.TimeUnitsType) { c.RefreshTokenValidity, c.TokenValidityUnits.RefreshToken = v, u }},
	}
	for _, l := range list {
		if l.given == 0 {
			continue // the default set by resetClient
		}
		if d := inUnits(l.given, l.unit, l.unit); l.given < 0 || d < l.lo || d > l.hi {
			return invalidParameter(l.name + " " + strconv.Itoa(int(l.given)) + " " + string(l.unit) + " is outside the allowed range")
		}
		l.set(l.given, l.unit)
	}
	return nil
}

func cmpOr(v, def types.TimeUnitsType) types.TimeUnitsType {
	if v == "" {
		return def
	}
	return v
}
