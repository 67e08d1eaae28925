package passkey_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/passkey"
)

// newStateFunc returns a fresh, empty store with a per-client budget of
// perClient, on clock.
type newStateFunc func(t *testing.T, clock *testtools.Clock, perClient int) passkey.StateStore

func TestMemoryState(t *testing.T) {
	stateContract(t, func(_ *testing.T, clock *testtools.Clock, perClient int) passkey.StateStore {
		return passkey.NewMemoryState(passkey.MemoryStateConfig{MaxPerClient: perClient, Now: clock.Now})
	}, true)
}

func TestDynamoState(t *testing.T) {
	client := newDynalite(t) // one emulator, a table per test
	stateContract(t, func(t *testing.T, clock *testtools.Clock, perClient int) passkey.StateStore {
		return newDynamoState(t, client, clock, perClient)
	}, false)
}

func newDynamoState(t *testing.T, client *dynamodb.Client, clock *testtools.Clock, perClient int) *passkey.DynamoState {
	t.Helper()
	table := freshTable("state")
	createTable(t, client, passkey.DynamoStateTableInput(table))
	s, err := passkey.NewDynamoState(passkey.DynamoStateConfig{Client: client, Table: table, Now: clock.Now, MaxPerClient: perClient})
	require.NoError(t, err)
	return s
}

// stateContract checks the promises of StateStore against fresh stores
// from newState. evictsOldest: past its budget a client's oldest entries
// go (memory); otherwise the client gets ErrBusy (DynamoDB).
func stateContract(t *testing.T, newState newStateFunc, evictsOldest bool) {
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	fresh := func(t *testing.T) (passkey.StateStore, *testtools.Clock) {
		clock := testtools.NewClock(start)
		return newState(t, clock, 4), clock
	}

	t.Run("take once", func(t *testing.T) {
		s, clock := fresh(t)
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "k", Value: []byte("v"), Expires: clock.Now().Add(time.Minute), Client: "c"}))
		v, err := s.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, []byte("v"), v)
		v, err = s.Take(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, []byte("v"), v)
		_, err = s.Take(ctx, "k")
		assert.ErrorIs(t, err, passkey.ErrStateNotFound)
		_, err = s.Get(ctx, "k")
		assert.ErrorIs(t, err, passkey.ErrStateNotFound)
		_, err = s.Take(ctx, "never")
		assert.ErrorIs(t, err, passkey.ErrStateNotFound)
	})

	t.Run("no overwrite", func(t *testing.T) {
		s, clock := fresh(t)
		exp := clock.Now().Add(time.Minute)
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "k", Value: []byte("first"), Expires: exp}))
		assert.ErrorIs(t, s.Create(ctx, passkey.StateEntry{Key: "k", Value: []byte("second"), Expires: exp.Add(time.Hour)}), passkey.ErrStateExists)
		v, err := s.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, []byte("first"), v)
	})

	t.Run("expiry", func(t *testing.T) {
		s, clock := fresh(t)
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "short", Value: []byte("1"), Expires: clock.Now().Add(time.Minute)}))
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "long", Value: []byte("2"), Expires: clock.Now().Add(time.Hour)}))
		clock.Advance(time.Minute - time.Millisecond)
		_, err := s.Get(ctx, "short")
		require.NoError(t, err, "not expired yet")
		clock.Advance(time.Millisecond)
		_, err = s.Get(ctx, "short")
		assert.ErrorIs(t, err, passkey.ErrStateNotFound)
		_, err = s.Take(ctx, "short")
		assert.ErrorIs(t, err, passkey.ErrStateNotFound)
		v, err := s.Take(ctx, "long")
		require.NoError(t, err)
		assert.Equal(t, []byte("2"), v)
		// An expired key may be created anew.
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "again", Value: []byte("old"), Expires: clock.Now().Add(time.Second)}))
		clock.Advance(time.Second)
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "again", Value: []byte("new"), Expires: clock.Now().Add(time.Second)}))
		v, err = s.Get(ctx, "again")
		require.NoError(t, err)
		assert.Equal(t, []byte("new"), v)
	})

	t.Run("delete", func(t *testing.T) {
		s, clock := fresh(t)
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "k", Value: []byte("v"), Expires: clock.Now().Add(time.Minute)}))
		_, err := s.Add(ctx, "n", 3, clock.Now().Add(time.Minute))
		require.NoError(t, err)
		require.NoError(t, s.Delete(ctx, "k"))
		require.NoError(t, s.Delete(ctx, "n"))
		require.NoError(t, s.Delete(ctx, "never"))
		_, err = s.Get(ctx, "k")
		assert.ErrorIs(t, err, passkey.ErrStateNotFound)
		n, err := s.Add(ctx, "n", 1, clock.Now().Add(time.Minute))
		require.NoError(t, err)
		assert.EqualValues(t, 1, n, "a deleted counter starts again")
	})

	t.Run("counters", func(t *testing.T) {
		s, clock := fresh(t)
		exp := clock.Now().Add(time.Minute)
		n, err := s.Add(ctx, "n", 1, exp)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		clock.Advance(30 * time.Second)
		n, err = s.Add(ctx, "n", 5, clock.Now().Add(time.Hour)) // keeps its first expiry
		require.NoError(t, err)
		assert.EqualValues(t, 6, n)
		n, err = s.Add(ctx, "n", -2, clock.Now().Add(time.Hour))
		require.NoError(t, err)
		assert.EqualValues(t, 4, n)
		clock.Advance(30 * time.Second)
		n, err = s.Add(ctx, "n", 1, clock.Now().Add(time.Minute))
		require.NoError(t, err)
		assert.EqualValues(t, 1, n, "an expired counter starts from zero")

		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "entry", Value: []byte("v"), Expires: clock.Now().Add(time.Minute)}))
		_, err = s.Add(ctx, "entry", 1, clock.Now().Add(time.Minute))
		assert.ErrorIs(t, err, passkey.ErrStateExists, "an entry is no counter")
		v, err := s.Get(ctx, "entry")
		require.NoError(t, err)
		assert.Equal(t, []byte("v"), v)
	})

	t.Run("concurrent takes: exactly one wins", func(t *testing.T) {
		s, clock := fresh(t)
		const n = 16
		for round := range 3 {
			key := fmt.Sprintf("ceremony-%d", round)
			require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: key, Value: []byte("secret"), Expires: clock.Now().Add(time.Minute)}))
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				wins int
			)
			for range n {
				wg.Go(func() {
					v, err := s.Take(ctx, key)
					if err != nil {
						assert.ErrorIs(t, err, passkey.ErrStateNotFound)
						return
					}
					assert.Equal(t, []byte("secret"), v)
					mu.Lock()
					wins++
					mu.Unlock()
				})
			}
			wg.Wait()
			assert.Equal(t, 1, wins)
		}
	})

	t.Run("concurrent creates: exactly one wins", func(t *testing.T) {
		s, clock := fresh(t)
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Create(ctx, passkey.StateEntry{Key: "k", Value: []byte{byte(i)}, Expires: clock.Now().Add(time.Minute)})
			})
		}
		wg.Wait()
		winner := slices.IndexFunc(errs, func(err error) bool { return err == nil })
		require.NotEqual(t, -1, winner)
		for i, err := range errs {
			if i != winner {
				assert.ErrorIs(t, err, passkey.ErrStateExists)
			}
		}
		v, err := s.Take(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, []byte{byte(winner)}, v)
	})

	t.Run("concurrent adds", func(t *testing.T) {
		s, clock := fresh(t)
		const n = 16
		got := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				v, err := s.Add(ctx, "n", 1, clock.Now().Add(time.Minute))
				assert.NoError(t, err)
				got[i] = v
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, v := range got {
			assert.EqualValues(t, i+1, v, "every add saw its own value")
		}
	})

	t.Run("a client past its budget costs others nothing", func(t *testing.T) {
		s, clock := fresh(t) // a budget of 4
		exp := clock.Now().Add(time.Minute)
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "bob", Value: []byte("b"), Expires: exp, Client: "10.0.0.2"}))
		var busy int
		for i := range 10 {
			err := s.Create(ctx, passkey.StateEntry{Key: "flood-" + strconv.Itoa(i), Value: []byte("x"), Expires: exp, Client: "10.0.0.1"})
			if evictsOldest {
				require.NoError(t, err)
			} else if err != nil {
				assert.ErrorIs(t, err, passkey.ErrBusy)
				busy++
			}
		}
		if evictsOldest {
			_, err := s.Get(ctx, "flood-0")
			assert.ErrorIs(t, err, passkey.ErrStateNotFound, "the flood's oldest went")
			_, err = s.Get(ctx, "flood-9")
			assert.NoError(t, err, "the flood's newest stays")
		} else {
			assert.Equal(t, 6, busy)
		}
		v, err := s.Take(ctx, "bob")
		require.NoError(t, err, "another client's entry stays")
		assert.Equal(t, []byte("b"), v)
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "bob-2", Value: []byte("b"), Expires: exp, Client: "10.0.0.2"}),
			"and another client still creates")
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "nobody's", Value: []byte("b"), Expires: exp}),
			"entries of no client count against no budget")
	})
}

func TestMemoryStateBounds(t *testing.T) {
	ctx := context.Background()
	clock := testtools.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	s := passkey.NewMemoryState(passkey.MemoryStateConfig{MaxEntries: 3, MaxPerClient: 2, Now: clock.Now})
	exp := clock.Now().Add(time.Minute)
	require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "a", Expires: exp, Client: "1"}))
	require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "b", Expires: exp, Client: "2"}))
	_, err := s.Add(ctx, "n", 1, exp)
	require.NoError(t, err)
	assert.ErrorIs(t, s.Create(ctx, passkey.StateEntry{Key: "c", Expires: exp, Client: "3"}), passkey.ErrBusy, "the total is bounded")
	_, err = s.Add(ctx, "m", 1, exp)
	assert.ErrorIs(t, err, passkey.ErrBusy)
	assert.ErrorIs(t, s.Create(ctx, passkey.StateEntry{Key: "a2", Expires: exp, Client: "1"}), passkey.ErrBusy,
		"within its budget, a client's entries stay")
	_, err = s.Take(ctx, "a")
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "a2", Expires: exp, Client: "1"}))
	assert.Equal(t, 3, s.Len())
}

func TestMemoryStateSweeps(t *testing.T) {
	ctx := context.Background()
	clock := testtools.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	s := passkey.NewMemoryState(passkey.MemoryStateConfig{MaxEntries: 1000, MaxPerClient: 1000, Now: clock.Now})
	for i := range 1000 {
		_, err := s.Add(ctx, strconv.Itoa(i), 1, clock.Now().Add(time.Duration(i%10+1)*time.Second))
		require.NoError(t, err)
	}
	clock.Advance(5 * time.Second)
	require.NoError(t, s.Delete(ctx, "none"))
	assert.Equal(t, 500, s.Len(), "the expired half is gone, the rest is kept")
	clock.Advance(5 * time.Second)
	_, err := s.Get(ctx, "none")
	assert.ErrorIs(t, err, passkey.ErrStateNotFound)
	assert.Zero(t, s.Len())
	// Room again for a full store.
	for i := range 1000 {
		require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: strconv.Itoa(i), Expires: clock.Now().Add(time.Second), Client: "c"}))
	}
}

func TestMemoryStateCopies(t *testing.T) {
	ctx := context.Background()
	s := passkey.NewMemoryState(passkey.MemoryStateConfig{})
	v := []byte("value")
	require.NoError(t, s.Create(ctx, passkey.StateEntry{Key: "k", Value: v, Expires: time.Now().Add(time.Minute)}))
	v[0] = 'X'
	got, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("value"), got)
	got[0] = 'Y'
	got, err = s.Take(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("value"), got)
}

func TestNewDynamoState(t *testing.T) {
	_, err := passkey.NewDynamoState(passkey.DynamoStateConfig{MaxPerClient: -1})
	require.Error(t, err)
	for _, want := range []string{"Client is nil", "Table is empty", "negative"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestDynamoStateErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name            string
		err             error
		wantUnavailable bool
	}{
		{name: "throttled", err: &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, wantUnavailable: true},
		{name: "missing table", err: &types.ResourceNotFoundException{Message: aws.String("no table")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := passkey.NewDynamoState(passkey.DynamoStateConfig{Client: failingDynamo{tt.err}, Table: "t"})
			require.NoError(t, err)
			exp := time.Now().Add(time.Minute)
			errs := []error{
				s.Create(ctx, passkey.StateEntry{Key: "k", Expires: exp, Client: "c"}),
				s.Create(ctx, passkey.StateEntry{Key: "k", Expires: exp}),
				func() error { _, err := s.Take(ctx, "k"); return err }(),
				func() error { _, err := s.Get(ctx, "k"); return err }(),
				s.Delete(ctx, "k"),
				func() error { _, err := s.Add(ctx, "k", 1, exp); return err }(),
			}
			for _, err := range errs {
				assert.ErrorIs(t, err, tt.err)
				assert.Equal(t, tt.wantUnavailable, errors.Is(err, passkey.ErrUnavailable), err.Error())
				assert.NotErrorIs(t, err, passkey.ErrStateNotFound)
			}
		})
	}
}
