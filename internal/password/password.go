// Package password generates the random passwords the bridge sets on users it
// creates. Nobody ever sees or types them: they exist because Cognito insists
// that a CONFIRMED user has a password, so they only need to be unguessable
// and to pass any password policy a pool can have.
package password

import (
	"crypto/rand"
	"errors"
	"io"
)

// Length is the length of a generated password: 99, the longest minimum a
// Cognito password policy can demand (6–99), so that the password passes
// every pool's policy without the store reading it (DescribeUserPool, one
// more IAM permission and one more call). Cognito takes passwords up to 256
// characters; nobody types these, so their length costs nothing but a few
// bytes per AdminSetUserPassword. (32 characters, the earlier length,
// failed pools whose policy asks for more.)
const Length = 99

// The character classes a Cognito password policy can require. Symbols is
// exactly Cognito's list of special characters (the space it also counts is
// left out: it may not lead or trail, and it invites copy-paste trouble).
const (
	Upper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	Lower   = "abcdefghijklmnopqrstuvwxyz"
	Digits  = "0123456789"
	Symbols = `^$*.[]{}()?"!@#%&/\,><':;|_~` + "`" + `=+-`
)

// Alphabet is every character a generated password may contain.
const Alphabet = Upper + Lower + Digits + Symbols

var classes = [...]string{Upper, Lower, Digits, Symbols}

// Generate returns a password of Length characters from crypto/rand that
// contains at least one upper-case letter, lower-case letter, digit and
// symbol. The error is crypto/rand's, which on supported platforms never
// fails.
func Generate() (string, error) {
	return generate(rand.Reader, Length)
}

// generate draws one character from each class and the rest from the whole
// alphabet, every draw uniform, then shuffles (Fisher–Yates, uniform indices)
// so that the mandatory characters land on random positions.
func generate(r io.Reader, length int) (string, error) {
	if length < len(classes) {
		return "", errors.New("password: length below the number of character classes")
	}
	src := newUniform(r)
	buf := make([]byte, length)
	for i := range buf {
		set := Alphabet
		if i < len(classes) {
			set = classes[i]
		}
		n, err := src.intn(len(set))
		if err != nil {
			return "", err
		}
		buf[i] = set[n]
	}
	for i := len(buf) - 1; i > 0; i-- {
		j, err := src.intn(i + 1)
		if err != nil {
			return "", err
		}
		buf[i], buf[j] = buf[j], buf[i]
	}
	return string(buf), nil
}

// uniform turns random bytes into uniform integers below n ≤ 256 by
// rejection: a byte is used only when it falls below the largest multiple of
// n, so that byte % n favours no value (the seed's Math.random()*len and a
// plain b%94 would both be biased).
type uniform struct {
	r   io.Reader
	buf [64]byte
	pos int
}

func newUniform(r io.Reader) *uniform {
	u := &uniform{r: r}
	u.pos = len(u.buf)
	return u
}

func (u *uniform) intn(n int) (int, error) {
	if n <= 0 || n > 256 {
		return 0, errors.New("password: range out of bounds")
	}
	limit := 256 - 256%n
	for {
		if u.pos == len(u.buf) {
			if _, err := io.ReadFull(u.r, u.buf[:]); err != nil {
				return 0, err
			}
			u.pos = 0
		}
		b := int(u.buf[u.pos])
		u.pos++
		if b < limit {
			return b % n, nil
		}
	}
}
