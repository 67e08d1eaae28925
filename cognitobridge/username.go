package cognitobridge

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxUsernameLength is Cognito's limit on a Username parameter, in
// characters.
const maxUsernameLength = 128

// Normalize returns the form of username the store and its providers use:
// the one place usernames are normalised, so that package passkey's records,
// corbado's webhooks and Cognito agree on who a user is. Pass its result to
// every Store method.
//
// It trims surrounding white space and checks that the rest is an email
// address Cognito can hold as a username: at most 128 characters, only
// letters, marks, symbols, numbers and punctuation (Cognito's username
// pattern), exactly one "@" with something on each side. Anything else is
// an error wrapping ErrInvalidUsername, whose text does not repeat the
// input.
//
// Case follows the pool, because only the pool decides who is the same
// user, and Normalize must map two inputs to one string exactly when
// Cognito maps them to one user:
//   - Case-insensitive pool (Config.CaseInsensitiveUsernames): ASCII
//     letters are folded to lower case. Cognito finds a legacy
//     "Bob@Example.com" under "bob@example.com" on such a pool, so nothing
//     is lost, and the providers' own records get one key per address
//     however the user types it. Only ASCII is folded: Unicode folding
//     would make the Kelvin sign U+212A equal "k", handing an address
//     someone else controls the account of its ASCII twin.
//   - Case-sensitive pool (the zero Config): the case is kept. Cognito
//     holds "Bob@Example.com" and "bob@example.com" as two users there;
//     folding would make the legacy "Bob@Example.com" unreachable and
//     create a second user in its place, which is worse than the
//     alternative (a user who types another case on such a pool meets
//     another account, as Cognito's own sign-in would). That is why
//     case-sensitive is also the safe default when the setting is unknown:
//     on a case-insensitive pool, kept case still finds every user.
func (s *Store) Normalize(username string) (string, error) {
	u := strings.TrimSpace(username)
	if err := checkUsername(u); err != nil {
		return "", &Error{Op: "normalize", Kind: ErrInvalidUsername, Err: err}
	}
	if s.foldCase {
		u = asciiLower(u)
	}
	return u, nil
}

var (
	errUsernameEmpty   = errors.New("cognitobridge: username is empty")
	errUsernameLong    = errors.New("cognitobridge: username is longer than 128 characters")
	errUsernameChars   = errors.New("cognitobridge: username holds white space or control characters")
	errUsernameAddress = errors.New("cognitobridge: username is not an email address")
)

func checkUsername(u string) error {
	switch {
	case u == "":
		return errUsernameEmpty
	case !utf8.ValidString(u):
		return errUsernameChars
	case utf8.RuneCountInString(u) > maxUsernameLength:
		return errUsernameLong
	}
	for _, r := range u {
		if !unicode.In(r, unicode.L, unicode.M, unicode.S, unicode.N, unicode.P) {
			return errUsernameChars
		}
	}
	at := strings.IndexByte(u, '@')
	if at <= 0 || at == len(u)-1 || strings.Count(u, "@") != 1 {
		return errUsernameAddress
	}
	return nil
}

// asciiLower lower-cases the ASCII letters of s and nothing else.
func asciiLower(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for j := i; j < len(b); j++ {
		if 'A' <= b[j] && b[j] <= 'Z' {
			b[j] += 'a' - 'A'
		}
	}
	return string(b)
}
