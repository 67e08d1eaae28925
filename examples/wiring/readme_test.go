package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestREADMEQuotesThisProgram keeps the README's wiring snippet the code
// that compiles and runs here: the first Go block of the section "Wiring
// it into real AWS" must be a run of lines of main.go.
func TestREADMEQuotesThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)

	text := string(readme)
	i := strings.Index(text, "## Wiring it into real AWS")
	require.GreaterOrEqual(t, i, 0, "README has no wiring section")
	text = text[i:]
	start := strings.Index(text, "```go\n")
	require.GreaterOrEqual(t, start, 0, "the wiring section has no Go block")
	text = text[start+len("```go\n"):]
	end := strings.Index(text, "```")
	require.Greater(t, end, 0)
	quote := text[:end]

	require.Greater(t, strings.Count(quote, "\n"), 20, "the quote is not the program")
	require.Contains(t, string(src), quote, "README's wiring snippet differs from examples/wiring/main.go")
}
