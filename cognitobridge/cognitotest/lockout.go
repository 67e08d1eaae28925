package cognitotest

import (
	"slices"
	"time"
)

// Cognito's sign-in lockout, as its developer guide describes it ("User
// sign-in lockout behavior"): five failed password attempts are allowed;
// after that each failure locks the user out for a second, doubling with
// every further failure up to about 15 minutes. Attempts during a lockout
// are refused without being counted, and 15 minutes without attempts
// start the count afresh.
const (
	lockoutFreeFailures = 5
	lockoutFirst        = time.Second
	lockoutLongest      = 15 * time.Minute
	lockoutForgetAfter  = 15 * time.Minute
	msgAttemptsExceeded = "Password attempts exceeded"
)

type lockout struct {
	failures int
	last     time.Time // the last counted attempt
	until    time.Time
}

// locked reports whether an attempt at now is refused unheard.
func (l *lockout) locked(now time.Time) bool { return now.Before(l.until) }

// record counts an attempt at now that succeeded or failed.
func (l *lockout) record(now time.Time, ok bool) {
	if ok {
		*l = lockout{}
		return
	}
	if !l.last.IsZero() && now.Sub(l.last) >= lockoutForgetAfter {
		l.failures = 0
	}
	l.failures++
	l.last = now
	if n := l.failures - lockoutFreeFailures; n >= 0 {
		d := lockoutLongest
		if n < 20 {
			d = min(lockoutFirst<<n, lockoutLongest)
		}
		l.until = now.Add(d)
	}
}

// checkNewPassword checks pw against the pool's policy and, with a
// password history, u's earlier passwords (the current one included).
func checkNewPassword(u *user, pw string, st *settings) *apiError {
	if err := st.policy.check(pw); err != nil {
		return err
	}
	if slices.Contains(recentPasswords(u, st.policy.HistorySize), pw) {
		return clientError("PasswordHistoryPolicyViolationException", "Password has previously been used")
	}
	return nil
}

// recentPasswords are the n passwords of u a new one must differ from.
func recentPasswords(u *user, n int) []string {
	if n <= 0 {
		return nil
	}
	recent := append(slices.Clone(u.history), u.password)
	if len(recent) > n {
		recent = recent[len(recent)-n:]
	}
	return recent
}

// setPassword gives u a new password that passes checkNewPassword; s.mu
// must be held.
func (s *Server) setPassword(u *user, pw string, st *settings) *apiError {
	if err := checkNewPassword(u, pw, st); err != nil {
		return err
	}
	u.history = recentPasswords(u, st.policy.HistorySize)
	u.password = pw
	u.lockout = lockout{}
	return nil
}
