package cognitotest

import (
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// authSession is the state behind one Session string: the challenge it
// asks, who for, and for CUSTOM_CHALLENGE the history and the private
// parameters Verify will get.
type authSession struct {
	challenge string
	subject   subject
	history   []events.CognitoEventUserPoolsChallengeResult
	private   map[string]string
	metadata  string // challengeMetadata from Create
	expires   time.Time
}

// sessionBytes is the entropy of a session string.
const sessionBytes = 64

// sweepAfter is how long an expired or used session string is remembered,
// so that a late answer hears "expired" or "used once" rather than a bare
// "invalid".
const sweepAfter = time.Hour

// sweepEvery and minSweepSize pace the sweeps: one a minute, or sooner
// when the stored sessions have doubled since the last one, so that a
// busy server does not pay a full scan per session.
const (
	sweepEvery   = time.Minute
	minSweepSize = 1024
)

// openSession stores sess under a new random session string, valid for the
// client's AuthSessionValidity; s.mu must be held.
func (s *Server) openSession(sess *authSession) string {
	now := s.now()
	st := &s.state
	if size := len(st.sessions) + len(st.spent); !now.Before(st.nextSweep) || size >= 2*st.sweepMark {
		s.sweep(now)
		st.nextSweep = now.Add(sweepEvery)
		st.sweepMark = max(minSweepSize, len(st.sessions)+len(st.spent))
	}
	sess.expires = now.Add(s.current().sessionValidity)
	id := randomToken(sessionBytes)
	s.state.sessions[id] = sess
	return id
}

// sweep forgets sessions and used session strings long past their expiry;
// s.mu must be held.
func (s *Server) sweep(now time.Time) {
	cutoff := now.Add(-sweepAfter)
	for id, sess := range s.state.sessions {
		if sess.expires.Before(cutoff) {
			delete(s.state.sessions, id)
		}
	}
	for id, expires := range s.state.spent {
		if expires.Before(cutoff) {
			delete(s.state.spent, id)
		}
	}
}

// takeSession checks that id is a live session of this client asking
// challenge of username, and uses it up. A session of another user or
// another challenge is invalid and stays usable by its own user.
func (s *Server) takeSession(id, challenge, username string) (*authSession, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	sess := s.state.sessions[id]
	switch {
	case sess == nil:
		if _, used := s.state.spent[id]; used {
			return nil, notAuthorized(msgSessionUsed)
		}
		return nil, notAuthorized(msgInvalidSession)
	case !now.Before(sess.expires):
		return nil, notAuthorized(msgSessionExpired) // sweep forgets it later
	case sess.challenge != challenge || s.userKey(username) != s.userKey(sess.subject.username):
		return nil, notAuthorized(msgInvalidSession)
	}
	delete(s.state.sessions, id)
	s.state.spent[id] = sess.expires
	return sess, nil
}
