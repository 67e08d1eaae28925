package cognitotest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func getUser(ctx context.Context, s *cognitotest.Server, c *cip.Client, username string) error {
	_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(username)})
	return err
}

func TestFailNext(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		op        string
		n         int
		fault     cognitotest.Fault
		maxTries  int // 0: the SDK default of 3
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{name: "throttle retried to success", op: "AdminGetUser", n: 2, fault: cognitotest.FaultThrottle, wantCalls: 3},
		{name: "throttle outlasts the retries", op: "AdminGetUser", n: 3, fault: cognitotest.FaultThrottle, wantCalls: 3, check: func(t *testing.T, err error) {
			requireAPIError[*types.TooManyRequestsException](t, err, "")
		}},
		{name: "internal error retried to success", op: "AdminGetUser", n: 1, fault: cognitotest.FaultInternal, wantCalls: 2},
		{name: "internal error outlasts the retries", op: "AdminGetUser", n: 5, fault: cognitotest.FaultInternal, wantCalls: 3, check: func(t *testing.T, err error) {
			e := requireAPIError[*types.InternalErrorException](t, err, "")
			assert.Equal(t, "InternalErrorException", e.ErrorCode())
		}},
		{name: "single attempt", op: "AdminGetUser", n: 1, fault: cognitotest.FaultThrottle, maxTries: 1, wantCalls: 1, check: func(t *testing.T, err error) {
			requireAPIError[*types.TooManyRequestsException](t, err, "")
		}},
		{name: "every operation", op: "", n: 1, fault: cognitotest.FaultInternal, maxTries: 1, wantCalls: 1, check: func(t *testing.T, err error) {
			requireAPIError[*types.InternalErrorException](t, err, "")
		}},
		{name: "another operation", op: "AdminInitiateAuth", n: 5, fault: cognitotest.FaultThrottle, wantCalls: 1},
		{name: "n = 0 is no fault", op: "AdminGetUser", n: 0, fault: cognitotest.FaultThrottle, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, cognitotest.Config{})
			createUser(t, s, alice, nil)
			s.ResetCalls()
			c := s.Client(cognitotest.NoRetryDelay, func(o *cip.Options) { o.RetryMaxAttempts = tt.maxTries })
			s.FailNext(tt.op, tt.n, tt.fault)
			err := getUser(ctx, s, c, alice)
			if tt.check == nil {
				require.NoError(t, err)
			} else {
				tt.check(t, err)
			}
			assert.Equal(t, tt.wantCalls, s.Calls("AdminGetUser"))
			assert.Equal(t, tt.wantCalls, s.Calls(""))
		})
	}
}

func TestFaultsChangeNoState(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	s.FailNext("AdminCreateUser", 1, cognitotest.FaultInternal)
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(alice), MessageAction: types.MessageActionTypeSuppress,
	})
	requireAPIError[*types.InternalErrorException](t, err, "")
	_, ok := s.User(alice)
	assert.False(t, ok)

	h, proof := newHandler(t, nil, 3)
	s = newServer(t, cognitotest.Config{Triggers: h})
	createUser(t, s, alice, nil)
	a := authClient{s: s, c: s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 }), admin: true}
	st, err := a.start(ctx, alice, nil)
	require.NoError(t, err)
	s.FailNext("AdminRespondToAuthChallenge", 1, cognitotest.FaultThrottle)
	answer := proof.Sign(alice, s.UserPoolID(), s.ClientID(), st.params["nonce"])
	_, err = a.answer(ctx, alice, st.session, answer, nil)
	requireAPIError[*types.TooManyRequestsException](t, err, "")
	done, err := a.answer(ctx, alice, st.session, answer, nil)
	require.NoError(t, err, "a throttled answer does not use the session up")
	assert.NotNil(t, done.tokens)
}

func TestFailFraction(t *testing.T) {
	ctx := context.Background()
	run := func(seed uint64) []bool {
		s := newServer(t, cognitotest.Config{FaultSeed: seed})
		createUser(t, s, alice, nil)
		c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })
		s.FailFraction("AdminGetUser", 0.5, cognitotest.FaultThrottle)
		var failed []bool
		for range 40 {
			err := getUser(ctx, s, c, alice)
			if err != nil {
				requireAPIError[*types.TooManyRequestsException](t, err, "")
			}
			failed = append(failed, err != nil)
		}
		return failed
	}
	a, b := run(7), run(7)
	assert.Equal(t, a, b, "the same seed fails the same requests")
	n := 0
	for _, f := range a {
		if f {
			n++
		}
	}
	assert.Greater(t, n, 5)
	assert.Less(t, n, 35)

	s := newServer(t, cognitotest.Config{})
	createUser(t, s, alice, nil)
	c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })
	s.FailFraction("", 1, cognitotest.FaultInternal)
	requireAPIError[*types.InternalErrorException](t, getUser(ctx, s, c, alice), "")
	s.FailFraction("AdminGetUser", 0, cognitotest.FaultInternal) // no rule of its own: the "" rule holds
	requireAPIError[*types.InternalErrorException](t, getUser(ctx, s, c, alice), "")
	s.ClearFaults()
	require.NoError(t, getUser(ctx, s, c, alice))

	s.FailFraction("AdminGetUser", 1, cognitotest.FaultThrottle)
	s.FailNext("AdminGetUser", 1, cognitotest.FaultInternal)
	// FailNext comes first.
	requireAPIError[*types.InternalErrorException](t, getUser(ctx, s, c, alice), "")
	requireAPIError[*types.TooManyRequestsException](t, getUser(ctx, s, c, alice), "")
}

func TestSetLatency(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	createUser(t, s, alice, nil)
	c := s.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 })

	s.SetLatency("AdminGetUser", 50*time.Millisecond)
	start := time.Now()
	require.NoError(t, getUser(context.Background(), s, c, alice))
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	s.SetLatency("", time.Minute)
	s.SetLatency("AdminGetUser", 0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := getUser(ctx, s, c, alice)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)

	// Close does not wait out the latency of requests in flight.
	done := make(chan error, 1)
	go func() { done <- getUser(context.Background(), s, c, alice) }()
	require.Eventually(t, func() bool { return s.Calls("AdminGetUser") == 3 }, 5*time.Second, time.Millisecond)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the latency")
	}
	require.Error(t, <-done)
}

func TestCallsAndReset(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	createUser(t, s, alice, nil)
	assert.Equal(t, 1, s.Calls("AdminCreateUser"))
	assert.Equal(t, 1, s.Calls("AdminSetUserPassword"))
	assert.Equal(t, 2, s.Calls(""))
	assert.Equal(t, 0, s.Calls("AdminGetUser"))
	_ = getUser(context.Background(), s, s.Client(), "nobody")
	assert.Equal(t, 1, s.Calls("AdminGetUser"), "failed calls count too")
	fetchKeys(t, s.JWKSURL())
	assert.Equal(t, 3, s.Calls(""), "JWKS fetches are not API calls")
	s.ResetCalls()
	assert.Equal(t, 0, s.Calls(""))
	assert.Equal(t, 0, s.Calls("AdminCreateUser"))
}

func TestUnknownFaultPanics(t *testing.T) {
	s := newServer(t, cognitotest.Config{})
	assert.Panics(t, func() { s.FailNext("AdminGetUser", 1, cognitotest.Fault(0)) })
	assert.Panics(t, func() { s.FailFraction("AdminGetUser", 1, cognitotest.Fault(9)) })
	assert.Equal(t, "FaultThrottle", cognitotest.FaultThrottle.String())
	assert.Equal(t, "Fault(9)", cognitotest.Fault(9).String())
}
