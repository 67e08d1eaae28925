package passkey_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAddedNoticeNamesProvider: the notice of a registration names the
// passkey as the passkey list and the notice of a deletion do: by its
// provider, when the AAGUID is a known one.
func TestAddedNoticeNamesProvider(t *testing.T) {
	h := newHarness(t)
	const ada = "ada@example.com"
	a := h.authenticator()
	a.aaguid = []byte{0xba, 0xda, 0x55, 0x66, 0xa7, 0xaa, 0x40, 0x1f, 0xbd, 0x96, 0x45, 0x61, 0x9a, 0x55, 0x12, 0x0d} // 1Password
	h.register(a, h.signUp(ada).Grant)
	n := h.notice(ada)
	assert.Contains(t, n.Subject, "added")
	assert.Contains(t, n.Text, `A passkey ("1Password") was added`)

	// A passkey of an unknown provider stays unnamed.
	const bob = "bob@example.com"
	h.register(h.authenticator(), h.signUp(bob).Grant)
	n = h.notice(bob)
	assert.Contains(t, n.Text, "A passkey was added")
}
