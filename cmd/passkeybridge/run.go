package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/passkeybridge/bridge/cmd/passkeybridge/internal/wire"
)

// Exit statuses.
const (
	exitOK       = 0
	exitProblems = 1 // check: not wired; setup: refused or failed
	exitUsage    = 2 // bad arguments; check: could not read the pool
)

// clientsFunc returns the API clients for a pool; tests give their own.
type clientsFunc func(ctx context.Context, poolID string) (wire.CognitoAPI, wire.LambdaAPI, error)

const usage = `usage:
  passkeybridge setup --user-pool-id ID --client-id ID --lambda-arn ARN [--dry-run] [--attribute NAME] [--replace-triggers]
  passkeybridge check --user-pool-id ID --client-id ID [--lambda-arn ARN] [--attribute NAME] [--json]
  passkeybridge key
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, clients clientsFunc) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "setup":
		return setup(ctx, args[1:], stdout, stderr, clients)
	case "check":
		return check(ctx, args[1:], stdout, stderr, clients)
	case "key":
		return key(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "passkeybridge: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

// poolFlags are the flags setup and check share.
type poolFlags struct {
	poolID, clientID, lambdaARN, attribute string
}

func newFlagSet(name string, stderr io.Writer, pf *poolFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("passkeybridge "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&pf.poolID, "user-pool-id", "", "the user pool's ID, such as eu-west-1_AbC123 (required)")
	fs.StringVar(&pf.clientID, "client-id", "", "the ID of the app client the library uses (required)")
	fs.StringVar(&pf.attribute, "attribute", wire.DefaultAttribute, "the custom attribute marking users the library created, without custom:")
	return fs
}

// parse parses the flags and refuses stray arguments and missing
// required flags.
func parse(fs *flag.FlagSet, args []string, required func() map[string]string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if required == nil {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(required())) {
		if required()[name] == "" {
			return fmt.Errorf("--%s is required", name)
		}
	}
	return nil
}

func setup(ctx context.Context, args []string, stdout, stderr io.Writer, clients clientsFunc) int {
	var pf poolFlags
	fs := newFlagSet("setup", stderr, &pf)
	fs.StringVar(&pf.lambdaARN, "lambda-arn", "", "the ARN of the function serving the three custom-auth triggers (required)")
	dryRun := fs.Bool("dry-run", false, "print what would change and change nothing")
	replace := fs.Bool("replace-triggers", false, "replace custom-auth triggers that point at another function")
	if err := parse(fs, args, func() map[string]string {
		return map[string]string{"user-pool-id": pf.poolID, "client-id": pf.clientID, "lambda-arn": pf.lambdaARN}
	}); err != nil {
		return usageError(stderr, err)
	}
	cog, lam, err := clients(ctx, pf.poolID)
	if err != nil {
		return failure(stderr, exitProblems, err)
	}
	plan, err := wire.NewPlan(ctx, cog, lam, wire.Options{
		UserPoolID: pf.poolID, ClientID: pf.clientID, LambdaARN: pf.lambdaARN,
		Attribute: pf.attribute, ReplaceTriggers: *replace,
	})
	if err != nil {
		return failure(stderr, exitProblems, err)
	}
	if err := plan.WriteDiff(stdout); err != nil {
		return failure(stderr, exitProblems, err)
	}
	if *dryRun || plan.Empty() {
		if *dryRun && !plan.Empty() {
			fmt.Fprintln(stdout, "dry run: nothing changed")
		}
		return exitOK
	}
	if err := plan.Apply(ctx, cog, lam); err != nil {
		return failure(stderr, exitProblems, err)
	}
	fmt.Fprintf(stdout, "done: %d setting(s) changed; run passkeybridge check to see what setup cannot change\n", len(plan.Changes))
	return exitOK
}

func check(ctx context.Context, args []string, stdout, stderr io.Writer, clients clientsFunc) int {
	var pf poolFlags
	fs := newFlagSet("check", stderr, &pf)
	fs.StringVar(&pf.lambdaARN, "lambda-arn", "", "the function the triggers must point at (default: whichever they name)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args, func() map[string]string {
		return map[string]string{"user-pool-id": pf.poolID, "client-id": pf.clientID}
	}); err != nil {
		return usageError(stderr, err)
	}
	cog, lam, err := clients(ctx, pf.poolID)
	if err != nil {
		return failure(stderr, exitUsage, err)
	}
	report, err := wire.Check(ctx, cog, lam, wire.CheckOptions{
		UserPoolID: pf.poolID, ClientID: pf.clientID, LambdaARN: pf.lambdaARN, Attribute: pf.attribute,
	})
	if err != nil {
		return failure(stderr, exitUsage, err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	} else {
		err = report.WriteText(stdout)
	}
	if err != nil {
		return failure(stderr, exitUsage, err)
	}
	if !report.OK {
		return exitProblems
	}
	return exitOK
}

func key(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("passkeybridge key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parse(fs, args, nil); err != nil {
		return usageError(stderr, err)
	}
	k, err := wire.NewKey()
	if err != nil {
		return failure(stderr, exitProblems, err)
	}
	fmt.Fprintln(stdout, k)
	return exitOK
}

func usageError(stderr io.Writer, err error) int {
	if !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stderr, "passkeybridge: %v\n%s", err, usage)
	}
	return exitUsage
}

func failure(stderr io.Writer, code int, err error) int {
	fmt.Fprintf(stderr, "passkeybridge: %v\n", err)
	return code
}
