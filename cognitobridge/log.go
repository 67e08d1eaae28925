package cognitobridge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
)

// Levels, named for reading.
const (
	levelDebug = slog.LevelDebug
	levelInfo  = slog.LevelInfo
	levelWarn  = slog.LevelWarn
)

// UserRef returns the pseudonym the store logs in place of username: the
// first 12 hex digits of the SHA-256 of the username. Usernames are email
// addresses, personal data that logs should not collect; the reference
// still lets an operator who knows an address find its log lines
// (UserRef(address)) and tell users apart. It is a pseudonym, not
// anonymity: whoever guesses an address can confirm the guess.
func UserRef(username string) string {
	sum := sha256.Sum256([]byte(username))
	return hex.EncodeToString(sum[:6])
}

// userAttr logs username as its UserRef, hashed only when a handler
// actually writes the line.
func userAttr(username string) slog.Attr { return slog.Any("user", userRef(username)) }

type userRef string

func (u userRef) LogValue() slog.Value { return slog.StringValue(UserRef(string(u))) }

func reasonAttr(reason string) slog.Attr { return slog.String("reason", reason) }

// logFailure logs a failed operation. Errors go back to the caller, who
// decides what to tell whom; the store adds a line of its own, Warn for
// ErrMisconfigured (an operator has to act) and Debug otherwise. The
// error's text holds no secret (see Error), but a validation message can
// repeat the username: it is replaced by its UserRef here.
func (s *Store) logFailure(ctx context.Context, op, username string, err error) {
	level := levelDebug
	if errors.Is(err, ErrMisconfigured) {
		level = levelWarn
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	msg := err.Error()
	code, apiMsg := apiCode(err)
	if invalidUsername(code, apiMsg) {
		msg = "cognitobridge: " + op + ": cognito rejected the username as malformed"
	}
	var ref string
	if username != "" {
		ref = UserRef(username)
		msg = strings.ReplaceAll(msg, username, "user:"+ref)
	}
	attrs := make([]slog.Attr, 0, 4)
	attrs = append(attrs, slog.String("op", op), slog.String("error", msg))
	if ref != "" {
		attrs = append(attrs, slog.String("user", ref))
	}
	if code != "" {
		attrs = append(attrs, slog.String("code", code))
	}
	s.log.LogAttrs(ctx, level, "cognitobridge: operation failed", attrs...)
}
