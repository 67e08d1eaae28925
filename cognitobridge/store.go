package cognitobridge

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Status is whether a user exists for the store.
type Status string

// The statuses Store.Status reports.
const (
	StatusExists    Status = "exists"
	StatusNotExists Status = "not_exists"
	StatusDisabled  Status = "disabled"
)

// User is what the store knows of a Cognito user.
type User struct {
	// Username is Cognito's own username for the user: the email address
	// on plain pools, a UUID equal to Sub on pools with email as a
	// username attribute, a generated name on alias pools. For a user that
	// does not exist it is the name that was looked up.
	Username string
	Status   Status
	Enabled  bool
	// CreatedByProvider reports whether the store (or the seed) created the
	// user for a passkey provider: the provider attribute is "true". Such
	// a user never had a password of their own.
	CreatedByProvider bool
	// Sub is the user's immutable Cognito ID (the sub attribute).
	Sub string
	// Email is the email attribute, and EmailVerified whether Cognito
	// holds it as verified (email_verified "true").
	Email         string
	EmailVerified bool
	// CognitoStatus is Cognito's UserStatus: CONFIRMED,
	// FORCE_CHANGE_PASSWORD, RESET_REQUIRED, UNCONFIRMED, … Empty for a
	// user that does not exist.
	CognitoStatus string
}

// Status looks the user up with AdminGetUser (one Cognito call). A user
// Cognito does not know is not an error: the User has StatusNotExists, as
// does a username Cognito rejects as malformed.
func (s *Store) Status(ctx context.Context, username string) (*User, error) {
	u, err := s.getUser(ctx, "status", username)
	if err != nil {
		s.logFailure(ctx, "status", username, err)
		return nil, err
	}
	return u, nil
}

// getUser is Status without the logging, for the store's own use.
func (s *Store) getUser(ctx context.Context, op, username string) (*User, error) {
	out, err := s.client.AdminGetUser(ctx, &cip.AdminGetUserInput{
		UserPoolId: aws.String(s.poolID),
		Username:   aws.String(username),
	})
	if err != nil {
		// No user can have a name Cognito refuses to look up.
		if code, msg := apiCode(err); code == codeUserNotFound || invalidUsername(code, msg) {
			return &User{Username: username, Status: StatusNotExists}, nil
		}
		return nil, callError(op, "AdminGetUser", err)
	}
	return s.user(aws.ToString(out.Username), username, out.Enabled, out.UserStatus, out.UserAttributes), nil
}

// user builds a User from what AdminGetUser or AdminCreateUser returned.
func (s *Store) user(name, fallback string, enabled bool, status types.UserStatusType, attrs []types.AttributeType) *User {
	if name == "" {
		name = fallback
	}
	u := &User{
		Username:      name,
		Status:        StatusExists,
		Enabled:       enabled,
		CognitoStatus: string(status),
	}
	if !enabled {
		u.Status = StatusDisabled
	}
	for _, a := range attrs {
		switch aws.ToString(a.Name) {
		case s.attr:
			u.CreatedByProvider = aws.ToString(a.Value) == "true"
		case "sub":
			u.Sub = aws.ToString(a.Value)
		case "email":
			u.Email = aws.ToString(a.Value)
		case "email_verified":
			u.EmailVerified = aws.ToString(a.Value) == "true"
		}
	}
	return u
}
