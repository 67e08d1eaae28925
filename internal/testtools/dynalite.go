package testtools

import (
	"os/exec"
	"strconv"
	"testing"
)

// DynaliteScript is dynalite's command-line entry point inside the npm tree
// (its package.json "bin"). .ci/run installs dynalite@4.0.0.
const DynaliteScript = "dynalite/cli.js"

// StartDynalite starts dynalite, an independent DynamoDB emulator written in
// Node, on a free loopback port, keeping its tables in memory (so every call
// starts empty), waits until it answers, and stops it when the test ends. It
// returns the endpoint, such as http://127.0.0.1:40123, for the SDK's
// BaseEndpoint. CreateTable returns before the table is ACTIVE, as on AWS:
// wait for it (dynamodb.NewTableExistsWaiter with a short MinDelay).
//
// When dynalite or node is missing the test is skipped, or fails under
// CI=true (see Missing).
func StartDynalite(t testing.TB) string {
	t.Helper()
	node, script := NodeModule(t, DynaliteScript)
	if node == "" {
		return "" // Missing has skipped or failed the test
	}
	port, release, err := freePort()
	if err != nil {
		t.Fatalf("testtools: free port: %v", err)
	}
	defer release() // once the tool listens

	out := &tailBuffer{max: 16 << 10}
	cmd := exec.Command(node, script,
		"--host", "127.0.0.1",
		"--port", strconv.Itoa(port),
		// Without these, new tables stay CREATING for half a second and
		// every test would have to wait for them.
		"--createTableMs", "0",
		"--deleteTableMs", "0",
		"--updateTableMs", "0",
	)
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = out, out
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	// dynalite answers GET / with 200 "healthy: dynamodb.<region>.amazonaws.com".
	runService(t, "dynalite", cmd, out, endpoint+"/")
	return endpoint
}
