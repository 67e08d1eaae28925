package passkey

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
)

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// internalRP is a RelyingParty with only what the state helpers use.
func internalRP(t *testing.T, clock *testClock) *RelyingParty {
	t.Helper()
	return &RelyingParty{
		state:           NewMemoryState(MemoryStateConfig{Now: clock.now}),
		now:             clock.now,
		ceremonyTimeout: time.Minute,
		grantTimeout:    5 * time.Minute,
		proofKey:        make([]byte, minProofKeySize),
	}
}

func TestCeremonySingleUse(t *testing.T) {
	clock := &testClock{t: time.Unix(1_700_000_000, 0)}
	rp := internalRP(t, clock)
	ctx := context.Background()

	id, err := rp.putCeremony(ctx, ceremony{Kind: kindLogin, Username: "a@example.com"})
	require.NoError(t, err)
	assert.Len(t, id, 43, "256 bits, base64url")

	_, err = rp.takeCeremony(ctx, id, kindDiscoverable)
	assert.ErrorIs(t, err, ErrCeremony, "another kind")
	_, err = rp.takeCeremony(ctx, id, kindLogin)
	assert.ErrorIs(t, err, ErrCeremony, "spent by the failed attempt")

	id, err = rp.putCeremony(ctx, ceremony{Kind: kindLogin, Username: "a@example.com"})
	require.NoError(t, err)
	c, err := rp.takeCeremony(ctx, id, kindLogin)
	require.NoError(t, err)
	assert.Equal(t, "a@example.com", c.Username)
	_, err = rp.takeCeremony(ctx, id, kindLogin)
	assert.ErrorIs(t, err, ErrCeremony, "taken twice")
	_, err = rp.takeCeremony(ctx, "", kindLogin)
	assert.ErrorIs(t, err, ErrCeremony)
}

func TestCeremonyExpiry(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		want  bool
	}{
		{"fresh", 0, true},
		{"just before", time.Minute - time.Nanosecond, true},
		{"at expiry", time.Minute, false},
		{"after", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &testClock{t: time.Unix(1_700_000_000, 0)}
			rp := internalRP(t, clock)
			id, err := rp.putCeremony(context.Background(), ceremony{Kind: kindLogin})
			require.NoError(t, err)
			clock.t = clock.t.Add(tt.after)
			_, err = rp.takeCeremony(context.Background(), id, kindLogin)
			assert.Equal(t, tt.want, err == nil, "%v", err)
		})
	}
}

func TestStateKeepsNoIDs(t *testing.T) {
	// The store sees the SHA-256 of an ID, never the ID.
	clock := &testClock{t: time.Unix(1_700_000_000, 0)}
	rec := &recordingState{StateStore: NewMemoryState(MemoryStateConfig{Now: clock.now})}
	rp := internalRP(t, clock)
	rp.state = rec
	id, err := rp.putCeremony(context.Background(), ceremony{Kind: kindLogin})
	require.NoError(t, err)
	require.Len(t, rec.keys, 1)
	assert.NotContains(t, rec.keys[0], id)
	assert.NotContains(t, string(rec.values[0]), id)
}

type recordingState struct {
	StateStore
	keys   []string
	values [][]byte
}

func (r *recordingState) Create(ctx context.Context, e StateEntry) error {
	r.keys, r.values = append(r.keys, e.Key), append(r.values, e.Value)
	return r.StateStore.Create(ctx, e)
}

func TestGrantEpochs(t *testing.T) {
	// A sign-out ends the grants issued before it, in whichever window of
	// GrantTimeout they were issued and checked; later grants work.
	for _, issuedAt := range []time.Duration{0, 4 * time.Minute, 4*time.Minute + 59*time.Second} {
		for _, signOutAfter := range []time.Duration{time.Second, 30 * time.Second, 59 * time.Second, 3 * time.Minute} {
			t.Run(fmt.Sprintf("issued %v, signed out %v later", issuedAt, signOutAfter), func(t *testing.T) {
				start := time.Unix(0, 0).Add(1_000_000 * 5 * time.Minute) // a window boundary
				clock := &testClock{t: start.Add(issuedAt)}
				rp := internalRP(t, clock)
				ctx := context.Background()
				id, _, err := rp.issueGrant(ctx, "a@example.com", &cognitobridge.Session{Sub: "sub-1", RefreshToken: "r1"}, grantPasskey)
				require.NoError(t, err)
				other, _, err := rp.issueGrant(ctx, "b@example.com", &cognitobridge.Session{Sub: "sub-2", RefreshToken: "r2"}, grantPasskey)
				require.NoError(t, err)

				clock.t = clock.t.Add(signOutAfter)
				_, _, err = rp.peekGrant(ctx, id)
				require.NoError(t, err, "live before the sign-out")
				require.NoError(t, rp.endGrants(ctx, "sub-1"))
				_, _, err = rp.peekGrant(ctx, id)
				assert.ErrorIs(t, err, ErrNotAuthorized)
				_, _, err = rp.peekGrant(ctx, other)
				assert.NoError(t, err, "another user's grant lives on")

				clock.t = clock.t.Add(time.Second)
				fresh, _, err := rp.issueGrant(ctx, "a@example.com", &cognitobridge.Session{Sub: "sub-1", RefreshToken: "r1"}, grantPasskey)
				require.NoError(t, err)
				_, _, err = rp.peekGrant(ctx, fresh)
				assert.NoError(t, err, "a grant after the sign-out works")

				// Counters outlive the grants that read them: the ended
				// grant stays dead until it expires.
				for step := time.Duration(0); step < 5*time.Minute; step += 20 * time.Second {
					clock.t = clock.t.Add(20 * time.Second)
					_, _, err = rp.peekGrant(ctx, id)
					assert.ErrorIs(t, err, ErrNotAuthorized)
				}
			})
		}
	}
}

func TestSentinelAnswers(t *testing.T) {
	// The HTTP answer of every sentinel, pinned: a change here changes
	// what pages and clients see.
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{ErrInvalidRequest, 400, "invalid_request"},
		{ErrCeremony, 400, "ceremony_invalid"},
		{ErrVerification, 401, "verification_failed"},
		{ErrUnknownCredential, 401, "unknown_credential"},
		{ErrSignCount, 401, "sign_count"},
		{ErrStepUpRequired, 401, "step_up_required"},
		{ErrNotAuthorized, 401, "not_authorized"},
		{ErrWrongPassword, 401, "wrong_password"},
		{ErrNoPasskeys, 404, "no_passkeys"},
		{ErrUserExists, 409, "user_exists"},
		{ErrCredentialExists, 409, "credential_exists"},
		{ErrUserDisabled, 403, "user_disabled"},
		{ErrBusy, 429, "busy"},
		{ErrProof, 401, "proof_invalid"},
		{ErrOtherBrowser, 401, "link_other_browser"},
		{ErrRevoked, 401, "passkey_revoked"},
		{ErrLastPasskey, 409, "last_passkey"},
		{ErrUnavailable, 503, "unavailable"},
		{ErrInternal, 500, "internal"},
	}
	require.Len(t, publicErrors, len(tests), "every sentinel is pinned")
	for _, tt := range tests {
		pe := publicErrorFor(fmt.Errorf("x: %w", tt.err))
		assert.Equal(t, tt.status, pe.status, "%v", tt.err)
		assert.Equal(t, tt.code, pe.code, "%v", tt.err)
	}
}

func TestSealedRefreshTokens(t *testing.T) {
	rp := internalRP(t, &testClock{t: time.Unix(1_700_000_000, 0)})
	sealed, err := rp.seal("refresh-token-value")
	require.NoError(t, err)
	assert.NotContains(t, string(sealed), "refresh-token-value")
	got, err := rp.unseal(sealed)
	require.NoError(t, err)
	assert.Equal(t, "refresh-token-value", got)

	other := internalRP(t, &testClock{})
	other.proofKey = []byte("another key of thirty-two bytes!")
	_, err = other.unseal(sealed)
	assert.Error(t, err, "another key")
	sealed[len(sealed)-1] ^= 1
	_, err = rp.unseal(sealed)
	assert.Error(t, err, "tampered")
}

func TestAsPublic(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{ErrProof, ErrProof},
		{fmt.Errorf("x: %w", ErrRevoked), ErrRevoked},
		{errors.New("boom"), ErrInternal},
		{context.Canceled, ErrUnavailable},
		{fmt.Errorf("%w: %w", ErrUnavailable, context.Canceled), ErrUnavailable},
	}
	for _, tt := range tests {
		got := asPublic(tt.err)
		assert.ErrorIs(t, got, tt.want)
		assert.Equal(t, 1, countSentinels(got), "%v", got)
	}
	assert.NoError(t, asPublic(nil))
}

// countSentinels returns how many public sentinels err wraps.
func countSentinels(err error) int {
	n := 0
	for _, pe := range publicErrors {
		if errors.Is(err, pe.sentinel) {
			n++
		}
	}
	return n
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header, want string
		wantErr      bool
	}{
		{"", "", false},
		{"Bearer abc.def.ghi", "abc.def.ghi", false},
		{"bearer  abc ", "abc", false},
		{"Bearer", "", true},
		{"Bearer ", "", true},
		{"Basic YTpi", "", true},
		{"abc.def.ghi", "", true},
	}
	for _, tt := range tests {
		got, err := bearerToken(tt.header)
		assert.Equal(t, tt.want, got, "%q", tt.header)
		if tt.wantErr {
			assert.ErrorIs(t, err, ErrNotAuthorized, "%q", tt.header)
		} else {
			assert.NoError(t, err, "%q", tt.header)
		}
	}
}

func TestPublicErrors(t *testing.T) {
	// Every sentinel has one answer, and wrapping keeps it.
	seen := map[string]bool{}
	for _, pe := range publicErrors {
		assert.False(t, seen[pe.code], "code %s twice", pe.code)
		seen[pe.code] = true
		got := publicErrorFor(wrapTwice(pe.sentinel))
		assert.Equal(t, pe.code, got.code)
		assert.NotContains(t, pe.message, "passkey:")
	}
	assert.Equal(t, "internal", publicErrorFor(assert.AnError).code)
	assert.Equal(t, 500, publicErrorFor(ErrNotFound).status)
	assert.Equal(t, 429, publicErrorFor(ErrBusy).status)
}

func wrapTwice(err error) error {
	return &wrapped{&wrapped{err}}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "x: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }
