package passkey_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/passkeybridge/bridge/passkey"
)

// openBolt opens a BoltStore at path and closes it when the test ends.
func openBolt(t testing.TB, path string) *passkey.BoltStore {
	t.Helper()
	s, err := passkey.OpenBoltStore(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestBoltStore(t *testing.T) {
	storeContract(t, func(t *testing.T) passkey.CredentialStore {
		return openBolt(t, filepath.Join(t.TempDir(), "passkeys.db"))
	})
}

func TestBoltStoreSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "passkeys.db")
	s, err := passkey.OpenBoltStore(path)
	require.NoError(t, err)
	h := randomBytes(32)
	c := testCredential(1)
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c))
	require.NoError(t, s.UpdateUser(ctx, "ada@example.com", signCountRule(c.ID, 2)))
	require.NoError(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), "sub-bob", testCredential(0)))
	require.NoError(t, s.Close())

	_, err = s.UserByName(ctx, "ada@example.com")
	assert.Error(t, err, "a closed store answers nothing")

	reopened := openBolt(t, path)
	u, err := reopened.UserByHandle(ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", u.Username)
	assert.EqualValues(t, 2, credentialByID(t, u, c.ID).SignCount)
	u, err = reopened.UserBySub(ctx, "sub-bob")
	require.NoError(t, err)
	assert.Equal(t, "bob@example.com", u.Username)
	assert.ErrorIs(t, reopened.AddCredential(ctx, "eve@example.com", randomBytes(32), "", c), passkey.ErrCredentialExists)

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	info, err = os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
}

func TestBoltStoreMigratesFileStore(t *testing.T) {
	ctx := context.Background()
	t.Run("version 1", func(t *testing.T) {
		orig, err := os.ReadFile(filepath.Join("testdata", "filestore-v1.json"))
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "passkeys.json")
		require.NoError(t, os.WriteFile(path, orig, 0o600))

		s := openBolt(t, path)
		checkLegacyUsers(t, s, "filestore-v1-keys.json")
		kept, err := os.ReadFile(path + ".filestore")
		require.NoError(t, err)
		assert.Equal(t, orig, kept, "the JSON file is kept as it was")
		require.NoError(t, s.Close())

		// Opened again, the file is bbolt's and stays as it is.
		s = openBolt(t, path)
		checkLegacyUsers(t, s, "filestore-v1-keys.json")
		require.NoError(t, s.UpdateUser(ctx, "ada@example.com", bindSub("sub-ada")))
		u, err := s.UserBySub(ctx, "sub-ada")
		require.NoError(t, err)
		assert.Len(t, u.Credentials, 2)
	})

	t.Run("version 2", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "passkeys.json")
		fs, err := passkey.OpenFileStore(path)
		require.NoError(t, err)
		h := randomBytes(32)
		c := testCredential(7)
		c.Name = "Phone"
		require.NoError(t, fs.AddCredential(ctx, "ada@example.com", h, "sub-ada", c))

		s := openBolt(t, path)
		u, err := s.UserBySub(ctx, "sub-ada")
		require.NoError(t, err)
		got := credentialByID(t, u, c.ID)
		assert.Equal(t, "Phone", got.Name)
		assert.EqualValues(t, 7, got.SignCount)
		assert.True(t, got.Created.Equal(c.Created))
		assert.ErrorIs(t, s.AddCredential(ctx, "eve@example.com", randomBytes(32), "", c), passkey.ErrCredentialExists)
	})

	t.Run("a bad file is refused and kept", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "passkeys.json")
		bad := `{"version":1,"users":[{"username":"a@example.com","handle":"AQ==","credentials":[{"id":"AQ=="}]},{"username":"b@example.com","handle":"Ag==","credentials":[{"id":"AQ=="}]}]}`
		require.NoError(t, os.WriteFile(path, []byte(bad), 0o600))
		_, err := passkey.OpenBoltStore(path)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "a@example.com")
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, bad, string(b))
		entries, err := os.ReadDir(filepath.Dir(path))
		require.NoError(t, err)
		assert.Len(t, entries, 1, "nothing left beside it")
	})

	t.Run("not a store", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "passkeys.db")
		require.NoError(t, os.WriteFile(path, []byte("neither JSON nor bbolt, but long enough to be read as a page header, surely"), 0o600))
		_, err := passkey.OpenBoltStore(path)
		assert.Error(t, err)
		_, err = passkey.OpenBoltStore("")
		assert.Error(t, err)
	})
}

func TestBoltStoreOneProcess(t *testing.T) {
	// A second opener of the file (here, in the same process: bbolt's
	// lock is per open file) waits, then fails, instead of corrupting it.
	path := filepath.Join(t.TempDir(), "passkeys.db")
	openBolt(t, path)
	_, err := passkey.OpenBoltStore(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in use")
}

// The child process of TestBoltStoreKilledMidWrite writes credentials
// until it is killed, printing the ID of each once AddCredential returned.
const boltChildEnv = "PASSKEY_BOLT_CHILD"

func TestBoltStoreKilledMidWrite(t *testing.T) {
	if path := os.Getenv(boltChildEnv); path != "" {
		runBoltChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "passkeys.db")
	ctx := context.Background()
	s, err := passkey.OpenBoltStore(path)
	require.NoError(t, err)
	require.NoError(t, s.AddCredential(ctx, "seed@example.com", randomBytes(32), "sub-seed", testCredential(0)))
	require.NoError(t, s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltStoreKilledMidWrite$", "-test.count=1")
	cmd.Env = append(os.Environ(), boltChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	// Kill the child while it writes: after it reported some commits, at
	// no point it chose. SIGKILL gives it no chance to finish anything.
	const before = 300
	var committed []string
	lines := bufio.NewScanner(out)
	for lines.Scan() && len(committed) < before {
		committed = append(committed, lines.Text())
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	for lines.Scan() { // what it wrote before it died
		committed = append(committed, lines.Text())
	}
	err = cmd.Wait()
	require.Error(t, err, "the child was killed")
	require.GreaterOrEqual(t, len(committed), before, "the child wrote")

	s = openBolt(t, path)
	_, err = s.UserBySub(ctx, "sub-seed")
	require.NoError(t, err)
	for _, line := range committed {
		var rec struct {
			User string
			ID   string
		}
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		u, err := s.UserByName(ctx, rec.User)
		require.NoError(t, err, "committed user %s lost", rec.User)
		id, err := base64.RawURLEncoding.DecodeString(rec.ID)
		require.NoError(t, err)
		credentialByID(t, u, id)
	}
	// And the file takes writes again.
	require.NoError(t, s.AddCredential(ctx, "after@example.com", randomBytes(32), "", testCredential(0)))
	require.NoError(t, s.Close())

	// bbolt's own consistency check finds nothing wrong with the file.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}))
}

func runBoltChild(path string) {
	ctx := context.Background()
	s, err := passkey.OpenBoltStore(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		name := fmt.Sprintf("user%d@example.com", i/3) // new users, and second and third passkeys
		h := []byte(fmt.Sprintf("handle-%d", i/3))
		c := testCredential(0)
		if err := s.AddCredential(ctx, name, h, "sub-"+name, c); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if i%3 == 2 { // and a login's update
			if err := s.UpdateUser(ctx, name, bumpCounter(c.ID)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
		}
		b, _ := json.Marshal(map[string]string{"User": name, "ID": base64.RawURLEncoding.EncodeToString(c.ID)})
		w.Write(append(b, '\n'))
		w.Flush()
	}
}

func TestBoltStoreRefusesAnotherVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passkeys.db")
	s, err := passkey.OpenBoltStore(path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("version"), []byte{3})
	}))
	require.NoError(t, db.Close())
	_, err = passkey.OpenBoltStore(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unsupported version")
}

func TestBoltStoreReadsDuringWrite(t *testing.T) {
	// A write transaction held open (its change waits) blocks no lookup:
	// readers see the last committed record, then the new one. (A
	// FileStore would hang here: it holds its lock through a change.)
	ctx := context.Background()
	s := openBolt(t, filepath.Join(t.TempDir(), "passkeys.db"))
	h := randomBytes(32)
	c := testCredential(1)
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c))

	inChange, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.UpdateUser(ctx, "ada@example.com", func(u *passkey.User) error {
			close(inChange)
			<-release
			u.Credentials[0].SignCount = 2
			return nil
		})
	}()
	<-inChange
	for range 100 {
		u, err := s.UserByHandle(ctx, h)
		require.NoError(t, err)
		assert.EqualValues(t, 1, u.Credentials[0].SignCount, "the committed record")
		_, err = s.UserBySub(ctx, "sub-ada")
		require.NoError(t, err)
	}
	close(release)
	require.NoError(t, <-done)
	u, err := s.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	assert.EqualValues(t, 2, u.Credentials[0].SignCount)
}
