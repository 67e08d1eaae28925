package secrethash

import "testing"

// The expected value is computed independently:
// printf 'alice@example.com1example23456789' | openssl dgst -sha256 -hmac 'secret' -binary | base64
func TestCompute(t *testing.T) {
	got := Compute("secret", "alice@example.com", "1example23456789")
	const want = "H06dvjmPNAadpXDhremkIAF3gE/T+S/wfxC+kCZfkfU="
	if got != want {
		t.Fatalf("Compute = %q, want %q", got, want)
	}
	if !Equal(want, "secret", "alice@example.com", "1example23456789") {
		t.Fatal("Equal rejected the right hash")
	}
	if Equal(want, "secret", "bob@example.com", "1example23456789") {
		t.Fatal("Equal accepted a hash for another user")
	}
}
