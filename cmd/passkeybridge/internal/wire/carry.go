package wire

import (
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// UpdateUserPool and UpdateUserPoolClient reset every setting they are not
// given to its default. So an update starts from the whole described
// state: poolUpdate and clientUpdate copy every field DescribeUserPool and
// DescribeUserPoolClient return that the update accepts. carry_test.go
// reflects over the SDK's types and fails when a field is neither copied
// here nor listed below, so a field a later SDK adds is noticed.

// poolNotCarried lists the UserPoolType fields poolUpdate leaves out, and
// why.
var poolNotCarried = map[string]string{
	"Arn":                       "read-only",
	"CreationDate":              "read-only",
	"LastModifiedDate":          "read-only",
	"EstimatedNumberOfUsers":    "read-only",
	"Status":                    "read-only (deprecated)",
	"Domain":                    "set by CreateUserPoolDomain, not UpdateUserPool",
	"CustomDomain":              "set by CreateUserPoolDomain, not UpdateUserPool",
	"EmailConfigurationFailure": "read-only",
	"SmsConfigurationFailure":   "read-only",
	"AliasAttributes":           "immutable after creation",
	"UsernameAttributes":        "immutable after creation",
	"UsernameConfiguration":     "immutable after creation",
	"SchemaAttributes":          "immutable; attributes are only added, by AddCustomAttributes",
}

// poolInputNotFilled lists the UpdateUserPoolInput fields that no
// described field fills.
var poolInputNotFilled = map[string]string{}

// poolUpdate returns the UpdateUserPoolInput that leaves pool as it is.
func poolUpdate(pool *types.UserPoolType) *cip.UpdateUserPoolInput {
	in := &cip.UpdateUserPoolInput{
		UserPoolId:                  pool.Id,
		AccountRecoverySetting:      pool.AccountRecoverySetting,
		AdminCreateUserConfig:       adminCreateUserConfig(pool),
		AutoVerifiedAttributes:      pool.AutoVerifiedAttributes,
		DeletionProtection:          pool.DeletionProtection,
		DeviceConfiguration:         pool.DeviceConfiguration,
		EmailConfiguration:          pool.EmailConfiguration,
		EmailVerificationMessage:    pool.EmailVerificationMessage,
		EmailVerificationSubject:    pool.EmailVerificationSubject,
		IssuerConfiguration:         pool.IssuerConfiguration,
		KeyConfiguration:            pool.KeyConfiguration,
		LambdaConfig:                pool.LambdaConfig,
		MfaConfiguration:            pool.MfaConfiguration,
		Policies:                    policies(pool),
		PoolName:                    pool.Name,
		SmsAuthenticationMessage:    pool.SmsAuthenticationMessage,
		SmsConfiguration:            pool.SmsConfiguration,
		SmsVerificationMessage:      pool.SmsVerificationMessage,
		UserAttributeUpdateSettings: pool.UserAttributeUpdateSettings,
		UserPoolAddOns:              pool.UserPoolAddOns,
		UserPoolTags:                pool.UserPoolTags,
		UserPoolTier:                pool.UserPoolTier,
		VerificationMessageTemplate: pool.VerificationMessageTemplate,
	}
	return in
}

// adminCreateUserConfig copies the pool's AdminCreateUserConfig without
// UnusedAccountValidityDays: DescribeUserPool still returns that
// deprecated field, but UpdateUserPool refuses it ("Please use
// TemporaryPasswordValidityDays in PasswordPolicy instead of
// UnusedAccountValidityDays"); policies carries its value instead.
func adminCreateUserConfig(pool *types.UserPoolType) *types.AdminCreateUserConfigType {
	if pool.AdminCreateUserConfig == nil {
		return nil
	}
	c := *pool.AdminCreateUserConfig
	c.UnusedAccountValidityDays = 0
	return &c
}

// policies copies the pool's Policies; a pool old enough to know only
// UnusedAccountValidityDays gets its value as TemporaryPasswordValidityDays,
// the field AWS moved it to.
func policies(pool *types.UserPoolType) *types.UserPoolPolicyType {
	days := int32(0)
	if pool.AdminCreateUserConfig != nil {
		days = pool.AdminCreateUserConfig.UnusedAccountValidityDays
	}
	if pool.Policies == nil {
		if days == 0 {
			return nil
		}
		return &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{TemporaryPasswordValidityDays: days}}
	}
	p := *pool.Policies
	if days != 0 && (p.PasswordPolicy == nil || p.PasswordPolicy.TemporaryPasswordValidityDays == 0) {
		pp := types.PasswordPolicyType{}
		if p.PasswordPolicy != nil {
			pp = *p.PasswordPolicy
		}
		pp.TemporaryPasswordValidityDays = days
		p.PasswordPolicy = &pp
	}
	return &p
}

// clientNotCarried lists the UserPoolClientType fields clientUpdate leaves
// out, and why.
var clientNotCarried = map[string]string{
	"ClientSecret":     "read-only (and a secret: never copied anywhere)",
	"CreationDate":     "read-only",
	"LastModifiedDate": "read-only",
}

// clientInputNotFilled lists the UpdateUserPoolClientInput fields that no
// described field fills.
var clientInputNotFilled = map[string]string{}

// clientUpdate returns the UpdateUserPoolClientInput that leaves c as it is.
func clientUpdate(c *types.UserPoolClientType) *cip.UpdateUserPoolClientInput {
	in := &cip.UpdateUserPoolClientInput{
		ClientId:                                 c.ClientId,
		UserPoolId:                               c.UserPoolId,
		AccessTokenValidity:                      c.AccessTokenValidity,
		AllowedOAuthFlows:                        c.AllowedOAuthFlows,
		AllowedOAuthScopes:                       c.AllowedOAuthScopes,
		AnalyticsConfiguration:                   c.AnalyticsConfiguration,
		AuthSessionValidity:                      c.AuthSessionValidity,
		CallbackURLs:                             c.CallbackURLs,
		ClientName:                               c.ClientName,
		DefaultRedirectURI:                       c.DefaultRedirectURI,
		EnablePropagateAdditionalUserContextData: c.EnablePropagateAdditionalUserContextData,
		EnableTokenRevocation:                    c.EnableTokenRevocation,
		ExplicitAuthFlows:                        c.ExplicitAuthFlows,
		IdTokenValidity:                          c.IdTokenValidity,
		LogoutURLs:                               c.LogoutURLs,
		PreventUserExistenceErrors:               c.PreventUserExistenceErrors,
		ReadAttributes:                           c.ReadAttributes,
		RefreshTokenRotation:                     c.RefreshTokenRotation,
		RefreshTokenValidity:                     c.RefreshTokenValidity,
		SupportedIdentityProviders:               c.SupportedIdentityProviders,
		TokenValidityUnits:                       c.TokenValidityUnits,
		WriteAttributes:                          c.WriteAttributes,
	}
	if c.AllowedOAuthFlowsUserPoolClient != nil {
		in.AllowedOAuthFlowsUserPoolClient = *c.AllowedOAuthFlowsUserPoolClient
	}
	return in
}
