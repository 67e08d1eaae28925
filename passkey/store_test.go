package passkey_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
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

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func testCredential(signCount uint32) passkey.Credential {
	return passkey.Credential{
		ID:              randomBytes(16),
		PublicKey:       randomBytes(77),
		AttestationType: "none",
		Transports:      []string{"internal", "hybrid"},
		AAGUID:          randomBytes(16),
		SignCount:       signCount,
		UserVerified:    true,
		Created:         time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
	}
}

// credentialByID returns u's credential with id, or fails the test.
func credentialByID(t *testing.T, u *passkey.User, id []byte) passkey.Credential {
	t.Helper()
	for _, c := range u.Credentials {
		if string(c.ID) == string(id) {
			return c
		}
	}
	t.Fatalf("credential %x not stored for %s", id, u.Username)
	return passkey.Credential{}
}

// bumpCounter is a login's change: the counter of the credential with id
// goes up by one.
func bumpCounter(id []byte) func(*passkey.User) error {
	return func(u *passkey.User) error {
		for i := range u.Credentials {
			if string(u.Credentials[i].ID) == string(id) {
				u.Credentials[i].SignCount++
				return nil
			}
		}
		return passkey.ErrNotFound
	}
}

// storeContract checks the promises of CredentialStore that the relying
// party relies on, against a fresh store from newStore.
func storeContract(t *testing.T, newStore func(t *testing.T) passkey.CredentialStore) {
	ctx := context.Background()

	t.Run("unknown user", func(t *testing.T) {
		s := newStore(t)
		_, err := s.UserByName(ctx, "nobody@example.com")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		_, err = s.UserByHandle(ctx, randomBytes(32))
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		_, err = s.UserBySub(ctx, "no-such-sub")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		_, err = s.UserBySub(ctx, "")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		err = s.UpdateUser(ctx, "nobody@example.com", func(*passkey.User) error { return nil })
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		assert.ErrorIs(t, s.DeleteUser(ctx, "nobody@example.com"), passkey.ErrNotFound)
	})

	t.Run("add and read", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		c1, c2 := testCredential(0), testCredential(5)
		c2.BackupEligible, c2.BackupState, c2.Name = true, true, "Work laptop"
		c2.LastUsed = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c1))
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c2))

		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.Equal(t, "ada@example.com", u.Username)
		assert.Equal(t, h, u.Handle)
		assert.Equal(t, "sub-ada", u.Sub)
		require.Len(t, u.Credentials, 2)
		got := credentialByID(t, u, c2.ID)
		assert.True(t, got.Created.Equal(c2.Created) && got.LastUsed.Equal(c2.LastUsed))
		got.Created, got.LastUsed = c2.Created, c2.LastUsed
		assert.Equal(t, c2, got, "every field is kept")
		assert.True(t, credentialByID(t, u, c1.ID).Revoked.IsZero())

		for name, lookup := range map[string]func() (*passkey.User, error){
			"handle": func() (*passkey.User, error) { return s.UserByHandle(ctx, h) },
			"sub":    func() (*passkey.User, error) { return s.UserBySub(ctx, "sub-ada") },
		} {
			other, err := lookup()
			require.NoError(t, err, name)
			assert.Equal(t, u.Username, other.Username, name)
			assert.Len(t, other.Credentials, 2, name)
		}
	})

	t.Run("another handle for a known username", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", testCredential(0)))
		other := randomBytes(32)
		err := s.AddCredential(ctx, "ada@example.com", other, "sub-eve", testCredential(0))
		assert.ErrorIs(t, err, passkey.ErrHandleConflict)

		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.Len(t, u.Credentials, 1, "the loser's credential is not the user's")
		assert.Equal(t, "sub-ada", u.Sub)
		_, err = s.UserByHandle(ctx, other)
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		_, err = s.UserBySub(ctx, "sub-eve")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
	})

	t.Run("credential IDs are never overwritten", func(t *testing.T) {
		s := newStore(t)
		c := testCredential(0)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), "sub-ada", c))

		again := c
		again.PublicKey = randomBytes(77) // an attacker's key under the same ID
		assert.ErrorIs(t, s.AddCredential(ctx, "eve@example.com", randomBytes(32), "sub-eve", again), passkey.ErrCredentialExists)
		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.Equal(t, c.PublicKey, u.Credentials[0].PublicKey)
		_, err = s.UserByName(ctx, "eve@example.com")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		_, err = s.UserBySub(ctx, "sub-eve")
		assert.ErrorIs(t, err, passkey.ErrNotFound)

		assert.ErrorIs(t, s.AddCredential(ctx, "ada@example.com", u.Handle, "sub-ada", again), passkey.ErrCredentialExists)
	})

	t.Run("bad arguments store nothing", func(t *testing.T) {
		s := newStore(t)
		noID := testCredential(0)
		noID.ID = nil
		for _, err := range []error{
			s.AddCredential(ctx, "", randomBytes(32), "sub", testCredential(0)),
			s.AddCredential(ctx, "ada@example.com", nil, "sub", testCredential(0)),
			s.AddCredential(ctx, "ada@example.com", randomBytes(32), "sub", noID),
		} {
			assert.ErrorIs(t, err, passkey.ErrInvalidRequest)
		}
		_, err := s.UserByName(ctx, "ada@example.com")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
	})

	t.Run("update", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		c1, c2 := testCredential(3), testCredential(0)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "", c1))
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "", c2))
		used := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		require.NoError(t, s.UpdateUser(ctx, "ada@example.com", func(u *passkey.User) error {
			u.Sub = "sub-ada" // a record written before binding gets its sub
			for i := range u.Credentials {
				c := &u.Credentials[i]
				if string(c.ID) == string(c1.ID) {
					c.SignCount, c.BackupEligible, c.BackupState, c.LastUsed = 4, true, true, used
				} else {
					c.Name, c.Revoked = "Old phone", used
				}
			}
			return nil
		}))
		u, err := s.UserBySub(ctx, "sub-ada")
		require.NoError(t, err)
		got1, got2 := credentialByID(t, u, c1.ID), credentialByID(t, u, c2.ID)
		assert.EqualValues(t, 4, got1.SignCount)
		assert.True(t, got1.BackupEligible && got1.BackupState)
		assert.True(t, got1.LastUsed.Equal(used))
		assert.Equal(t, "Old phone", got2.Name)
		assert.True(t, got2.Revoked.Equal(used))
	})

	t.Run("a failed update stores nothing", func(t *testing.T) {
		errVeto := errors.New("veto")
		tests := []struct {
			name    string
			change  func(u *passkey.User) error
			wantErr error
		}{
			{name: "change says no", wantErr: errVeto, change: func(u *passkey.User) error {
				u.Credentials[0].SignCount = 99
				u.Sub = "sub-eve"
				return errVeto
			}},
			{name: "adds a credential", wantErr: passkey.ErrInvalidRequest, change: func(u *passkey.User) error {
				u.Credentials = append(u.Credentials, testCredential(0))
				return nil
			}},
			{name: "doubles a credential", wantErr: passkey.ErrInvalidRequest, change: func(u *passkey.User) error {
				u.Credentials = append(u.Credentials, u.Credentials[0])
				return nil
			}},
			{name: "swaps an ID", wantErr: passkey.ErrInvalidRequest, change: func(u *passkey.User) error {
				u.Credentials[0].ID = randomBytes(16)
				return nil
			}},
			{name: "renames the user", wantErr: passkey.ErrInvalidRequest, change: func(u *passkey.User) error {
				u.Username = "eve@example.com"
				return nil
			}},
			{name: "changes the handle", wantErr: passkey.ErrInvalidRequest, change: func(u *passkey.User) error {
				u.Handle = randomBytes(32)
				return nil
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				h := randomBytes(32)
				c := testCredential(1)
				require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c))
				before, err := s.UserByName(ctx, "ada@example.com")
				require.NoError(t, err)
				assert.ErrorIs(t, s.UpdateUser(ctx, "ada@example.com", tt.change), tt.wantErr)
				after, err := s.UserByName(ctx, "ada@example.com")
				require.NoError(t, err)
				assert.Equal(t, before, after)
				_, err = s.UserByName(ctx, "eve@example.com")
				assert.ErrorIs(t, err, passkey.ErrNotFound)
				_, err = s.UserBySub(ctx, "sub-eve")
				assert.ErrorIs(t, err, passkey.ErrNotFound)
			})
		}
	})

	t.Run("remove a credential", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		keep, gone := testCredential(0), testCredential(0)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", keep))
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", gone))
		require.NoError(t, s.UpdateUser(ctx, "ada@example.com", func(u *passkey.User) error {
			u.Credentials = []passkey.Credential{credentialByID(t, u, keep.ID)}
			return nil
		}))
		u, err := s.UserByHandle(ctx, h)
		require.NoError(t, err)
		require.Len(t, u.Credentials, 1)
		assert.Equal(t, keep.ID, u.Credentials[0].ID)
		// A removed credential is no longer stored for anyone.
		bob := randomBytes(32)
		assert.NoError(t, s.AddCredential(ctx, "bob@example.com", bob, "sub-bob", gone))
		assert.ErrorIs(t, s.AddCredential(ctx, "bob@example.com", bob, "sub-bob", keep), passkey.ErrCredentialExists)
	})

	t.Run("sub moves", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), "sub-1", testCredential(0)))
		require.NoError(t, s.UpdateUser(ctx, "ada@example.com", func(u *passkey.User) error {
			u.Sub = "sub-2"
			return nil
		}))
		_, err := s.UserBySub(ctx, "sub-1")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		u, err := s.UserBySub(ctx, "sub-2")
		require.NoError(t, err)
		assert.Equal(t, "ada@example.com", u.Username)

		// A second record bound to the same sub (the address changed in
		// Cognito): the most recent binding is found.
		require.NoError(t, s.AddCredential(ctx, "ada@new.example.com", randomBytes(32), "sub-2", testCredential(0)))
		u, err = s.UserBySub(ctx, "sub-2")
		require.NoError(t, err)
		assert.Equal(t, "ada@new.example.com", u.Username)
		require.NoError(t, s.DeleteUser(ctx, "ada@example.com"))
		u, err = s.UserBySub(ctx, "sub-2")
		require.NoError(t, err, "deleting the older record keeps the newer binding")
		assert.Equal(t, "ada@new.example.com", u.Username)
	})

	t.Run("delete", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		c1, c2 := testCredential(0), testCredential(0)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c1))
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c2))
		require.NoError(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), "sub-bob", testCredential(0)))

		require.NoError(t, s.DeleteUser(ctx, "ada@example.com"))
		_, err := s.UserByName(ctx, "ada@example.com")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		_, err = s.UserByHandle(ctx, h)
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		_, err = s.UserBySub(ctx, "sub-ada")
		assert.ErrorIs(t, err, passkey.ErrNotFound)
		assert.ErrorIs(t, s.DeleteUser(ctx, "ada@example.com"), passkey.ErrNotFound)
		_, err = s.UserByName(ctx, "bob@example.com")
		assert.NoError(t, err, "other users stay")

		// Nothing of the old record is left: the username registers anew,
		// and the old credential IDs are free.
		h2 := randomBytes(32)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h2, "sub-ada-2", c1))
		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.Equal(t, h2, u.Handle)
		assert.Len(t, u.Credentials, 1)
		assert.NoError(t, s.AddCredential(ctx, "carol@example.com", randomBytes(32), "sub-carol", c2))
	})

	t.Run("values are copies", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		c := testCredential(0)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c))
		c.PublicKey[0] ^= 0xff
		c.Transports[0] = "usb"
		h[0] ^= 0xff
		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.NotEqual(t, c.PublicKey, u.Credentials[0].PublicKey)
		assert.Equal(t, "internal", u.Credentials[0].Transports[0])
		u.Credentials[0].PublicKey[0] ^= 0xff
		u.Handle[0] ^= 0xff
		var kept *passkey.User
		require.NoError(t, s.UpdateUser(ctx, "ada@example.com", func(u *passkey.User) error {
			kept = u
			return nil
		}))
		kept.Credentials[0].AAGUID[0] ^= 0xff // after the update returned
		again, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.NotEqual(t, u.Credentials[0].PublicKey, again.Credentials[0].PublicKey)
		assert.NotEqual(t, u.Handle, again.Handle)
		assert.Equal(t, c.AAGUID, again.Credentials[0].AAGUID)
	})

	t.Run("concurrent first registrations", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		handles := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			handles[i] = randomBytes(32)
			wg.Go(func() {
				errs[i] = s.AddCredential(ctx, "race@example.com", handles[i], fmt.Sprintf("sub-%d", i), testCredential(0))
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "two registrations won")
				winner = i
				continue
			}
			assert.ErrorIs(t, err, passkey.ErrHandleConflict)
		}
		require.NotEqual(t, -1, winner, "no registration won")
		u, err := s.UserByName(ctx, "race@example.com")
		require.NoError(t, err)
		assert.Equal(t, handles[winner], u.Handle)
		assert.Equal(t, fmt.Sprintf("sub-%d", winner), u.Sub)
		assert.Len(t, u.Credentials, 1)
		for i, h := range handles {
			if i != winner {
				_, err := s.UserByHandle(ctx, h)
				assert.ErrorIs(t, err, passkey.ErrNotFound)
				_, err = s.UserBySub(ctx, fmt.Sprintf("sub-%d", i))
				assert.ErrorIs(t, err, passkey.ErrNotFound)
			}
		}
	})

	t.Run("concurrent updates lose nothing", func(t *testing.T) {
		// Every UpdateUser reads and writes one record atomically: n
		// concurrent increments of a counter leave it at n, on each of
		// several users at once.
		s := newStore(t)
		const users, updates = 4, 10
		var wg sync.WaitGroup
		creds := make([]passkey.Credential, users)
		for i := range users {
			creds[i] = testCredential(0)
			wg.Go(func() {
				name := fmt.Sprintf("user%d@example.com", i)
				h := randomBytes(32)
				assert.NoError(t, s.AddCredential(ctx, name, h, "", creds[i]))
				second := testCredential(0)
				var inner sync.WaitGroup
				inner.Go(func() { assert.NoError(t, s.AddCredential(ctx, name, h, "", second)) })
				for range updates {
					inner.Go(func() { assert.NoError(t, s.UpdateUser(ctx, name, bumpCounter(creds[i].ID))) })
				}
				inner.Wait()
			})
		}
		wg.Wait()
		for i := range users {
			u, err := s.UserByName(ctx, fmt.Sprintf("user%d@example.com", i))
			require.NoError(t, err)
			require.Len(t, u.Credentials, 2, "an update raced a registration and kept its credential")
			assert.EqualValues(t, updates, credentialByID(t, u, creds[i].ID).SignCount)
		}
	})
}

// signCountRule is the RelyingParty's change for a login whose
// authenticator reports next, as signCountAdvances states it.
func signCountRule(id []byte, next uint32) func(*passkey.User) error {
	return func(u *passkey.User) error {
		for i := range u.Credentials {
			c := &u.Credentials[i]
			if string(c.ID) == string(id) {
				if !(next > c.SignCount || (next == 0 && c.SignCount == 0)) {
					return passkey.ErrSignCount
				}
				c.SignCount = next
				return nil
			}
		}
		return passkey.ErrNotFound
	}
}

func TestFileStore(t *testing.T) {
	storeContract(t, func(t *testing.T) passkey.CredentialStore {
		s, err := passkey.OpenFileStore(filepath.Join(t.TempDir(), "passkeys.json"))
		require.NoError(t, err)
		return s
	})
}

func TestFileStoreSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "passkeys.json")
	s, err := passkey.OpenFileStore(path)
	require.NoError(t, err)
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing is written before the first change")

	h := randomBytes(32)
	c := testCredential(1)
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c))
	require.NoError(t, s.UpdateUser(ctx, "ada@example.com", signCountRule(c.ID, 2)))
	require.NoError(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), "sub-bob", testCredential(0)))

	reopened, err := passkey.OpenFileStore(path)
	require.NoError(t, err)
	u, err := reopened.UserByHandle(ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", u.Username)
	require.Len(t, u.Credentials, 1)
	assert.Equal(t, c.ID, u.Credentials[0].ID)
	assert.Equal(t, c.PublicKey, u.Credentials[0].PublicKey)
	assert.EqualValues(t, 2, u.Credentials[0].SignCount)
	u, err = reopened.UserBySub(ctx, "sub-bob")
	require.NoError(t, err)
	assert.Equal(t, "bob@example.com", u.Username)
	// The reopened store keeps the promises too.
	assert.ErrorIs(t, reopened.AddCredential(ctx, "eve@example.com", randomBytes(32), "", c), passkey.ErrCredentialExists)

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files left behind")
}

func TestFileStoreConcurrentWritesPersist(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "passkeys.json")
	s, err := passkey.OpenFileStore(path)
	require.NoError(t, err)
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			assert.NoError(t, s.AddCredential(ctx, fmt.Sprintf("u%d@example.com", i), randomBytes(32), "", testCredential(0)))
		})
	}
	wg.Wait()
	reopened, err := passkey.OpenFileStore(path)
	require.NoError(t, err)
	for i := range n {
		_, err := reopened.UserByName(ctx, fmt.Sprintf("u%d@example.com", i))
		assert.NoError(t, err, "write %d lost", i)
	}
}

func TestFileStoreRejectsBadFiles(t *testing.T) {
	tests := []struct {
		name, content string
	}{
		{"not JSON", "{"},
		{"wrong version", `{"version":3,"users":[]}`},
		{"users not a list", `{"version":2,"users":{}}`},
		{"user without handle", `{"version":1,"users":[{"username":"a@example.com","credentials":[]}]}`},
		{"user without handle v2", `{"version":2,"users":[{"username":"a@example.com","credentials":[]}]}`},
		{"null user", `{"version":2,"users":[null]}`},
		{"duplicate user", `{"version":1,"users":[{"username":"a@example.com","handle":"AQ==","credentials":[]},{"username":"a@example.com","handle":"Ag==","credentials":[]}]}`},
		{"duplicate handle", `{"version":2,"users":[{"username":"a@example.com","handle":"AQ==","credentials":[]},{"username":"b@example.com","handle":"AQ==","credentials":[]}]}`},
		{"duplicate credential", `{"version":1,"users":[{"username":"a@example.com","handle":"AQ==","credentials":[{"id":"AQ=="}]},{"username":"b@example.com","handle":"Ag==","credentials":[{"id":"AQ=="}]}]}`},
		{"credential without ID", `{"version":2,"users":[{"username":"a@example.com","handle":"AQ==","credentials":[{"publicKey":"AQ=="}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "passkeys.json")
			require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o600))
			_, err := passkey.OpenFileStore(path)
			assert.Error(t, err)
			assert.NotContains(t, err.Error(), "a@example.com")
		})
	}
	_, err := passkey.OpenFileStore("")
	assert.Error(t, err)
}

func TestFileStoreFailedWriteChangesNothing(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only directories")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s, err := passkey.OpenFileStore(filepath.Join(dir, "passkeys.json"))
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })

	assert.Error(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), "", testCredential(0)))
	_, err = s.UserByName(ctx, "ada@example.com")
	assert.ErrorIs(t, err, passkey.ErrNotFound, "a change that was not written is not applied")
}

func TestFileStoreFailedWriteChangesNothingAsRoot(t *testing.T) {
	// A path whose directory is a file fails for root too.
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "passkeys.json")
	s, err := passkey.OpenFileStore(path)
	require.NoError(t, err)
	c := testCredential(0)
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), "", c))
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Mkdir(path, 0o700)) // rename over a directory fails
	require.NoError(t, os.WriteFile(filepath.Join(path, "x"), nil, 0o600))

	assert.Error(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), "", testCredential(0)))
	assert.Error(t, s.UpdateUser(ctx, "ada@example.com", bumpCounter(c.ID)))
	assert.Error(t, s.DeleteUser(ctx, "ada@example.com"))
	_, err = s.UserByName(ctx, "bob@example.com")
	assert.ErrorIs(t, err, passkey.ErrNotFound)
	u, err := s.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	assert.Zero(t, u.Credentials[0].SignCount)
}

// newDynamoClient returns a DynamoDB client for an emulator's endpoint.
func newDynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEMULATOR", SecretAccessKey: "emulator"}, nil
		}),
	})
}

// newDynalite returns a DynamoDB client for a fresh dynalite.
func newDynalite(t testing.TB) *dynamodb.Client {
	t.Helper()
	return newDynamoClient(testtools.StartDynalite(t))
}

// newMoto returns a DynamoDB client for a fresh moto_server: the
// DynamoStore writes with TransactWriteItems, which dynalite lacks.
func newMoto(t testing.TB) *dynamodb.Client {
	t.Helper()
	return newDynamoClient(testtools.StartMoto(t))
}

// createTable creates a table and waits until it is ACTIVE (emulators,
// too, may create tables asynchronously).
func createTable(t testing.TB, client *dynamodb.Client, in *dynamodb.CreateTableInput) {
	t.Helper()
	ctx := context.Background()
	_, err := client.CreateTable(ctx, in)
	require.NoError(t, err)
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	require.NoError(t, w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, 10*time.Second))
}

// tableNames hands out fresh table names: one emulator, a table per test.
var tableNames atomic.Int64

func freshTable(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, tableNames.Add(1))
}

// newDynamoStore returns a DynamoStore on a fresh table of client.
func newDynamoStore(t *testing.T, client passkey.DynamoAPI, table string) *passkey.DynamoStore {
	t.Helper()
	s, err := passkey.NewDynamoStore(passkey.DynamoConfig{Client: client, Table: table})
	require.NoError(t, err)
	return s
}

func TestDynamoStore(t *testing.T) {
	client := newMoto(t)
	storeContract(t, func(t *testing.T) passkey.CredentialStore {
		table := freshTable("passkeys")
		createTable(t, client, passkey.DynamoTableInput(table))
		return newDynamoStore(t, client, table)
	})
}

func TestDynamoStoreInstances(t *testing.T) {
	// Two instances on one table: what one writes, the other reads, and a
	// record one of them read before the other changed it is never
	// written back over the change.
	ctx := context.Background()
	client := newMoto(t)
	table := freshTable("passkeys")
	createTable(t, client, passkey.DynamoTableInput(table))
	a, b := newDynamoStore(t, client, table), newDynamoStore(t, client, table)

	h := randomBytes(32)
	c := testCredential(0)
	require.NoError(t, a.AddCredential(ctx, "ada@example.com", h, "sub-ada", c))
	_, err := a.UserByHandle(ctx, h) // a remembers the record
	require.NoError(t, err)
	second := testCredential(0)
	require.NoError(t, b.AddCredential(ctx, "ada@example.com", h, "sub-ada", second))
	require.NoError(t, b.UpdateUser(ctx, "ada@example.com", bumpCounter(c.ID)))

	require.NoError(t, a.UpdateUser(ctx, "ada@example.com", bumpCounter(c.ID)))
	u, err := b.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	assert.Len(t, u.Credentials, 2, "b's passkey survives a's stale record")
	assert.EqualValues(t, 2, credentialByID(t, u, c.ID).SignCount, "both logins count")

	// A change that fails on what a remembers, but not on the table, is
	// run on the table's record.
	_, err = a.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	third := testCredential(0)
	require.NoError(t, b.AddCredential(ctx, "ada@example.com", h, "sub-ada", third))
	require.NoError(t, a.UpdateUser(ctx, "ada@example.com", bumpCounter(third.ID)))
	u, err = b.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	assert.EqualValues(t, 1, credentialByID(t, u, third.ID).SignCount)

	// a deleted and re-registered user: a's remembered record is gone.
	_, err = a.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	require.NoError(t, b.DeleteUser(ctx, "ada@example.com"))
	fresh := testCredential(0)
	require.NoError(t, b.AddCredential(ctx, "ada@example.com", randomBytes(32), "sub-ada-2", fresh))
	assert.ErrorIs(t, a.UpdateUser(ctx, "ada@example.com", bumpCounter(c.ID)), passkey.ErrNotFound)
	require.NoError(t, a.UpdateUser(ctx, "ada@example.com", bumpCounter(fresh.ID)))
	u, err = b.UserBySub(ctx, "sub-ada-2")
	require.NoError(t, err)
	assert.EqualValues(t, 1, u.Credentials[0].SignCount)
}

// countingDynamo counts the calls a DynamoStore makes.
type countingDynamo struct {
	passkey.DynamoAPI
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingDynamo) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[op]++
}

func (c *countingDynamo) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls
	c.calls = nil
	return calls
}

func (c *countingDynamo) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.count("GetItem")
	return c.DynamoAPI.GetItem(ctx, in, o...)
}

func (c *countingDynamo) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.count("PutItem")
	return c.DynamoAPI.PutItem(ctx, in, o...)
}

func (c *countingDynamo) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.count("DeleteItem")
	return c.DynamoAPI.DeleteItem(ctx, in, o...)
}

func (c *countingDynamo) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.count("Query")
	return c.DynamoAPI.Query(ctx, in, o...)
}

func (c *countingDynamo) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.count("TransactWriteItems")
	return c.DynamoAPI.TransactWriteItems(ctx, in, o...)
}

func TestDynamoStoreCalls(t *testing.T) {
	ctx := context.Background()
	client := newMoto(t)
	table := freshTable("passkeys")
	createTable(t, client, passkey.DynamoTableInput(table))
	counting := &countingDynamo{DynamoAPI: client}

	// Each step on a store of its own, as on a fresh instance: nothing
	// remembered from before.
	h := randomBytes(32)
	c := testCredential(0)
	require.NoError(t, newDynamoStore(t, counting, table).AddCredential(ctx, "ada@example.com", h, "sub-ada", c))
	assert.Equal(t, map[string]int{"Query": 1, "TransactWriteItems": 1}, counting.reset(),
		"a registration: the user looked up, then one transaction")

	s := newDynamoStore(t, counting, table)
	u, err := s.UserByHandle(ctx, h)
	require.NoError(t, err)
	require.NoError(t, s.UpdateUser(ctx, u.Username, signCountRule(c.ID, 1)))
	assert.Equal(t, map[string]int{"GetItem": 1, "PutItem": 1}, counting.reset(), "a discoverable login: two calls")

	s = newDynamoStore(t, counting, table)
	_, err = s.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	require.NoError(t, s.UpdateUser(ctx, "ada@example.com", signCountRule(c.ID, 2)))
	assert.Equal(t, map[string]int{"Query": 1, "GetItem": 1, "PutItem": 1}, counting.reset(), "a login by name: three calls")

	s = newDynamoStore(t, counting, table)
	_, err = s.UserBySub(ctx, "sub-ada")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"GetItem": 2}, counting.reset())
}

func TestNewDynamoStore(t *testing.T) {
	_, err := passkey.NewDynamoStore(passkey.DynamoConfig{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Client is nil")
	assert.Contains(t, err.Error(), "Table is empty")
}

// failingDynamo answers every call with err.
type failingDynamo struct{ err error }

func (f failingDynamo) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return nil, f.err
}

func (f failingDynamo) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return nil, f.err
}

func (f failingDynamo) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, f.err
}

func (f failingDynamo) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return nil, f.err
}

func (f failingDynamo) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return nil, f.err
}

func (f failingDynamo) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, f.err
}

func TestDynamoStoreErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name            string
		err             error
		wantUnavailable bool
	}{
		{name: "throttled", err: &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, wantUnavailable: true},
		{name: "server fault", err: &types.InternalServerError{Message: aws.String("oops")}, wantUnavailable: true},
		{name: "network", err: errors.New("dial tcp: connection refused"), wantUnavailable: true},
		{name: "missing table", err: &types.ResourceNotFoundException{Message: aws.String("no table")}},
		{name: "canceled", err: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDynamoStore(t, failingDynamo{tt.err}, "t")
			errs := []error{
				func() error { _, err := s.UserByName(ctx, "a@example.com"); return err }(),
				func() error { _, err := s.UserByHandle(ctx, []byte{1}); return err }(),
				func() error { _, err := s.UserBySub(ctx, "sub"); return err }(),
				s.AddCredential(ctx, "a@example.com", []byte{1}, "sub", testCredential(0)),
				s.UpdateUser(ctx, "a@example.com", func(*passkey.User) error { return nil }),
				s.DeleteUser(ctx, "a@example.com"),
			}
			for _, err := range errs {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.err)
				assert.Equal(t, tt.wantUnavailable, errors.Is(err, passkey.ErrUnavailable), err.Error())
				assert.NotErrorIs(t, err, passkey.ErrNotFound)
			}
		})
	}
}

// retryingDynamo sends every write twice and answers with the second: what
// the SDK does when the answer to a write that succeeded is lost.
type retryingDynamo struct{ passkey.DynamoAPI }

func (r retryingDynamo) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	_, _ = r.DynamoAPI.PutItem(ctx, in, o...)
	return r.DynamoAPI.PutItem(ctx, in, o...)
}

func (r retryingDynamo) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	_, _ = r.DynamoAPI.TransactWriteItems(ctx, in, o...)
	return r.DynamoAPI.TransactWriteItems(ctx, in, o...)
}

func (r retryingDynamo) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	_, _ = r.DynamoAPI.DeleteItem(ctx, in, o...)
	return r.DynamoAPI.DeleteItem(ctx, in, o...)
}

func TestDynamoStoreRetriedWrites(t *testing.T) {
	// A write whose first try succeeded is not reported as lost to a
	// race, nor applied twice.
	ctx := context.Background()
	client := newMoto(t)
	table := freshTable("passkeys")
	createTable(t, client, passkey.DynamoTableInput(table))
	s := newDynamoStore(t, retryingDynamo{client}, table)

	h := randomBytes(32)
	c := testCredential(0)
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", c))
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, "sub-ada", testCredential(0)))
	require.NoError(t, s.UpdateUser(ctx, "ada@example.com", signCountRule(c.ID, 1)))
	require.NoError(t, s.UpdateUser(ctx, "ada@example.com", bindSub("sub-ada-2")))
	u, err := newDynamoStore(t, client, table).UserBySub(ctx, "sub-ada-2")
	require.NoError(t, err)
	assert.Len(t, u.Credentials, 2)
	assert.EqualValues(t, 1, credentialByID(t, u, c.ID).SignCount)
	require.NoError(t, s.DeleteUser(ctx, "ada@example.com"))
	_, err = s.UserByName(ctx, "ada@example.com")
	assert.ErrorIs(t, err, passkey.ErrNotFound)
}
