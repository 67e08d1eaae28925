//go:build !(linux || darwin)

package testtools

// freePort returns a port from Listen(":0"); see freeport.go for the race
// this leaves open where flock and the ephemeral range are at hand.
func freePort() (int, func(), error) { return anyPort() }
