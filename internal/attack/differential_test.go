package attack

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/jwks/jwkstest"
)

// awsJWTVerifyVersion is the aws-jwt-verify the differential runs
// against; .ci/run installs exactly this one.
const awsJWTVerifyVersion = "5.2.1"

const awsJWTVerifyPackage = "aws-jwt-verify/package.json"

// awsVerifier is a configuration of aws-jwt-verify, as verify.mjs takes it.
type awsVerifier struct {
	Kind       string `json:"kind"` // "cognito"
	UserPoolID string `json:"userPoolId"`
	TokenUse   string `json:"tokenUse"`
	ClientID   string `json:"clientId"`
}

type awsResult struct {
	Accepted bool   `json:"accepted"`
	Error    string `json:"error"`
}

// awsVerify runs testdata/verify.mjs on tokens, with keys from jwksURL, and
// returns one result a token. It skips the test when node or aws-jwt-verify
// is missing, and fails it under CI=true.
func awsVerify(t *testing.T, jwksURL string, v awsVerifier, tokens []string) []awsResult {
	t.Helper()
	node, pkg := testtools.NodeModule(t, awsJWTVerifyPackage)
	modules := filepath.Dir(filepath.Dir(pkg))
	script, err := filepath.Abs(filepath.Join("testdata", "verify.mjs"))
	require.NoError(t, err)
	in, err := json.Marshal(map[string]any{"modules": modules, "jwksUrl": jwksURL, "verifier": v, "tokens": tokens})
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	require.NoError(t, cmd.Run(), "verify.mjs: %s", stderr.String())
	var out struct {
		Version string      `json:"version"`
		Results []awsResult `json:"results"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), "verify.mjs printed %q", truncate(stdout.String(), 200))
	require.Equal(t, awsJWTVerifyVersion, out.Version, "aws-jwt-verify version under %s", modules)
	require.Len(t, out.Results, len(tokens))
	return out.Results
}

// TestDifferentialCorpus: every corpus token jwks accepts, aws-jwt-verify
// accepts too; where jwks rejects a token aws-jwt-verify accepts, the
// corpus entry says why (and only there), so the list of places where
// jwks is stricter is complete and stays true.
func TestDifferentialCorpus(t *testing.T) {
	testtools.NodeModule(t, awsJWTVerifyPackage) // skip early without the tool
	corpus := loadCorpus(t)
	srv := jwkstest.NewServer()
	defer srv.Close()
	srv.SetDocument(corpusJWKS(t))
	v := corpusValidator(t, srv.URL())
	tokens := make([]string, len(corpus))
	for i, e := range corpus {
		tokens[i] = e.Token
	}
	theirs := awsVerify(t, srv.URL(), awsVerifier{Kind: "cognito", UserPoolID: hostilePool, TokenUse: "id", ClientID: hostileClient}, tokens)

	stricter := map[string][]string{}
	both := 0
	for i, e := range corpus {
		_, err := v.Validate(context.Background(), e.Token)
		ours, aws := err == nil, theirs[i].Accepted
		name := e.Family + "/" + e.Name
		switch {
		case ours && !aws:
			t.Errorf("%s: jwks accepts a token aws-jwt-verify rejects (%s)", name, theirs[i].Error)
		case !ours && aws && e.Stricter == "":
			t.Errorf("%s: aws-jwt-verify accepts a token jwks rejects (%v), and the corpus does not say why", name, err)
		case e.Stricter != "" && !aws:
			t.Errorf("%s: documented as stricter than aws-jwt-verify, which rejects it too (%s)", name, theirs[i].Error)
		case e.Stricter != "":
			stricter[e.Stricter] = append(stricter[e.Stricter], e.Name)
		case ours && aws:
			both++
		}
	}
	var b strings.Builder
	n := 0
	for _, why := range sorted(stricter) {
		n += len(stricter[why])
		fmt.Fprintf(&b, "\n  - %s: %s", why, strings.Join(stricter[why], "; "))
	}
	t.Logf("figures: %d corpus tokens: %d accepted by both, %d rejected by both, none accepted by jwks alone; "+
		"jwks stricter on %d, for %d reasons:%s", len(corpus), both, len(corpus)-both-n, n, len(stricter), b.String())
}

// TestDifferentialEmulatorTokens: the ID and access tokens the emulated
// pool issues through the store are accepted by both verifiers against the
// emulator's JWKS, and the same tokens with one payload byte changed by
// neither.
func TestDifferentialEmulatorTokens(t *testing.T) {
	testtools.NodeModule(t, awsJWTVerifyPackage) // skip early without the tool
	const users = 5
	a := newAudit(t)
	p := newPool(t, a)
	var ids, accesses []string
	for i := range users {
		name := fmt.Sprintf("diff%d@example.com", i)
		a.username(name)
		sess, err := p.store.Login(context.Background(), name, cognitobridge.CreateOptions{})
		require.NoError(t, a.err(err))
		ids = append(ids, sess.IDToken, tamper(sess.IDToken))
		accesses = append(accesses, sess.AccessToken, tamper(sess.AccessToken))
	}
	for _, tc := range []struct {
		use    string
		tokens []string
		ours   *jwks.Validator
	}{{"id", ids, p.ids}, {"access", accesses, p.access}} {
		theirs := awsVerify(t, p.srv.JWKSURL(), awsVerifier{Kind: "cognito", UserPoolID: p.srv.UserPoolID(), TokenUse: tc.use, ClientID: p.srv.ClientID()}, tc.tokens)
		for i, tok := range tc.tokens {
			_, err := tc.ours.Validate(context.Background(), tok)
			want := i%2 == 0 // every second token is tampered with
			assert.Equal(t, want, err == nil, "%s token %d, jwks: %v", tc.use, i, err)
			assert.Equal(t, want, theirs[i].Accepted, "%s token %d, aws-jwt-verify: %s", tc.use, i, theirs[i].Error)
		}
	}
}

// tamper changes one character in the middle of the payload.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	p := []byte(parts[1])
	i := len(p) / 2
	if p[i] == 'A' {
		p[i] = 'B'
	} else {
		p[i] = 'A'
	}
	parts[1] = string(p)
	return strings.Join(parts, ".")
}

// TestDifferentialRandomClaims signs 1,000 random mutations of a valid
// token (claims deleted, retyped, renamed in other case, duplicated,
// re-encoded; header members changed) with the pool's key and checks the
// one property: jwks accepts none that aws-jwt-verify rejects. It also
// makes sure the mutations leave both verifiers something to accept.
func TestDifferentialRandomClaims(t *testing.T) {
	testtools.LoadTest(t)
	testtools.NodeModule(t, awsJWTVerifyPackage) // skip early without the tool
	const n = 1000
	srv := jwkstest.NewServer()
	defer srv.Close()
	srv.SetDocument(corpusJWKS(t))
	v := corpusValidator(t, srv.URL())
	rng := rand.New(rand.NewPCG(8725, 9))
	sign := rs(rsaKey(t, "main"), crypto.SHA256)
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = jws(mutateObject(rng, `{"alg":"RS256","kid":"main","typ":"JWT"}`, 0.2),
			mutateObject(rng, claimsJSON(nil), 1), sign)
	}
	theirs := awsVerify(t, srv.URL(), awsVerifier{Kind: "cognito", UserPoolID: hostilePool, TokenUse: "id", ClientID: hostileClient}, tokens)
	var both, stricter int
	for i, tok := range tokens {
		_, err := v.Validate(context.Background(), tok)
		switch ours, aws := err == nil, theirs[i].Accepted; {
		case ours && !aws:
			t.Errorf("jwks accepts a token aws-jwt-verify rejects (%s):\n%s", theirs[i].Error, tok)
		case ours && aws:
			both++
		case aws:
			stricter++
		}
	}
	assert.Greater(t, both, n/10, "mutations too destructive: the property is barely tested")
	t.Logf("figures: %d random mutations of a valid token: %d accepted by both, %d by aws-jwt-verify only, %d by neither, none by jwks only",
		n, both, stricter, n-both-stricter)
}

// mutateObject applies a few random edits to a flat JSON object text:
// with probability p at least one.
func mutateObject(rng *rand.Rand, object string, p float64) string {
	var members [][2]string // name, raw value
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(object), &m); err != nil {
		panic(err)
	}
	for _, k := range sorted(m) {
		members = append(members, [2]string{k, string(m[k])})
	}
	edits := 0
	if rng.Float64() < p {
		edits = 1 + rng.IntN(3)
	}
	values := []string{`"x"`, `""`, `0`, `1`, `-1`, `1.5`, `4102444800`, `4.1024448e9`, `1e15`, `1767225600`, `true`,
		`false`, `null`, `[]`, `{}`, `["` + hostileClient + `"]`, `"true"`, `"` + hostileClient + `"`, `"` + hostileIssuer + `"`,
		`"id"`, `"access"`, `"RS256"`, `"none"`, `"main"`, `"4102444800"`, `["exp"]`}
	for range edits {
		i := rng.IntN(len(members))
		name, value := members[i][0], members[i][1]
		switch rng.IntN(9) {
		case 0: // delete
			members = slices.Delete(members, i, i+1)
		case 1: // retype
			members[i][1] = values[rng.IntN(len(values))]
		case 2: // case variant beside the original
			members = append(members, [2]string{caseVariant(rng, name), values[rng.IntN(len(values))]})
		case 3: // case variant instead of the original
			members[i][0] = caseVariant(rng, name)
		case 4: // exact duplicate before or after
			dup := [2]string{name, values[rng.IntN(len(values))]}
			if rng.IntN(2) == 0 {
				members = append(members, dup)
			} else {
				members = slices.Insert(members, 0, dup)
			}
		case 5: // escaped name
			members[i][0] = `\u00` + fmt.Sprintf("%02x", name[0]) + name[1:]
		case 6: // an extra member
			members = append(members, [2]string{[]string{"crit", "jku", "enc", "nbf", "iat", "scope", "x"}[rng.IntN(7)], values[rng.IntN(len(values))]})
		case 7: // whitespace
			members[i][1] = " \n\t" + value + " "
		case 8: // the same value written another way
			if strings.HasPrefix(value, `"`) && len(value) > 2 {
				members[i][1] = `"\u00` + fmt.Sprintf("%02x", value[1]) + value[2:]
			}
		}
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, kv := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + kv[0] + `":` + kv[1])
	}
	b.WriteByte('}')
	return b.String()
}

// caseVariant spells name differently in a way Go's case-insensitive JSON
// matching still takes for name.
func caseVariant(rng *rand.Rand, name string) string {
	switch rng.IntN(4) {
	case 0:
		return strings.ToUpper(name)
	case 1:
		return strings.ToUpper(name[:1]) + name[1:]
	case 2:
		if i := strings.IndexAny(name, "sk"); i >= 0 {
			r := "ſ" // U+017F folds to s
			if name[i] == 'k' {
				r = "\u212a" // KELVIN SIGN folds to k
			}
			return name[:i] + r + name[i+1:]
		}
		return strings.ToUpper(name)
	default:
		b := []byte(name)
		b[len(b)-1] = byte(strings.ToUpper(string(b[len(b)-1]))[0])
		return string(b)
	}
}
