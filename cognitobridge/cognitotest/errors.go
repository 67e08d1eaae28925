package cognitotest

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// apiError is an error response in Cognito's AWS JSON 1.1 form: the exception
// name goes out as "__type" and as the X-Amzn-ErrorType header, the message
// as "message", with HTTP 400 for client faults and 500 for server faults.
// The SDK picks the typed error (*types.NotAuthorizedException …) by name.
type apiError struct {
	code    string
	message string
	status  int
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func clientError(code, message string) *apiError {
	return &apiError{code: code, message: message, status: http.StatusBadRequest}
}

// Messages Cognito is known to send (see doc.go for where they were checked).
const (
	msgIncorrectCredentials = "Incorrect username or password."
	msgUserDisabled         = "User is disabled."
	msgUserNotFound         = "User does not exist."
	msgUsernameExists       = "User account already exists"
	msgNoCustomAuthTrigger  = "Custom auth lambda trigger is not configured for the user pool."
	msgInitiateNotSupported = "Initiate Auth method not supported."
	msgInvalidSession       = "Invalid session for the user."
	msgSessionExpired       = "Invalid session for the user, session is expired."
	msgSessionUsed          = "Invalid session for the user, session can only be used once."
	msgInvalidAccessToken   = "Invalid Access Token"
	msgAccessTokenExpired   = "Access Token has expired"
	msgAccessTokenRevoked   = "Access Token has been revoked"
	msgInvalidRefreshToken  = "Invalid Refresh Token"
	msgRefreshTokenExpired  = "Refresh Token has expired"
	msgRefreshTokenRevoked  = "Refresh Token has been revoked"
	msgInvalidLambdaJSON    = "Invalid lambda function output : Invalid JSON"
	msgPasswordPolicy       = "Password did not conform with policy: "
)

func notAuthorized(message string) *apiError {
	return clientError("NotAuthorizedException", message)
}

func userNotFound() *apiError { return clientError("UserNotFoundException", msgUserNotFound) }

func usernameExists() *apiError { return clientError("UsernameExistsException", msgUsernameExists) }

func invalidParameter(message string) *apiError {
	return clientError("InvalidParameterException", message)
}

func invalidPassword(reason string) *apiError {
	return clientError("InvalidPasswordException", msgPasswordPolicy+reason)
}

func poolNotFound(poolID string) *apiError {
	return clientError("ResourceNotFoundException", "User pool "+poolID+" does not exist.")
}

func clientNotFound(clientID string) *apiError {
	return clientError("ResourceNotFoundException", "User pool client "+clientID+" does not exist.")
}

func missingParameter(name string) *apiError {
	return invalidParameter("Missing required parameter " + name)
}

// flowNotEnabled is Cognito's refusal of a flow the app client does not
// allow. Cognito names the flow for the public password and custom flows and
// says only "Auth flow" for the admin password flow.
func flowNotEnabled(flow string) *apiError {
	switch flow {
	case flowAdminUserPassword, flowAdminNoSRP:
		return invalidParameter("Auth flow not enabled for this client")
	case flowRefreshToken:
		flow = flowRefreshTokenAuth
	}
	return invalidParameter(flow + " flow not enabled for this client")
}

func secretHashMissing(clientID string) *apiError {
	return notAuthorized("Client " + clientID + " is configured with secret but SECRET_HASH was not received")
}

func secretHashWrong(clientID string) *apiError {
	return notAuthorized("Unable to verify secret hash for client " + clientID)
}

// validation is the message AWS's request validation gives, e.g.
// "1 validation error detected: Value null at 'username' failed to satisfy
// constraint: Member must not be null".
func validation(value, field, constraint string) *apiError {
	return invalidParameter(fmt.Sprintf("1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", value, field, constraint))
}

func required(field string) *apiError {
	return validation("null", field, "Member must not be null")
}

func tooManyRequests() *apiError {
	return clientError("TooManyRequestsException", "Rate exceeded")
}

func internalError() *apiError {
	return &apiError{code: "InternalErrorException", message: "Internal server error.", status: http.StatusInternalServerError}
}

func unknownOperation() *apiError {
	return clientError("UnknownOperationException", "")
}

func serialization(message string) *apiError {
	return clientError("SerializationException", message)
}

// Trigger names as Cognito spells them in "<trigger> failed with error …".
const (
	triggerDefine = "DefineAuthChallenge"
	triggerCreate = "CreateAuthChallenge"
	triggerVerify = "VerifyAuthChallengeResponse"
)

// maxTriggerMessage bounds how much of a trigger's error text is repeated.
const maxTriggerMessage = 256

// triggerFailed is Cognito's answer when a trigger returns an error: the
// Lambda's error message, repeated. The challenge package keeps its texts
// safe to repeat; this also cuts them short and to valid UTF-8.
func triggerFailed(trigger string, err error) *apiError {
	msg := strings.ToValidUTF8(err.Error(), "\uFFFD")
	if len(msg) > maxTriggerMessage {
		cut := maxTriggerMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut]
	}
	return clientError("UserLambdaValidationException", trigger+" failed with error "+msg+".")
}

// triggerCrashed stands for a Lambda that never produced an answer (a panic
// here; a timeout or a runtime crash in AWS).
func triggerCrashed(trigger string) *apiError {
	return clientError("UnexpectedLambdaException", trigger+" invocation failed due to error Unhandled.")
}

func invalidLambdaResponse(message string) *apiError {
	return clientError("InvalidLambdaResponseException", message)
}
