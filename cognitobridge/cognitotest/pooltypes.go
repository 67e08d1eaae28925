package cognitotest

import (
	"maps"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// emailFormat and phoneFormat decide what Cognito takes for an address
// where a username is expected: something@domain, and E.164.
var (
	emailFormat = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	phoneFormat = regexp.MustCompile(`^\+[0-9]{4,15}$`)
)

// newUsername decides the username of a user AdminCreateUser (or AddUser)
// is asked to create as given, and adds the sign-in attribute to attrs:
//
//   - UsernameAttributes pools take an address as Username, store it as the
//     email or phone_number attribute and name the user with a UUID that
//     is also its sub ("Username should be an email." otherwise);
//   - AliasAttributes pools refuse a username that looks like an alias
//     ("Username cannot be of email format, since user pool is configured
//     for email alias.");
//   - other pools keep the name as given.
func (s *Server) newUsername(given string, attrs map[string]string) (username, sub string, err *apiError) {
	st := s.current()
	sub = newUUID()
	if len(st.usernameAttrs) > 0 {
		switch email, phone := st.usernameAttrs["email"], st.usernameAttrs["phone_number"]; {
		case email && emailFormat.MatchString(given):
			attrs["email"] = given
		case phone && phoneFormat.MatchString(given):
			attrs["phone_number"] = given
		case email && phone:
			return "", "", invalidParameter("Username should be either an email or a phone number.")
		case email:
			return "", "", invalidParameter("Username should be an email.")
		default:
			return "", "", invalidParameter("Username should be a phone number.")
		}
		return sub, sub, nil
	}
	switch {
	case st.aliasAttrs["email"] && emailFormat.MatchString(given):
		return "", "", invalidParameter("Username cannot be of email format, since user pool is configured for email alias.")
	case st.aliasAttrs["phone_number"] && phoneFormat.MatchString(given):
		return "", "", invalidParameter("Username cannot be of phone number format, since user pool is configured for phone number alias.")
	}
	return given, sub, nil
}

// claimAliases makes sure no other user answers to u's sign-in addresses
// or verified aliases before u is stored with its current attributes. On
// a UsernameAttributes pool an address in use is refused. On an
// AliasAttributes pool a verified alias of another user is refused unless
// migrate is set; then, as Cognito does with ForceAliasCreation and with
// AdminUpdateUserAttributes (boto/boto3#3213), the other user's address
// becomes unverified and stops being an alias. create says u is new.
// s.mu must be held.
func (s *Server) claimAliases(u *user, create, migrate bool) *apiError {
	st := s.current()
	var taken []*user // users whose alias moves to u
	var takenAttr []string
	for attr := range s.aliasAttributes() {
		v := u.attrs[attr]
		if v == "" {
			continue
		}
		other := s.state.aliases[s.aliasKey(attr, v)]
		if other == nil || other == u {
			continue
		}
		if len(st.usernameAttrs) > 0 {
			msg := "An account with the given " + attr + " already exists."
			if create {
				return clientError("UsernameExistsException", msg)
			}
			return clientError("AliasExistsException", msg)
		}
		if u.attrs[attr+"_verified"] != "true" && attr != "preferred_username" {
			continue // not an alias of u yet
		}
		msg := "An account with the " + aliasWord(attr) + " already exists."
		switch {
		case create && !migrate:
			// AdminCreateUser has no AliasExistsException; Cognito answers
			// with this (boto/boto3#3213).
			return clientError("UsernameExistsException", msg)
		case !migrate || attr == "preferred_username":
			return clientError("AliasExistsException", msg)
		}
		taken, takenAttr = append(taken, other), append(takenAttr, attr)
	}
	for i, other := range taken {
		before := maps.Clone(other.attrs)
		other.attrs[takenAttr[i]+"_verified"] = "false"
		s.store(other, before)
	}
	return nil
}

func aliasWord(attr string) string {
	switch attr {
	case "phone_number":
		return "phone number"
	case "preferred_username":
		return "preferred username"
	}
	return attr
}

// SetUserStatus puts a user into status, as an import, AdminResetUserPassword
// or a self-service SignUp would: RESET_REQUIRED and UNCONFIRMED users are
// refused by every sign-in flow once their password is right
// (PasswordResetRequiredException, UserNotConfirmedException), and
// FORCE_CHANGE_PASSWORD users get NEW_PASSWORD_REQUIRED. Like AddUser it is
// not an API call. It reports whether the user exists.
func (s *Server) SetUserStatus(username string, status types.UserStatusType) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(username)
	if u != nil {
		u.status = status
		u.modified = s.now()
	}
	return u != nil
}

// statusError is the error every sign-in flow returns for a user whose
// status does not let them sign in, or nil.
func statusError(u *user) *apiError {
	switch u.status {
	case types.UserStatusTypeResetRequired:
		return clientError("PasswordResetRequiredException", "Password reset required for the user")
	case types.UserStatusTypeUnconfirmed:
		return clientError("UserNotConfirmedException", "User is not confirmed.")
	}
	return nil
}
