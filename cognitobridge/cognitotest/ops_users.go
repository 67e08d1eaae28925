package cognitotest

import (
	"context"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/passkeybridge/bridge/internal/password"
)

// checkPool validates the UserPoolId member: this pool's ID, or
// ResourceNotFoundException.
func (s *Server) checkPool(p *string) *apiError {
	if p == nil {
		return required("userPoolId")
	}
	if *p != s.poolID {
		return poolNotFound(*p)
	}
	return nil
}

// checkClient validates the ClientId member.
func (s *Server) checkClient(p *string) *apiError {
	if p == nil {
		return required("clientId")
	}
	if *p != s.clientID {
		return clientNotFound(*p)
	}
	return nil
}

// checkAdminUser validates UserPoolId and Username.
func (s *Server) checkAdminUser(poolID, username *string) *apiError {
	if err := s.checkPool(poolID); err != nil {
		return err
	}
	return checkUsername(username, "username")
}

func (s *Server) adminGetUser(_ context.Context, in *adminUserInput) (any, *apiError) {
	if err := s.checkAdminUser(in.UserPoolID, in.Username); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(*in.Username)
	if u == nil {
		return nil, userNotFound()
	}
	return &adminGetUserOutput{
		Enabled:              u.enabled,
		UserAttributes:       u.attributeList(),
		UserCreateDate:       epochSeconds(u.created),
		UserLastModifiedDate: epochSeconds(u.modified),
		UserStatus:           string(u.status),
		Username:             u.username,
	}, nil
}

func userTypeOf(u *user) userTypeOut {
	return userTypeOut{
		Attributes:           u.attributeList(),
		Enabled:              u.enabled,
		UserCreateDate:       epochSeconds(u.created),
		UserLastModifiedDate: epochSeconds(u.modified),
		UserStatus:           string(u.status),
		Username:             u.username,
	}
}

// adminCreateUser creates a user in FORCE_CHANGE_PASSWORD with the given or
// a generated temporary password. No message is ever sent, whatever
// MessageAction says; RESEND only resets the temporary password of a user
// still in FORCE_CHANGE_PASSWORD. The pool type decides the username (see
// newUsername) and which addresses must be unique (see claimAliases).
func (s *Server) adminCreateUser(_ context.Context, in *adminCreateUserInput) (any, *apiError) {
	if err := s.checkAdminUser(in.UserPoolID, in.Username); err != nil {
		return nil, err
	}
	action := value(in.MessageAction)
	if in.MessageAction != nil && action != "SUPPRESS" && action != "RESEND" {
		return nil, validation(quoted(in.MessageAction), "messageAction", "Member must satisfy enum value set: [RESEND, SUPPRESS]")
	}
	st := s.current()
	temporary := value(in.TemporaryPassword)
	if in.TemporaryPassword != nil {
		if err := checkPasswordMember(in.TemporaryPassword, "temporaryPassword"); err != nil {
			return nil, err
		}
		if err := st.policy.check(temporary); err != nil {
			return nil, err
		}
	} else {
		var err error
		if temporary, err = password.Generate(); err != nil {
			return nil, internalError()
		}
	}
	attrs, apiErr := s.checkAttributes(in.UserAttributes)
	if apiErr != nil {
		return nil, apiErr
	}
	for name, v := range attrs {
		if v == "" {
			delete(attrs, name)
		}
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	existing := s.lookup(*in.Username)
	if action == "RESEND" {
		switch {
		case existing == nil:
			return nil, userNotFound()
		case existing.status != types.UserStatusTypeForceChangePassword:
			return nil, clientError("UnsupportedUserStateException", "Resend not possible. "+existing.username+" status is not FORCE_CHANGE_PASSWORD")
		}
		existing.password = temporary
		existing.modified = now
		return &adminCreateUserOutput{User: userTypeOf(existing)}, nil
	}
	u, err := s.createUser(*in.Username, temporary, types.UserStatusTypeForceChangePassword, attrs, in.ForceAliasCreation, now)
	if err != nil {
		return nil, err
	}
	return &adminCreateUserOutput{User: userTypeOf(u)}, nil
}

// createUser adds a new user; s.mu must be held.
func (s *Server) createUser(given, pass string, status types.UserStatusType, attrs map[string]string, forceAlias bool, now time.Time) (*user, *apiError) {
	if s.lookup(given) != nil {
		if len(s.current().usernameAttrs) > 0 {
			return nil, clientError("UsernameExistsException", "An account with the given "+signInAttribute(given)+" already exists.")
		}
		return nil, usernameExists()
	}
	username, sub, err := s.newUsername(given, attrs)
	if err != nil {
		return nil, err
	}
	u := &user{
		username: username,
		sub:      sub,
		attrs:    attrs,
		password: pass,
		status:   status,
		enabled:  true,
		created:  now,
		modified: now,
	}
	if err := s.claimAliases(u, true, forceAlias); err != nil {
		return nil, err
	}
	s.store(u, nil)
	return u, nil
}

func signInAttribute(v string) string {
	if phoneFormat.MatchString(v) {
		return "phone_number"
	}
	return "email"
}

func (s *Server) adminSetUserPassword(_ context.Context, in *adminSetUserPasswordInput) (any, *apiError) {
	if err := s.checkAdminUser(in.UserPoolID, in.Username); err != nil {
		return nil, err
	}
	if err := checkPasswordMember(in.Password, "password"); err != nil {
		return nil, err
	}
	st := s.current()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(*in.Username)
	if u == nil {
		return nil, userNotFound()
	}
	if err := s.setPassword(u, *in.Password, st); err != nil {
		return nil, err
	}
	u.status = types.UserStatusTypeForceChangePassword
	if in.Permanent {
		u.status = types.UserStatusTypeConfirmed
	}
	u.modified = s.now()
	return empty{}, nil
}

// adminDisableUser disables the user and, as Cognito documents, revokes
// their tokens.
func (s *Server) adminDisableUser(_ context.Context, in *adminUserInput) (any, *apiError) {
	return s.updateUser(in, func(u *user) {
		u.enabled = false
		u.revokeAll()
	})
}

func (s *Server) adminEnableUser(_ context.Context, in *adminUserInput) (any, *apiError) {
	return s.updateUser(in, func(u *user) { u.enabled = true })
}

func (s *Server) adminUserGlobalSignOut(_ context.Context, in *adminUserInput) (any, *apiError) {
	return s.updateUser(in, (*user).revokeAll)
}

func (s *Server) updateUser(in *adminUserInput, change func(*user)) (any, *apiError) {
	if err := s.checkAdminUser(in.UserPoolID, in.Username); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(*in.Username)
	if u == nil {
		return nil, userNotFound()
	}
	change(u)
	u.modified = s.now()
	return empty{}, nil
}

// adminDeleteUser removes the user. Their tokens and sessions die with
// them: every later use looks the user up by username and sub, so a new user
// of the same name does not inherit them.
func (s *Server) adminDeleteUser(_ context.Context, in *adminUserInput) (any, *apiError) {
	if err := s.checkAdminUser(in.UserPoolID, in.Username); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(*in.Username)
	if u == nil {
		return nil, userNotFound()
	}
	s.remove(u)
	return empty{}, nil
}

// adminUpdateUserAttributes sets attributes; an empty value removes one.
// Changing email without setting email_verified in the same call marks the
// new address unverified. Admin calls are not bound by the client's
// WriteAttributes.
func (s *Server) adminUpdateUserAttributes(_ context.Context, in *adminUpdateUserAttributesInput) (any, *apiError) {
	if err := s.checkAdminUser(in.UserPoolID, in.Username); err != nil {
		return nil, err
	}
	if in.UserAttributes == nil {
		return nil, required("userAttributes")
	}
	attrs, apiErr := s.checkAttributes(in.UserAttributes)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(*in.Username)
	if u == nil {
		return nil, userNotFound()
	}
	return s.setAttributes(u, attrs)
}

// setAttributes applies attrs to u, keeping the alias index and the
// uniqueness of sign-in addresses; s.mu must be held.
func (s *Server) setAttributes(u *user, attrs map[string]string) (any, *apiError) {
	for attr := range s.current().usernameAttrs {
		if v, ok := attrs[attr]; ok && v == "" {
			return nil, invalidParameter("user." + attr + ": the sign-in attribute cannot be removed")
		}
	}
	if email, ok := attrs["email"]; ok && email != u.attrs["email"] {
		if _, set := attrs["email_verified"]; !set && email != "" {
			attrs["email_verified"] = "false"
		}
	}
	next := maps.Clone(u.attrs)
	for name, v := range attrs {
		if v == "" {
			delete(next, name)
		} else {
			next[name] = v
		}
	}
	before := u.attrs
	u.attrs = next
	if err := s.claimAliases(u, false, true); err != nil {
		u.attrs = before
		return nil, err
	}
	s.store(u, before)
	u.modified = s.now()
	return empty{}, nil
}

func (s *Server) getUser(_ context.Context, in *accessTokenInput) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.authorize(in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &getUserOutput{UserAttributes: u.attributeList(), Username: u.username}, nil
}

func (s *Server) globalSignOut(_ context.Context, in *accessTokenInput) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.authorize(in.AccessToken)
	if err != nil {
		return nil, err
	}
	u.revokeAll()
	return empty{}, nil
}

// updateUserAttributes is the user's own attribute update, with an access
// token: only attributes the app client may write (WriteAttributes, or by
// default the standard ones but email_verified and phone_number_verified).
func (s *Server) updateUserAttributes(_ context.Context, in *updateUserAttributesInput) (any, *apiError) {
	if in.UserAttributes == nil {
		return nil, required("userAttributes")
	}
	attrs, apiErr := s.checkAttributes(in.UserAttributes)
	if apiErr != nil {
		return nil, apiErr
	}
	st := s.current()
	for name := range attrs {
		if !st.writable[name] {
			return nil, notAuthorized("A client attempted to write unauthorized attribute")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.authorize(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := s.setAttributes(u, attrs); err != nil {
		return nil, err
	}
	return struct {
		CodeDeliveryDetailsList []struct{} `json:"CodeDeliveryDetailsList"`
	}{[]struct{}{}}, nil
}
