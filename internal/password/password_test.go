package password

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerate(t *testing.T) {
	for range 1000 {
		pw, err := Generate()
		require.NoError(t, err)
		require.Len(t, pw, Length)
		for _, class := range []string{Upper, Lower, Digits, Symbols} {
			assert.True(t, strings.ContainsAny(pw, class), "password lacks one of %q", class)
		}
		for _, c := range pw {
			require.True(t, strings.ContainsRune(Alphabet, c), "unexpected character %q", c)
		}
	}
}

func TestAlphabet(t *testing.T) {
	// Cognito's documented special characters, one by one, space excluded.
	cognito := []string{"^", "$", "*", ".", "[", "]", "{", "}", "(", ")", "?", `"`, "!", "@", "#", "%",
		"&", "/", `\`, ",", ">", "<", "'", ":", ";", "|", "_", "~", "`", "=", "+", "-"}
	assert.Equal(t, strings.Join(cognito, ""), Symbols)
	seen := map[rune]bool{}
	for _, c := range Alphabet {
		assert.False(t, seen[c], "duplicate %q", c)
		seen[c] = true
	}
	assert.Len(t, Alphabet, 94) // every printable ASCII character but space
}

func TestGenerateErrors(t *testing.T) {
	boom := errors.New("entropy gone")
	tests := []struct {
		name    string
		r       io.Reader
		length  int
		wantErr error
	}{
		{name: "reader fails", r: failingReader{boom}, length: Length, wantErr: boom},
		{name: "reader runs dry", r: bytes.NewReader(make([]byte, 10)), length: Length, wantErr: io.ErrUnexpectedEOF},
		{name: "too short", r: rand.Reader, length: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := generate(tt.r, tt.length)
			require.Error(t, err)
			assert.Empty(t, pw)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
}

func TestUniformRejectsBiasedBytes(t *testing.T) {
	// 256 % 94 = 68, so bytes 188..255 must be thrown away, not folded.
	in := make([]byte, 64)
	in[0], in[1], in[2] = 255, 188, 187
	u := newUniform(bytes.NewReader(in))
	n, err := u.intn(94)
	require.NoError(t, err)
	assert.Equal(t, 187%94, n)
}

// The statistical checks below have a false-failure rate of about one in a
// million each; each is shown to catch a realistic bug further down.
const (
	samples = 20000
	// χ² critical value at p ≈ 1e-6 (Wilson–Hilferty) for 93 degrees of
	// freedom: the characters of the alphabet.
	critical93 = 173.0
)

// positionsDF is the degrees of freedom of the position check: every
// position holds one of four classes.
const positionsDF = Length * (len(classes) - 1)

// criticalPositions is the χ² critical value at p ≈ 1e-6 for positionsDF
// (Wilson–Hilferty, z = 4.753): 177 for the 96 of 32-character passwords.
var criticalPositions = func() float64 {
	k := float64(positionsDF)
	a := 2 / (9 * k)
	return k * math.Pow(1-a+4.753*math.Sqrt(a), 3)
}()

func TestCharacterFrequencies(t *testing.T) {
	stat := characterChiSquare(t, func() (string, error) { return Generate() })
	t.Logf("chi-square %.1f (93 degrees of freedom, critical %.0f)", stat, critical93)
	assert.Less(t, stat, critical93, "characters are not uniform within their classes")
}

func TestMandatoryPositionsAreRandom(t *testing.T) {
	stat := positionChiSquare(t, func() (string, error) { return Generate() })
	t.Logf("chi-square %.1f (%d degrees of freedom, critical %.0f)", stat, positionsDF, criticalPositions)
	assert.Less(t, stat, criticalPositions, "character classes cluster on some positions")
}

// TestStatisticsCatchBugs proves the two checks above can fail: a modulo-
// biased draw and a missing shuffle are both flagged.
func TestStatisticsCatchBugs(t *testing.T) {
	moduloBiased := func() (string, error) {
		b := make([]byte, Length)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		for i := range b {
			set := Alphabet
			if i < len(classes) {
				set = classes[i]
			}
			b[i] = set[int(b[i])%len(set)]
		}
		return string(b), nil
	}
	unshuffled := func() (string, error) {
		pw, err := Generate()
		if err != nil {
			return "", err
		}
		// Put one character of each class back in front, as an implementation
		// without the shuffle would leave them.
		out := []byte(pw)
		for i, class := range classes {
			j := i + strings.IndexAny(string(out[i:]), class)
			out[i], out[j] = out[j], out[i]
		}
		return string(out), nil
	}
	biased, fixed := characterChiSquare(t, moduloBiased), positionChiSquare(t, unshuffled)
	t.Logf("modulo bias: chi-square %.0f; no shuffle: chi-square %.0f", biased, fixed)
	assert.Greater(t, biased, critical93)
	assert.Greater(t, fixed, criticalPositions)
}

// characterChiSquare compares how often each character occurs with what a
// correct generator gives: one draw from its class plus Length-4 draws from
// the whole alphabet per password.
func characterChiSquare(t *testing.T, gen func() (string, error)) float64 {
	t.Helper()
	counts := map[byte]int{}
	for range samples {
		pw, err := gen()
		require.NoError(t, err)
		for i := range len(pw) {
			counts[pw[i]]++
		}
	}
	var stat float64
	for _, class := range classes {
		for i := range len(class) {
			want := samples * (1/float64(len(class)) + float64(Length-len(classes))/float64(len(Alphabet)))
			d := float64(counts[class[i]]) - want
			stat += d * d / want
		}
	}
	return stat
}

// positionChiSquare checks that every position holds each class equally
// often: after a uniform shuffle a position sees a random one of the drawn
// characters.
func positionChiSquare(t *testing.T, gen func() (string, error)) float64 {
	t.Helper()
	var counts [Length][len(classes)]int
	for range samples {
		pw, err := gen()
		require.NoError(t, err)
		for pos := range len(pw) {
			for k, class := range classes {
				if strings.IndexByte(class, pw[pos]) >= 0 {
					counts[pos][k]++
				}
			}
		}
	}
	var stat float64
	for pos := range counts {
		for k, class := range classes {
			p := (1 + float64(Length-len(classes))*float64(len(class))/float64(len(Alphabet))) / Length
			want := samples * p
			d := float64(counts[pos][k]) - want
			stat += d * d / want
		}
	}
	return stat
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(); err != nil {
			b.Fatal(err)
		}
	}
}
