package passkey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltStore is a CredentialStore in one bbolt file: the embedded default
// for a service on one machine. It is safe for concurrent use within one
// process; a second process that opens the file waits for the first to
// close it, then fails.
//
// Every change is one transaction, synced to disk before the call
// returns: a crash, even mid-write, loses nothing that was committed and
// never leaves a torn file. A change writes only the user's record and
// the index entries it touches (O(log n) pages), not the whole file.
// Reads run in read-only transactions, which a write never blocks. The
// file is created with mode 0600: it lists email addresses.
//
// Buckets: "users" (username → the User as JSON), and the indexes
// "handles", "creds" and "subs" (user handle, credential ID, Cognito sub
// → username); "meta" holds the version, 2.
type BoltStore struct {
	db *bolt.DB
}

var _ CredentialStore = (*BoltStore)(nil)

var (
	bucketMeta    = []byte("meta")
	bucketUsers   = []byte("users")
	bucketHandles = []byte("handles")
	bucketCreds   = []byte("creds")
	bucketSubs    = []byte("subs")
	keyVersion    = []byte("version")
)

// boltLockTimeout is how long OpenBoltStore waits for another process to
// let go of the file.
const boltLockTimeout = 2 * time.Second

// boltMmapSize is the address space mapped up front: a write that grows
// the file past the map has to wait for every reader to re-map it, and
// 1 GiB covers about 700k users.
const boltMmapSize = 1 << 30

// migrateBatch is how many users a migration writes in one transaction.
const migrateBatch = 1000

// migratedSuffix is appended to the name of a JSON FileStore file that
// OpenBoltStore migrated; the file is kept there, as it was.
const migratedSuffix = ".filestore"

// OpenBoltStore opens the store kept at path, creating it (and its
// directory, mode 0700) if need be. A FileStore JSON file at path is
// migrated: its users are written to a new bbolt file, which then
// replaces it (keeping its name); the JSON file is kept beside it, its
// name followed by ".filestore". Close the store when done.
func OpenBoltStore(path string) (*BoltStore, error) {
	if path == "" {
		return nil, errors.New("passkey: bolt store: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("passkey: bolt store: %w", err)
	}
	isJSON, err := holdsJSON(path)
	if err != nil {
		return nil, fmt.Errorf("passkey: bolt store: %w", err)
	}
	if isJSON {
		if err := migrateFileStore(path); err != nil {
			return nil, fmt.Errorf("passkey: bolt store: migrate %s: %w", path, err)
		}
	}
	db, err := openBolt(path)
	if err != nil {
		return nil, err
	}
	return &BoltStore{db: db}, nil
}

func openBolt(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         boltLockTimeout,
		InitialMmapSize: boltMmapSize,
		FreelistType:    bolt.FreelistMapType,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("passkey: bolt store %s: in use by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("passkey: bolt store %s: %w", path, err)
	}
	if err := initBolt(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("passkey: bolt store %s: %w", path, err)
	}
	return db, nil
}

var boltBuckets = [][]byte{bucketMeta, bucketUsers, bucketHandles, bucketCreds, bucketSubs}

// initBolt makes the buckets of a new file, and checks the version of one
// made before; a file that has them all is not written to.
func initBolt(db *bolt.DB) error {
	ready := false
	err := db.View(func(tx *bolt.Tx) error {
		for _, name := range boltBuckets {
			if tx.Bucket(name) == nil {
				return nil
			}
		}
		ready = true
		return checkBoltVersion(tx.Bucket(bucketMeta).Get(keyVersion))
	})
	if err != nil || ready {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range boltBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyVersion); v != nil {
			return checkBoltVersion(v)
		}
		return meta.Put(keyVersion, []byte{recordVersion})
	})
}

func checkBoltVersion(v []byte) error {
	if len(v) != 1 || v[0] != recordVersion {
		return fmt.Errorf("unsupported version %v", v)
	}
	return nil
}

// holdsJSON reports whether path is a JSON document (a FileStore's): its
// first byte other than white space is '{'. bbolt files begin with a page
// header, never with that.
func holdsJSON(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	b := bytes.TrimLeft(buf[:n], " \t\r\n")
	return len(b) > 0 && b[0] == '{', nil
}

// migrateFileStore replaces the FileStore file at path with a bbolt file
// holding the same users. A crash at any point leaves either the JSON file
// at path (and the next open migrates again) or the complete bbolt file.
func migrateFileStore(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	users, err := decodeFileUsers(b)
	if err != nil {
		return err
	}
	if _, err := newFileState(users); err != nil { // the promises hold
		return err
	}
	tmp := path + ".migrating"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	db, err := openBolt(tmp)
	if err != nil {
		return err
	}
	s := &BoltStore{db: db}
	// In batches: bbolt splits its nodes only when a transaction commits,
	// and inserts into one node of 100k keys cost O(n) each. The file is
	// not in use until it is complete, so batches lose nothing.
	for batch := range slices.Chunk(users, migrateBatch) {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, u := range batch {
				if err := s.put(tx, nil, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			break
		}
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Link(path, path+migratedSuffix); err != nil && !errors.Is(err, os.ErrExist) {
		if err := writeFileAtomic(path+migratedSuffix, b); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // some file systems cannot; the rename is done either way
	return nil
}

// Close closes the file.
func (s *BoltStore) Close() error { return s.db.Close() }

// UserByName implements CredentialStore.
func (s *BoltStore) UserByName(ctx context.Context, username string) (*User, error) {
	return s.view(ctx, func(tx *bolt.Tx) []byte { return []byte(username) })
}

// UserByHandle implements CredentialStore.
func (s *BoltStore) UserByHandle(ctx context.Context, handle []byte) (*User, error) {
	return s.view(ctx, func(tx *bolt.Tx) []byte { return tx.Bucket(bucketHandles).Get(handle) })
}

// UserBySub implements CredentialStore.
func (s *BoltStore) UserBySub(ctx context.Context, sub string) (*User, error) {
	if sub == "" {
		return nil, ErrNotFound
	}
	return s.view(ctx, func(tx *bolt.Tx) []byte { return tx.Bucket(bucketSubs).Get([]byte(sub)) })
}

// view reads, in one transaction, the user whose name lookup returns.
func (s *BoltStore) view(ctx context.Context, lookup func(*bolt.Tx) []byte) (*User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var u *User
	err := s.db.View(func(tx *bolt.Tx) error {
		name := lookup(tx)
		if name == nil {
			return ErrNotFound
		}
		var err error
		u, err = s.get(tx, name)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !strings.HasPrefix(err.Error(), "passkey:") {
		return nil, fmt.Errorf("passkey: bolt store: %w", err)
	}
	return u, err
}

// get decodes the user stored under name (bytes bbolt owns are copied
// by the decoding).
func (s *BoltStore) get(tx *bolt.Tx, name []byte) (*User, error) {
	b := tx.Bucket(bucketUsers).Get(name)
	if b == nil {
		return nil, ErrNotFound
	}
	var u User
	if err := json.Unmarshal(b, &u); err != nil {
		return nil, fmt.Errorf("passkey: bolt store: record: %w", err)
	}
	return &u, nil
}

// put stores u in place of old (nil: a new user), keeping the indexes.
func (s *BoltStore) put(tx *bolt.Tx, old, u *User) error {
	if err := s.putRecord(tx, old, u); err != nil {
		return fmt.Errorf("passkey: bolt store: %w", err)
	}
	return nil
}

func (s *BoltStore) putRecord(tx *bolt.Tx, old, u *User) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	name := []byte(u.Username)
	if err := tx.Bucket(bucketUsers).Put(name, b); err != nil {
		return err
	}
	if err := tx.Bucket(bucketHandles).Put(u.Handle, name); err != nil {
		return err
	}
	creds := tx.Bucket(bucketCreds)
	if old != nil {
		for _, c := range old.Credentials {
			if !hasCredential(u.Credentials, c.ID) {
				if err := creds.Delete(c.ID); err != nil {
					return err
				}
			}
		}
		if old.Sub != u.Sub {
			if err := unbindSub(tx, old); err != nil {
				return err
			}
		}
	}
	for _, c := range u.Credentials {
		if err := creds.Put(c.ID, name); err != nil {
			return err
		}
	}
	if u.Sub != "" {
		return tx.Bucket(bucketSubs).Put([]byte(u.Sub), name)
	}
	return nil
}

// unbindSub removes the sub index entry of u if it names u.
func unbindSub(tx *bolt.Tx, u *User) error {
	if u.Sub == "" {
		return nil
	}
	subs := tx.Bucket(bucketSubs)
	if bytes.Equal(subs.Get([]byte(u.Sub)), []byte(u.Username)) {
		return subs.Delete([]byte(u.Sub))
	}
	return nil
}

// AddCredential implements CredentialStore.
func (s *BoltStore) AddCredential(ctx context.Context, username string, handle []byte, sub string, cred Credential) error {
	if err := checkAdd("bolt store", username, handle, cred); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCreds).Get(cred.ID) != nil {
			return ErrCredentialExists
		}
		old, err := s.get(tx, []byte(username))
		switch {
		case errors.Is(err, ErrNotFound):
			if tx.Bucket(bucketHandles).Get(handle) != nil {
				return ErrHandleConflict
			}
			old = nil
		case err != nil:
			return err
		case !bytes.Equal(old.Handle, handle):
			return ErrHandleConflict
		}
		u := &User{Username: username, Handle: handle}
		if old != nil {
			u = cloneUser(old)
		}
		u.Sub = sub
		u.Credentials = append(u.Credentials, cred)
		return s.put(tx, old, u)
	})
}

// UpdateUser implements CredentialStore.
func (s *BoltStore) UpdateUser(ctx context.Context, username string, change func(*User) error) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		old, err := s.get(tx, []byte(username))
		if err != nil {
			return err
		}
		next, err := applyChange(old, change)
		if err != nil {
			return err
		}
		return s.put(tx, old, next)
	})
}

// DeleteUser implements CredentialStore.
func (s *BoltStore) DeleteUser(ctx context.Context, username string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		u, err := s.get(tx, []byte(username))
		if err != nil {
			return err
		}
		errs := []error{tx.Bucket(bucketUsers).Delete([]byte(username)), tx.Bucket(bucketHandles).Delete(u.Handle)}
		for _, c := range u.Credentials {
			errs = append(errs, tx.Bucket(bucketCreds).Delete(c.ID))
		}
		if err := errors.Join(append(errs, unbindSub(tx, u))...); err != nil {
			return fmt.Errorf("passkey: bolt store: %w", err)
		}
		return nil
	})
}

// update runs fn in a write transaction. fn's error is returned as it
// is (the package's sentinels, an UpdateUser change's own); a failed
// commit is the store's.
func (s *BoltStore) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var fnErr error
	err := s.db.Update(func(tx *bolt.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if err != nil && fnErr == nil {
		return fmt.Errorf("passkey: bolt store: %w", err)
	}
	return err
}
