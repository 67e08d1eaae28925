package cognitotest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Fault is a failure the Server can inject in place of an operation.
type Fault int

// The faults. Both are what the SDK's standard retryer retries: throttling
// by its error code, the internal error by its HTTP status.
const (
	// FaultThrottle answers TooManyRequestsException (HTTP 400), as
	// Cognito does when a quota is exceeded.
	FaultThrottle Fault = iota + 1
	// FaultInternal answers InternalErrorException (HTTP 500).
	FaultInternal
)

func (f Fault) String() string {
	switch f {
	case FaultThrottle:
		return "FaultThrottle"
	case FaultInternal:
		return "FaultInternal"
	default:
		return fmt.Sprintf("Fault(%d)", int(f))
	}
}

func (f Fault) err() *apiError {
	if f == FaultThrottle {
		return tooManyRequests()
	}
	return internalError()
}

func (f Fault) check() {
	if f != FaultThrottle && f != FaultInternal {
		panic("cognitotest: unknown " + f.String())
	}
}

// faults holds the injected faults and latencies, keyed by operation name;
// the key "" stands for every operation.
type faults struct {
	mu       sync.Mutex
	next     map[string]countedFault
	fraction map[string]fractionFault
	latency  map[string]time.Duration
	rng      *rand.Rand
}

type countedFault struct {
	n     int
	fault Fault
}

type fractionFault struct {
	p     float64
	fault Fault
}

func (f *faults) init(seed uint64) {
	f.rng = rand.New(rand.NewPCG(seed, 0x636f676e69746f74)) // "cognitot"
	f.reset()
}

func (f *faults) reset() {
	f.next = map[string]countedFault{}
	f.fraction = map[string]fractionFault{}
	f.latency = map[string]time.Duration{}
}

// take decides the fate of one request for op: the latency to add and the
// fault to answer with (0 for none). A FailNext fault is used before a
// FailFraction one, and a rule for op before a rule for every operation.
func (f *faults) take(op string) (time.Duration, Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	latency, ok := f.latency[op]
	if !ok {
		latency = f.latency[""]
	}
	for _, key := range [...]string{op, ""} {
		if c, ok := f.next[key]; ok {
			if c.n--; c.n <= 0 {
				delete(f.next, key)
			} else {
				f.next[key] = c
			}
			return latency, c.fault
		}
	}
	for _, key := range [...]string{op, ""} {
		if fr, ok := f.fraction[key]; ok {
			if f.rng.Float64() < fr.p {
				return latency, fr.fault
			}
			return latency, 0
		}
	}
	return latency, 0
}

// FailNext makes the next n requests for op fail with fault, before the
// operation runs and without changing any state. op is an operation name
// such as "AdminInitiateAuth"; "" means every operation. Each SDK retry is a
// request of its own. n ≤ 0 removes the rule. It panics on an unknown Fault.
func (s *Server) FailNext(op string, n int, fault Fault) {
	fault.check()
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if n <= 0 {
		delete(s.faults.next, op)
		return
	}
	s.faults.next[op] = countedFault{n: n, fault: fault}
}

// FailFraction makes each request for op fail with fault with the given
// probability, drawn from a generator seeded with Config.FaultSeed. op ""
// means every operation. A fraction ≤ 0 removes the rule; ≥ 1 fails every
// request. It panics on an unknown Fault.
func (s *Server) FailFraction(op string, fraction float64, fault Fault) {
	fault.check()
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if !(fraction > 0) { // also catches NaN
		delete(s.faults.fraction, op)
		return
	}
	s.faults.fraction[op] = fractionFault{p: min(fraction, 1), fault: fault}
}

// SetLatency delays every request for op by d before it runs (op "" means
// every operation without a latency of its own). The delay ends early when
// the request's context ends or the Server closes. d ≤ 0 removes it.
func (s *Server) SetLatency(op string, d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if d <= 0 {
		delete(s.faults.latency, op)
		return
	}
	s.faults.latency[op] = d
}

// ClearFaults removes every injected fault and latency.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.reset()
}

// injectFault waits out the latency for op and returns the fault to answer
// with, or nil to run the operation.
func (s *Server) injectFault(ctx context.Context, op string) *apiError {
	latency, fault := s.faults.take(op)
	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return internalError() // nobody is listening any more
		case <-s.done:
			return internalError()
		}
	}
	if fault != 0 {
		return fault.err()
	}
	return nil
}

// calls counts API requests.
type calls struct {
	mu    sync.Mutex
	byOp  map[string]int
	total int
}

func (c *calls) add(op string, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	if known {
		if c.byOp == nil {
			c.byOp = map[string]int{}
		}
		c.byOp[op]++
	}
}

// Calls reports how many HTTP requests for op the server has seen since it
// started or since ResetCalls, failed and injected-fault ones included; each
// SDK retry counts. op "" counts every API request. JWKS fetches are not
// API requests.
func (s *Server) Calls(op string) int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	if op == "" {
		return s.calls.total
	}
	return s.calls.byOp[op]
}

// ResetCalls sets every counter to zero.
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.byOp = nil
	s.calls.total = 0
}
