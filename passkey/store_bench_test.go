package passkey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey"
)

// The credential stores side by side, at 1k, 10k and 100k users (the last
// only without -short: it writes a 130 MiB JSON file):
//
//	go test -run '^$' -bench 'Store' -count 6 ./passkey | tee new.txt; benchstat new.txt
//
// Each user has one passkey, as the seed's users will.

func benchSizes(b *testing.B) []int {
	if testing.Short() {
		return []int{1_000, 10_000}
	}
	return []int{1_000, 10_000, 100_000}
}

// benchUser is the i-th user of a benchmark store.
func benchUser(i int) *passkey.User {
	c := testCredential(uint32(i))
	return &passkey.User{
		Username:    fmt.Sprintf("user%07d@example.com", i),
		Handle:      []byte(fmt.Sprintf("handle-%025d", i)),
		Sub:         fmt.Sprintf("sub-%032d", i),
		Credentials: []passkey.Credential{c},
	}
}

// writeBenchFile writes a FileStore file of n users into dir.
func writeBenchFile(b *testing.B, dir string, n int) string {
	b.Helper()
	users := make([]*passkey.User, n)
	for i := range users {
		users[i] = benchUser(i)
	}
	raw, err := json.Marshal(users)
	require.NoError(b, err)
	doc, err := json.Marshal(map[string]any{"version": 2, "users": json.RawMessage(raw)})
	require.NoError(b, err)
	path := filepath.Join(dir, "passkeys.json")
	require.NoError(b, os.WriteFile(path, doc, 0o600))
	return path
}

// benchStores opens, for n users, each kind of embedded store: the JSON
// FileStore, and the BoltStore made from the same file.
func benchStores(b *testing.B, n int) map[string]func(b *testing.B) (passkey.CredentialStore, string) {
	return map[string]func(b *testing.B) (passkey.CredentialStore, string){
		"file": func(b *testing.B) (passkey.CredentialStore, string) {
			path := writeBenchFile(b, b.TempDir(), n)
			s, err := passkey.OpenFileStore(path)
			require.NoError(b, err)
			return s, path
		},
		"bolt": func(b *testing.B) (passkey.CredentialStore, string) {
			path := writeBenchFile(b, b.TempDir(), n) // migrated by the open
			s, err := passkey.OpenBoltStore(path)
			require.NoError(b, err)
			b.Cleanup(func() { s.Close() })
			return s, path
		},
	}
}

// loginWrite is a login's write: the counter and last use of one
// credential, through UpdateUser.
func loginWrite(ctx context.Context, s passkey.CredentialStore, i int) error {
	u := benchUser(i)
	return s.UpdateUser(ctx, u.Username, func(u *passkey.User) error {
		u.Credentials[0].SignCount++
		u.Credentials[0].LastUsed = time.Now()
		return nil
	})
}

// eachStore runs f as a sub-benchmark for each kind of store at each size,
// on a store of n users at path that the sub-benchmark opened.
func eachStore(b *testing.B, f func(b *testing.B, kind string, n int, s passkey.CredentialStore, path string)) {
	for _, n := range benchSizes(b) {
		for _, kind := range []string{"file", "bolt"} {
			b.Run(fmt.Sprintf("store=%s/users=%d", kind, n), func(b *testing.B) {
				s, path := benchStores(b, n)[kind](b)
				f(b, kind, n, s, path)
			})
		}
	}
}

func BenchmarkStoreLoginWrite(b *testing.B) {
	ctx := context.Background()
	eachStore(b, func(b *testing.B, _ string, n int, s passkey.CredentialStore, _ string) {
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := loginWrite(ctx, s, rand.IntN(n)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkStoreLookup(b *testing.B) {
	ctx := context.Background()
	eachStore(b, func(b *testing.B, _ string, n int, s passkey.CredentialStore, _ string) {
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := s.UserByHandle(ctx, benchUser(rand.IntN(n)).Handle); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkStoreOpen(b *testing.B) {
	eachStore(b, func(b *testing.B, kind string, n int, s passkey.CredentialStore, path string) {
		if c, ok := s.(interface{ Close() error }); ok {
			require.NoError(b, c.Close())
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			switch kind {
			case "file":
				if _, err := passkey.OpenFileStore(path); err != nil {
					b.Fatal(err)
				}
			case "bolt":
				s, err := passkey.OpenBoltStore(path)
				if err != nil {
					b.Fatal(err)
				}
				// The first lookup pages the indexes in: part of
				// being ready.
				if _, err := s.UserByHandle(context.Background(), benchUser(n/2).Handle); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		}
	})
}

// BenchmarkStoreLookupDuringWrites measures lookups while another
// goroutine writes logins without pause: the slowest lookup
// (max-lookup-ns), the 99th percentile (p99-lookup-ns), beside the time
// of one write (write-ns), measured in the same run.
func BenchmarkStoreLookupDuringWrites(b *testing.B) {
	ctx := context.Background()
	eachStore(b, func(b *testing.B, _ string, n int, s passkey.CredentialStore, _ string) {
		var (
			stop        atomic.Bool
			writes      atomic.Int64
			writeNanos  atomic.Int64
			writerDone  sync.WaitGroup
			lookupNanos []time.Duration
		)
		writerDone.Go(func() {
			for !stop.Load() {
				start := time.Now()
				if err := loginWrite(ctx, s, rand.IntN(n)); err != nil {
					panic(err)
				}
				writeNanos.Add(int64(time.Since(start)))
				writes.Add(1)
			}
		})
		b.ResetTimer()
		for b.Loop() {
			start := time.Now()
			if _, err := s.UserByHandle(ctx, benchUser(rand.IntN(n)).Handle); err != nil {
				b.Fatal(err)
			}
			lookupNanos = append(lookupNanos, time.Since(start))
		}
		b.StopTimer()
		stop.Store(true)
		writerDone.Wait()
		slices.Sort(lookupNanos)
		b.ReportMetric(float64(lookupNanos[len(lookupNanos)-1]), "max-lookup-ns")
		b.ReportMetric(float64(lookupNanos[len(lookupNanos)*99/100]), "p99-lookup-ns")
		if w := writes.Load(); w > 0 {
			b.ReportMetric(float64(writeNanos.Load())/float64(w), "write-ns")
		}
	})
}

// BenchmarkStateCeremony is the state a ceremony keeps: a create at its
// begin and a take at its finish, with a value of a begin's size.
func BenchmarkStateCeremony(b *testing.B) {
	ctx := context.Background()
	value := randomBytes(600)
	for _, kind := range []string{"memory", "dynamodb"} {
		b.Run("state="+kind, func(b *testing.B) {
			s := benchState(b, kind, nil)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				key := fmt.Sprintf("ceremony/%d", i)
				if err := s.Create(ctx, passkey.StateEntry{Key: key, Value: value, Expires: time.Now().Add(5 * time.Minute), Client: "127.0.0.1"}); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Take(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchState returns a StateStore of the kind ("memory", or "dynamodb": a
// DynamoState on a fresh dynalite) whose entries expire by now (nil:
// time.Now). The budgets are out of the way: a benchmark's iterations,
// all from one client, would fill them.
func benchState(b *testing.B, kind string, now func() time.Time) passkey.StateStore {
	b.Helper()
	switch kind {
	case "memory":
		return passkey.NewMemoryState(passkey.MemoryStateConfig{MaxPerClient: 1 << 30, Now: now})
	case "dynamodb":
		client := newDynalite(b)
		table := freshTable("state")
		createTable(b, client, passkey.DynamoStateTableInput(table))
		s, err := passkey.NewDynamoState(passkey.DynamoStateConfig{Client: client, Table: table, Now: now, MaxPerClient: 1 << 30})
		require.NoError(b, err)
		return s
	}
	b.Fatalf("no state store %q", kind)
	return nil
}
