package challenge_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passkeybridge/bridge/challenge"
)

// FuzzHandle feeds Handle arbitrary bytes. It must never panic, never
// return both a result and an error, keep error texts short and prefixed,
// and never find an answer correct that is not the right proof.
func FuzzHandle(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed events: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "null", "{}", "[]", `{"triggerSource":null}`, `{"triggerSource":"\u00ff"}`,
		`{"triggerSource":"VerifyAuthChallengeResponse_Authentication","request":{"challengeAnswer":{"a":[1,2]}}}`,
		`{"triggerSource":"DefineAuthChallenge_Authentication","request":{"session":[null]}}`,
	} {
		f.Add([]byte(s))
	}

	proof := newProof(f)
	h := newHandler(f, challenge.Config{Verifier: proof})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := h.Handle(t.Context(), json.RawMessage(data))
		if err != nil {
			if out != nil {
				t.Fatalf("result %T with error %v", out, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "challenge: ") || len(msg) > 120 {
				t.Fatalf("error text %q", msg)
			}
			return
		}
		switch ev := out.(type) {
		case *events.CognitoEventUserPoolsDefineAuthChallenge:
			checkDefine(t, ev)
		case *events.CognitoEventUserPoolsCreateAuthChallenge:
			r := ev.Response
			nonce := r.PublicChallengeParameters[challenge.NonceParameter]
			if len(nonce) != 43 || r.PrivateChallengeParameters[challenge.NonceParameter] != nonce {
				t.Fatalf("bad challenge %+v", r)
			}
		case *events.CognitoEventUserPoolsVerifyAuthChallenge:
			if !ev.Response.AnswerCorrect {
				return
			}
			nonce := ev.Request.PrivateChallengeParameters[challenge.NonceParameter]
			answer, _ := ev.Request.ChallengeAnswer.(string)
			want := proof.Sign(ev.UserName, ev.UserPoolID, ev.CallerContext.ClientID, nonce)
			if ev.Request.UserNotFound || nonce == "" || answer != want {
				t.Fatalf("answer %q accepted for %q/%q/%q nonce %q (missing user %v)",
					answer, ev.UserName, ev.UserPoolID, ev.CallerContext.ClientID, nonce, ev.Request.UserNotFound)
			}
		default:
			t.Fatalf("Handle returned %T", out)
		}
	})
}

func checkDefine(t *testing.T, ev *events.CognitoEventUserPoolsDefineAuthChallenge) {
	t.Helper()
	r := ev.Response
	decisions := 0
	for _, d := range []bool{r.ChallengeName == challenge.CustomChallenge, r.IssueTokens, r.FailAuthentication} {
		if d {
			decisions++
		}
	}
	if decisions != 1 || (r.ChallengeName != "" && r.ChallengeName != challenge.CustomChallenge) {
		t.Fatalf("ambiguous response %+v", r)
	}
	if !r.IssueTokens {
		return
	}
	s := ev.Request.Session
	if ev.Request.UserNotFound || len(s) == 0 {
		t.Fatalf("tokens for %+v", ev.Request)
	}
	for i, e := range s {
		if e == nil || e.ChallengeName != challenge.CustomChallenge || e.ChallengeResult != (i == len(s)-1) {
			t.Fatalf("tokens after session entry %d %+v", i, e)
		}
	}
}
