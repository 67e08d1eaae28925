package cognitotest

import (
	"crypto/subtle"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/passkeybridge/bridge/internal/password"
)

// state is everything the pool holds; Server.mu guards it.
type state struct {
	users         map[string]*user        // by userKey
	aliases       map[string]*user        // by aliasKey: sign-in attributes and verified aliases
	grants        map[string]*grant       // by origin_jti
	refreshTokens map[string]*grant       // by refresh token
	retired       map[string]retiredToken // rotated refresh tokens in their grace period
	sessions      map[string]*authSession // by session string
	spent         map[string]time.Time    // used session strings, until they would have expired
	nextSweep     time.Time               // see openSession
	sweepMark     int
}

func newState() state {
	return state{
		users:         map[string]*user{},
		aliases:       map[string]*user{},
		grants:        map[string]*grant{},
		refreshTokens: map[string]*grant{},
		retired:       map[string]retiredToken{},
		sessions:      map[string]*authSession{},
		spent:         map[string]time.Time{},
		sweepMark:     minSweepSize,
	}
}

// user is one user of the pool.
type user struct {
	username string
	sub      string
	attrs    map[string]string // every attribute but sub
	password string
	status   types.UserStatusType
	enabled  bool
	created  time.Time
	modified time.Time
	mfa      bool     // RequireMFA: password sign-in answers SMS_MFA
	grants   []*grant // sign-ins, for global sign-out
	history  []string // earlier passwords, newest last, for the policy's history
	lockout  lockout
}

// User is a copy of a user's state, for tests to inspect.
type User struct {
	Username string
	Sub      string // the immutable "sub" attribute
	// Attributes holds every attribute, "sub" included, by name
	// ("email", "custom:createdByCorbado" …).
	Attributes   map[string]string
	Status       types.UserStatusType
	Enabled      bool
	Created      time.Time
	LastModified time.Time
	// MFARequired is set by RequireMFA.
	MFARequired bool
}

func (u *user) export() User {
	attrs := maps.Clone(u.attrs)
	attrs["sub"] = u.sub
	return User{
		Username:     u.username,
		Sub:          u.sub,
		Attributes:   attrs,
		Status:       u.status,
		Enabled:      u.enabled,
		Created:      u.created,
		LastModified: u.modified,
		MFARequired:  u.mfa,
	}
}

// User returns a copy of the user called username, and whether there is one.
func (s *Server) User(username string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(username)
	if u == nil {
		return User{}, false
	}
	return u.export(), true
}

// Users returns copies of all users, ordered by username.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.state.users))
	for _, u := range s.state.users {
		out = append(out, u.export())
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
	return out
}

// RequireMFA makes every later password sign-in of username (the
// USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH flows, and a completed
// NEW_PASSWORD_REQUIRED) end in an SMS_MFA challenge instead of tokens, as
// for a user with SMS MFA in a pool that requires it. The emulator sends no
// codes and does not accept answers to SMS_MFA. It reports whether the user
// exists.
func (s *Server) RequireMFA(username string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(username)
	if u != nil {
		u.mfa = true
	}
	return u != nil
}

// userKey is the map key of a username: the name itself, or its lower-case
// form when usernames are case-insensitive.
func (s *Server) userKey(username string) string {
	if !s.current().caseSensitive {
		return strings.ToLower(username)
	}
	return username
}

// lookup finds a user by username or, on pools with UsernameAttributes or
// AliasAttributes, by sign-in address or verified alias; s.mu must be held.
func (s *Server) lookup(username string) *user {
	if u := s.state.users[s.userKey(username)]; u != nil {
		return u
	}
	for attr := range s.aliasAttributes() {
		if u := s.state.aliases[s.aliasKey(attr, username)]; u != nil {
			return u
		}
	}
	return nil
}

// aliasAttributes are the attributes users may sign in with besides
// their username.
func (s *Server) aliasAttributes() map[string]bool {
	st := s.current()
	if len(st.usernameAttrs) > 0 {
		return st.usernameAttrs
	}
	return st.aliasAttrs
}

func (s *Server) aliasKey(attr, v string) string { return attr + "\x00" + s.userKey(v) }

// aliasesOf lists the alias keys u answers to: every sign-in attribute of
// a UsernameAttributes pool; on an AliasAttributes pool an email or phone
// number only once verified.
func (s *Server) aliasesOf(u *user) []string {
	st := s.current()
	var out []string
	for attr := range s.aliasAttributes() {
		v := u.attrs[attr]
		if v == "" {
			continue
		}
		if len(st.aliasAttrs) > 0 && attr != "preferred_username" && u.attrs[attr+"_verified"] != "true" {
			continue
		}
		out = append(out, s.aliasKey(attr, v))
	}
	return out
}

// store puts u into the pool under its username and aliases, replacing
// the index entries of its attributes before a change (old, nil for a new
// user); s.mu must be held.
func (s *Server) store(u *user, old map[string]string) {
	if old != nil {
		current := u.attrs
		u.attrs = old
		for _, k := range s.aliasesOf(u) {
			if s.state.aliases[k] == u {
				delete(s.state.aliases, k)
			}
		}
		u.attrs = current
	}
	s.state.users[s.userKey(u.username)] = u
	for _, k := range s.aliasesOf(u) {
		s.state.aliases[k] = u
	}
}

// remove takes u out of the pool; s.mu must be held.
func (s *Server) remove(u *user) {
	for _, k := range s.aliasesOf(u) {
		if s.state.aliases[k] == u {
			delete(s.state.aliases, k)
		}
	}
	delete(s.state.users, s.userKey(u.username))
}

// lookupSub finds a user by username and sub, so that a user deleted and
// created again under the same name is not mistaken for the old one.
func (s *Server) lookupSub(username, sub string) *user {
	u := s.state.users[s.userKey(username)]
	if u == nil || u.sub != sub {
		return nil
	}
	return u
}

func (u *user) passwordMatches(pw string) bool {
	return subtle.ConstantTimeCompare([]byte(u.password), []byte(pw)) == 1
}

// revokeAll revokes every sign-in of u: its refresh tokens stop working and
// its access tokens are refused by GetUser and GlobalSignOut.
func (u *user) revokeAll() {
	for _, g := range u.grants {
		g.revoked = true
	}
	u.grants = nil // revoked for good; no need to remember them here
}

// attributeList is the wire form of u's attributes: sub first, the rest by
// name, as Cognito lists them.
func (u *user) attributeList() []attributeOut {
	out := make([]attributeOut, 0, len(u.attrs)+1)
	out = append(out, attributeOut{Name: "sub", Value: u.sub})
	for _, name := range slices.Sorted(maps.Keys(u.attrs)) {
		out = append(out, attributeOut{Name: name, Value: u.attrs[name]})
	}
	return out
}

// standardAttributes are the attributes every pool has (OpenID Connect's
// standard claims), besides sub.
var standardAttributes = map[string]bool{
	"name": true, "given_name": true, "family_name": true, "middle_name": true,
	"nickname": true, "preferred_username": true, "profile": true, "picture": true,
	"website": true, "email": true, "email_verified": true, "gender": true,
	"birthdate": true, "zoneinfo": true, "locale": true, "phone_number": true,
	"phone_number_verified": true, "address": true, "updated_at": true,
}

const maxAttributeLength = 2048

// checkAttributes validates attributes against the pool's schema and
// returns them as a map; a nil or empty value maps to "" (which
// AdminUpdateUserAttributes takes as "remove").
func (s *Server) checkAttributes(attrs []attributeType) (map[string]string, *apiError) {
	out := make(map[string]string, len(attrs))
	for _, a := range attrs {
		if a.Name == nil {
			return nil, required("userAttributes.member.name")
		}
		name, v := *a.Name, value(a.Value)
		switch {
		case name == "sub":
			return nil, invalidParameter("user.sub: Attribute cannot be updated.")
		case !standardAttributes[name] && !s.current().customAttributes[name]:
			return nil, invalidParameter("user." + name + ": Attribute does not exist in the schema.\n")
		case utf8.RuneCountInString(v) > maxAttributeLength:
			return nil, invalidParameter("user." + name + ": String attributes cannot have a length of more than 2048")
		case (name == "email_verified" || name == "phone_number_verified") && v != "" && v != "true" && v != "false":
			return nil, invalidParameter("user." + name + ": Invalid boolean value")
		}
		out[name] = v
	}
	return out, nil
}

// usernamePattern is the API's pattern for usernames: letters, marks,
// symbols, numbers and punctuation; no spaces or control characters.
var usernamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)

// checkUsername validates the Username member named field.
func checkUsername(p *string, field string) *apiError {
	switch {
	case p == nil:
		return required(field)
	case utf8.RuneCountInString(*p) > 128:
		return validation(quoted(p), field, "Member must have length less than or equal to 128")
	case !usernamePattern.MatchString(*p):
		return validation(quoted(p), field, `Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+`)
	}
	return nil
}

// passwordPattern is the API's pattern for passwords: no leading or
// trailing white space.
var passwordPattern = regexp.MustCompile(`^\S(.*\S)?$`)

// checkPasswordMember validates a Password member. AWS leaves the value of
// sensitive members out of validation messages, and so does this.
func checkPasswordMember(p *string, field string) *apiError {
	switch {
	case p == nil:
		return required(field)
	case utf8.RuneCountInString(*p) > 256:
		return invalidParameter("1 validation error detected: Value at '" + field + "' failed to satisfy constraint: Member must have length less than or equal to 256")
	case !passwordPattern.MatchString(*p):
		return invalidParameter("1 validation error detected: Value at '" + field + `' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$`)
	}
	return nil
}

// check enforces the policy, naming the first rule pw breaks as Cognito
// does. Letters and digits are the basic Latin ones; symbols are Cognito's
// list plus an inner space.
func (p PasswordPolicy) check(pw string) *apiError {
	if utf8.RuneCountInString(pw) < p.MinimumLength {
		return invalidPassword("Password not long enough")
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case 'A' <= r && r <= 'Z':
			upper = true
		case 'a' <= r && r <= 'z':
			lower = true
		case '0' <= r && r <= '9':
			digit = true
		case r == ' ' || strings.ContainsRune(password.Symbols, r):
			symbol = true
		}
	}
	switch {
	case p.RequireLowercase && !lower:
		return invalidPassword("Password must have lowercase characters")
	case p.RequireUppercase && !upper:
		return invalidPassword("Password must have uppercase characters")
	case p.RequireNumbers && !digit:
		return invalidPassword("Password must have numeric characters")
	case p.RequireSymbols && !symbol:
		return invalidPassword("Password must have symbol characters")
	}
	return nil
}

// AddUser seeds a user directly, as AdminCreateUser followed by
// AdminSetUserPassword(Permanent) would leave it: CONFIRMED with password,
// or, with pass "", FORCE_CHANGE_PASSWORD like an invited user. It is
// not an API call: Calls does not count it and no fault applies, so tests
// can arrange state before measuring. The username must be new, the
// password fit the pool's policy and the attributes its schema. The pool
// type applies as in AdminCreateUser: on a UsernameAttributes pool pass the
// address, and the returned User's Username is the generated UUID.
func (s *Server) AddUser(username, pass string, attributes map[string]string) (User, error) {
	if username == "" {
		return User{}, required("username")
	}
	list := make([]attributeType, 0, len(attributes))
	for name, value := range attributes {
		list = append(list, attributeType{Name: &name, Value: &value})
	}
	attrs, apiErr := s.checkAttributes(list)
	if apiErr != nil {
		return User{}, apiErr
	}
	status := types.UserStatusTypeConfirmed
	if pass != "" {
		if apiErr := s.current().policy.check(pass); apiErr != nil {
			return User{}, apiErr
		}
	} else {
		// Like AdminCreateUser: a temporary password nobody was told.
		var err error
		if pass, err = password.Generate(); err != nil {
			return User{}, internalError()
		}
		status = types.UserStatusTypeForceChangePassword
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, apiErr := s.createUser(username, pass, status, attrs, false, now)
	if apiErr != nil {
		return User{}, apiErr
	}
	return u.export(), nil
}
