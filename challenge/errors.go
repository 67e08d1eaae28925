package challenge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors a caller can act on. Every error the Handler returns wraps one of
// them, and every error text is safe to hand to Cognito and CloudWatch: it
// never carries a key, a nonce, an answer or a verifier's own message.
var (
	// ErrMalformedEvent: the event is not valid JSON, a field has the wrong
	// type, or the event pointer is nil.
	ErrMalformedEvent = errors.New("challenge: malformed event")

	// ErrUnsupportedTrigger: Handle got a triggerSource other than the three
	// CUSTOM_AUTH triggers. Another trigger wired to this function is a
	// deployment mistake, so it is refused rather than given a default answer.
	ErrUnsupportedTrigger = errors.New("challenge: unsupported trigger source")

	// ErrUnexpectedChallenge: Create was asked for a challenge other than
	// CUSTOM_CHALLENGE.
	ErrUnexpectedChallenge = errors.New("challenge: unexpected challenge name")

	// ErrVerifier: the Verifier failed (an outage, not a wrong answer). The
	// Verifier's error is kept for errors.Is / errors.As, but not its text.
	ErrVerifier = errors.New("challenge: verifier failed")
)

// maxEchoLen bounds how many characters of an unexpected value, once
// escaped, an error text repeats.
const maxEchoLen = 40

// echo quotes s, escaped, cut after at most maxEchoLen characters of quoted
// content, so an error can name what it refused without repeating an
// arbitrary payload, however many bytes escaping takes.
func echo(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		q := strconv.Quote(string(r))
		q = q[1 : len(q)-1]
		if b.Len()-1+len(q) > maxEchoLen {
			b.WriteString(`"…`)
			return b.String()
		}
		b.WriteString(q)
	}
	b.WriteByte('"')
	return b.String()
}

// eventError reports a malformed event. Its text names the place of the
// fault but never the value: encoding/json's own messages may quote parts of
// the input ("number 123…"), which could be a nonce or an answer.
type eventError struct {
	cause error
}

func malformed(cause error) error { return &eventError{cause: cause} }

func (e *eventError) Error() string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(e.cause, &syntax):
		return fmt.Sprintf("%s: invalid JSON at byte %d", ErrMalformedEvent, syntax.Offset)
	case errors.As(e.cause, &typ):
		return fmt.Sprintf("%s: wrong type at %s", ErrMalformedEvent, echo(typ.Field))
	case errors.Is(e.cause, errNilEvent):
		return fmt.Sprintf("%s: nil event", ErrMalformedEvent)
	default:
		return ErrMalformedEvent.Error()
	}
}

func (e *eventError) Unwrap() []error { return []error{ErrMalformedEvent, e.cause} }

var errNilEvent = errors.New("nil event")

// verifierError hides a Verifier's message: a provider-token verifier may
// well quote the token it was given. Context errors are named, since they
// explain a timeout in CloudWatch and carry no secret.
type verifierError struct {
	cause error
}

func (e *verifierError) Error() string {
	switch {
	case errors.Is(e.cause, context.DeadlineExceeded):
		return ErrVerifier.Error() + ": " + context.DeadlineExceeded.Error()
	case errors.Is(e.cause, context.Canceled):
		return ErrVerifier.Error() + ": " + context.Canceled.Error()
	default:
		return ErrVerifier.Error()
	}
}

func (e *verifierError) Unwrap() []error { return []error{ErrVerifier, e.cause} }
