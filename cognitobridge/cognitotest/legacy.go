package cognitotest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// LegacyPool returns an UpdateUserPool request that gives the pool
// poolID a setting other than the default for every member UpdateUserPool
// has, as a pool that has been in use for years might have: a custom
// password policy, every Lambda trigger slot (the three custom-auth ones
// pointing at lambdaARN's function too, unless lambdaARN is ""), verified
// attributes, message templates, SES mail, SMS, MFA, deletion protection,
// tags and more. Send it with any Cognito client, this emulator's or
// moto's, to build the pool a setup tool must not break; compare
// DescribeUserPool before and after.
func LegacyPool(poolID, region, lambdaARN string) *cip.UpdateUserPoolInput {
	fn := func(name string) *string {
		return aws.String("arn:aws:lambda:" + region + ":" + accountID + ":function:legacy-" + name)
	}
	lc := &types.LambdaConfigType{
		PreSignUp:          fn("pre-sign-up"),
		CustomMessage:      fn("custom-message"),
		PostConfirmation:   fn("post-confirmation"),
		PreAuthentication:  fn("pre-authentication"),
		PostAuthentication: fn("post-authentication"),
		UserMigration:      fn("user-migration"),
		PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
			LambdaArn: fn("pre-token-generation"), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20,
		},
		PreTokenGeneration: fn("pre-token-generation"),
		CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{
			LambdaArn: fn("custom-email-sender"), LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10,
		},
		CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{
			LambdaArn: fn("custom-sms-sender"), LambdaVersion: types.CustomSMSSenderLambdaVersionTypeV10,
		},
		KMSKeyID: aws.String("arn:aws:kms:" + region + ":" + accountID + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"),
	}
	if lambdaARN != "" {
		lc.DefineAuthChallenge = aws.String(lambdaARN)
		lc.CreateAuthChallenge = aws.String(lambdaARN)
		lc.VerifyAuthChallengeResponse = aws.String(lambdaARN)
	}
	return &cip.UpdateUserPoolInput{
		UserPoolId: aws.String(poolID),
		PoolName:   aws.String("legacy-pool"),
		Policies: &types.UserPoolPolicyType{
			PasswordPolicy: &types.PasswordPolicyType{
				MinimumLength:                 aws.Int32(14),
				RequireUppercase:              true,
				RequireLowercase:              true,
				RequireNumbers:                true,
				RequireSymbols:                false,
				TemporaryPasswordValidityDays: 3,
				PasswordHistorySize:           aws.Int32(5),
			},
			SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp}},
		},
		LambdaConfig:             lc,
		AutoVerifiedAttributes:   []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		EmailVerificationMessage: aws.String("Legacy code {####}"),
		EmailVerificationSubject: aws.String("Legacy subject"),
		SmsVerificationMessage:   aws.String("Legacy SMS code {####}"),
		SmsAuthenticationMessage: aws.String("Legacy MFA code {####}"),
		VerificationMessageTemplate: &types.VerificationMessageTemplateType{
			DefaultEmailOption: types.DefaultEmailOptionTypeConfirmWithLink,
			EmailMessage:       aws.String("Legacy code {####}"),
			EmailSubject:       aws.String("Legacy subject"),
			EmailMessageByLink: aws.String("Legacy link {##Verify##}"),
			EmailSubjectByLink: aws.String("Legacy link subject"),
			SmsMessage:         aws.String("Legacy SMS code {####}"),
		},
		UserAttributeUpdateSettings: &types.UserAttributeUpdateSettingsType{
			AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		},
		MfaConfiguration: types.UserPoolMfaTypeOptional,
		DeviceConfiguration: &types.DeviceConfigurationType{
			ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true,
		},
		EmailConfiguration: &types.EmailConfigurationType{
			EmailSendingAccount: types.EmailSendingAccountTypeDeveloper,
			SourceArn:           aws.String("arn:aws:ses:" + region + ":" + accountID + ":identity/legacy.example.com"),
			From:                aws.String("Legacy <no-reply@legacy.example.com>"),
			ReplyToEmailAddress: aws.String("support@legacy.example.com"),
			ConfigurationSet:    aws.String("legacy-set"),
		},
		SmsConfiguration: &types.SmsConfigurationType{
			SnsCallerArn: aws.String("arn:aws:iam::" + accountID + ":role/legacy-sms"),
			ExternalId:   aws.String("legacy-external-id"),
			SnsRegion:    aws.String(region),
		},
		UserPoolTags: map[string]string{"team": "identity", "cost-center": "1234"},
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{
			AllowAdminCreateUserOnly:  true,
			UnusedAccountValidityDays: 3,
			InviteMessageTemplate: &types.MessageTemplateType{
				EmailMessage: aws.String("Legacy invite {username} {####}"),
				EmailSubject: aws.String("Legacy invite"),
				SMSMessage:   aws.String("Legacy invite {username} {####}"),
			},
		},
		UserPoolAddOns: &types.UserPoolAddOnsType{
			AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit,
			AdvancedSecurityAdditionalFlows: &types.AdvancedSecurityAdditionalFlowsType{
				CustomAuthMode: types.AdvancedSecurityEnabledModeTypeAudit,
			},
		},
		AccountRecoverySetting: &types.AccountRecoverySettingType{
			RecoveryMechanisms: []types.RecoveryOptionType{
				{Name: types.RecoveryOptionNameTypeVerifiedPhoneNumber, Priority: aws.Int32(1)},
				{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(2)},
			},
		},
		DeletionProtection:  types.DeletionProtectionTypeActive,
		UserPoolTier:        types.UserPoolTierTypePlus,
		IssuerConfiguration: nil, // multi-Region only
		KeyConfiguration:    nil, // multi-Region only
	}
}

// LegacyClient returns an UpdateUserPoolClient request that gives the app
// client clientID of pool poolID a setting other than the default for
// every member: its own flows (without ALLOW_CUSTOM_AUTH), attribute
// permissions, token lifetimes, OAuth settings, callback URLs and more,
// the companion of LegacyPool.
func LegacyClient(poolID, clientID string) *cip.UpdateUserPoolClientInput {
	return &cip.UpdateUserPoolClientInput{
		UserPoolId:           aws.String(poolID),
		ClientId:             aws.String(clientID),
		ClientName:           aws.String("legacy-web"),
		RefreshTokenValidity: 90,
		AccessTokenValidity:  aws.Int32(30),
		IdTokenValidity:      aws.Int32(45),
		TokenValidityUnits: &types.TokenValidityUnitsType{
			AccessToken: types.TimeUnitsTypeMinutes, IdToken: types.TimeUnitsTypeMinutes, RefreshToken: types.TimeUnitsTypeDays,
		},
		ReadAttributes:  []string{"email", "email_verified", "name", "custom:createdByCorbado"},
		WriteAttributes: []string{"email", "name"},
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
		SupportedIdentityProviders:               []string{"COGNITO"},
		CallbackURLs:                             []string{"https://legacy.example.com/callback", "https://legacy.example.com/app"},
		LogoutURLs:                               []string{"https://legacy.example.com/logout"},
		DefaultRedirectURI:                       aws.String("https://legacy.example.com/callback"),
		AllowedOAuthFlows:                        []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes:                       []string{"openid", "email", "profile"},
		AllowedOAuthFlowsUserPoolClient:          true,
		PreventUserExistenceErrors:               types.PreventUserExistenceErrorTypesEnabled,
		EnableTokenRevocation:                    aws.Bool(false),
		EnablePropagateAdditionalUserContextData: aws.Bool(true),
		AuthSessionValidity:                      aws.Int32(7),
		AnalyticsConfiguration: &types.AnalyticsConfigurationType{
			ApplicationId: aws.String("0123456789abcdef0123456789abcdef"),
			RoleArn:       aws.String("arn:aws:iam::" + accountID + ":role/legacy-analytics"),
			ExternalId:    aws.String("legacy-analytics"),
		},
		RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeDisabled},
	}
}
