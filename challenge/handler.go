package challenge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Trigger sources Cognito sets in the event header for the three CUSTOM_AUTH
// triggers; Handle dispatches on them.
const (
	TriggerSourceDefine = "DefineAuthChallenge_Authentication"
	TriggerSourceCreate = "CreateAuthChallenge_Authentication"
	TriggerSourceVerify = "VerifyAuthChallengeResponse_Authentication"
)

// CustomChallenge is the only challenge name the Handler presents or accepts
// in a session.
const CustomChallenge = "CUSTOM_CHALLENGE"

// DefaultMaxAttempts is the number of wrong answers after which Define fails
// the authentication when Config.MaxAttempts is zero.
const DefaultMaxAttempts = 3

// Config configures a Handler.
type Config struct {
	// Verifier decides whether an answer is right. Required; usually an
	// *HMACProof holding the key the backend signs with.
	Verifier Verifier

	// MaxAttempts is how many wrong answers one sign-in may give before
	// Define fails it. Zero means DefaultMaxAttempts; negative is an error.
	MaxAttempts int
}

// Handler implements the Define, Create and Verify auth challenge triggers of
// Cognito's CUSTOM_AUTH flow. It holds no per-request state and is safe for
// concurrent use.
type Handler struct {
	verifier    Verifier
	maxAttempts int
}

// New returns a Handler for cfg. It copies what it needs and never changes
// cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Verifier == nil {
		return nil, errors.New("challenge: config has no verifier")
	}
	if cfg.MaxAttempts < 0 {
		return nil, errors.New("challenge: max attempts must not be negative")
	}
	maxAttempts := cfg.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = DefaultMaxAttempts
	}
	return &Handler{verifier: cfg.Verifier, maxAttempts: maxAttempts}, nil
}

// Handle serves all three triggers from one Lambda function: it reads the
// header's triggerSource, decodes the event into its aws-lambda-go type and
// returns the event with its response filled in, as a pointer to that type.
// An unknown trigger source is ErrUnsupportedTrigger, undecodable input
// ErrMalformedEvent. Use it as lambda.Start(h.Handle).
//
// The event is decoded once, into the fields of all three events at once
// (see anyEvent), not once for the trigger source and again for the rest.
func (h *Handler) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	var ev anyEvent
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, malformed(err)
	}
	switch ev.TriggerSource {
	case TriggerSourceDefine:
		return run(ctx, h.Define, ev.define())
	case TriggerSourceCreate:
		return run(ctx, h.Create, ev.create())
	case TriggerSourceVerify:
		return run(ctx, h.Verify, ev.verify())
	default:
		return nil, fmt.Errorf("%w %s", ErrUnsupportedTrigger, echo(ev.TriggerSource))
	}
}

// run calls fn on ev. It returns a nil interface, not a typed nil
// pointer, on error.
func run[E any](ctx context.Context, fn func(context.Context, *E) (*E, error), ev *E) (any, error) {
	out, err := fn(ctx, ev)
	if err != nil {
		return nil, err
	}
	return out, nil
}
