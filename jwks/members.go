package jwks

import (
	"bytes"
	"encoding/json"
)

// Go's JSON decoders (encoding/json, and goccy/go-json after it) match
// object member names to struct fields case-insensitively, with Unicode
// folding: "EXP", "Exp" and "ſub" (long s) fill exp and sub, and of two
// spellings the later wins. JSON.parse, and so AWS's aws-jwt-verify, reads
// names exactly. A token carrying {"exp": <past>, "EXP": <future>} would
// be live here and expired there; {"kid": "x", "KID": "main"} would pick
// another key. Such names are refused instead: no issuer spells its own
// claims in two ways.
//
// aws-jwt-verify also refuses null for the registered claims it
// type-checks, where the decoders read null as absent; those are refused
// too.

// memberRules names the members of one kind of object (header or claims)
// that this package reads, and those of them that may not be null.
type memberRules struct {
	byFirst [256][][]byte // known names by their (lower-case ASCII) first byte
	all     [][]byte
	nonNull map[string]bool
}

func newMemberRules(names []string, nonNull ...string) *memberRules {
	r := &memberRules{nonNull: map[string]bool{}}
	for _, n := range names {
		r.byFirst[n[0]] = append(r.byFirst[n[0]], []byte(n))
		r.all = append(r.all, []byte(n))
	}
	for _, n := range nonNull {
		r.nonNull[n] = true
	}
	return r
}

var null = []byte("null")

var (
	headerMembers = newMemberRules([]string{"alg", "kid", "crit", "jku", "x5u", "jwk", "x5c", "enc", "zip"})
	claimMembers  = newMemberRules([]string{"iss", "sub", "aud", "exp", "nbf", "iat", "auth_time", "token_use",
		"client_id", "cognito:username", "username", "email", "email_verified", "name", "cognito:groups",
		"scope", "jti"},
		// The registered claims aws-jwt-verify type-checks.
		"iss", "sub", "aud", "exp", "nbf", "iat", "scope", "jti")
)

// check reports whether the JSON object obj, which a decoder has already
// accepted, spells every member this package reads exactly and gives none
// of the non-null ones null. It does not allocate for names without
// escapes.
func (r *memberRules) check(obj []byte) bool {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return false
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return true
	}
	for i < len(obj) {
		if obj[i] != '"' {
			return false
		}
		end, escaped := skipString(obj, i)
		if end < 0 {
			return false
		}
		name := obj[i+1 : end-1]
		if escaped {
			var s string
			if json.Unmarshal(obj[i:end], &s) != nil {
				return false
			}
			name = []byte(s)
		}
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return false
		}
		i = skipSpace(obj, i+1)
		if !r.nameOK(name, bytes.HasPrefix(obj[i:], null)) {
			return false
		}
		if i = skipValue(obj, i); i < 0 {
			return false
		}
		i = skipSpace(obj, i)
		if i >= len(obj) {
			return false
		}
		switch obj[i] {
		case '}':
			return true
		case ',':
			i = skipSpace(obj, i+1)
		default:
			return false
		}
	}
	return false
}

// nameOK reports whether name is no other spelling of a known name, and
// not a non-null name with a null value.
func (r *memberRules) nameOK(name []byte, null bool) bool {
	if len(name) == 0 {
		return true
	}
	first := name[0]
	if 'A' <= first && first <= 'Z' {
		first += 'a' - 'A'
	}
	candidates := r.byFirst[first]
	if first >= 0x80 {
		// A non-ASCII first letter may fold to an ASCII one (ſ to s, the
		// Kelvin sign to k): compare with every name.
		candidates = r.all
	}
	for _, known := range candidates {
		if bytes.Equal(name, known) {
			return !(null && r.nonNull[string(known)])
		}
		if bytes.EqualFold(name, known) {
			return false
		}
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] (a
// quote), and whether it holds an escape; -1 when it does not end.
func skipString(b []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; ; {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1, false
		}
		q := j + k
		if !escaped && bytes.IndexByte(b[j:q], '\\') >= 0 {
			escaped = true
		}
		backslashes := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return q + 1, escaped
		}
		j = q + 1
	}
}

// skipValue returns the index after the JSON value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			end, _ := skipString(b, i)
			if end < 0 {
				return -1
			}
			i = end
		case '{', '[':
			depth++
			i++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			i++
		case ',':
			if depth == 0 {
				return i
			}
			i++
		default:
			i++
		}
		if depth == 0 && i < len(b) && (b[i] == ',' || b[i] == '}') {
			return i
		}
	}
	if depth == 0 {
		return i
	}
	return -1
}
