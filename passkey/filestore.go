package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// FileStore is a CredentialStore kept in one JSON file. It is kept so
// that files written before BoltStore, the embedded default, stay
// readable (OpenBoltStore migrates them); it suits a few hundred users.
// It is safe for concurrent use within one process; two processes must
// not share a file.
//
// Every change writes the whole file anew: to a temporary file in the same
// directory, synced, then renamed over the old one (and the directory
// synced), so a crash leaves either the old file or the new one, never a
// torn one. A change that cannot be written is not applied. Reads are
// served from memory. The file is created with mode 0600: it lists email
// addresses.
//
// The format (version 2; version 1 held go-webauthn Credential JSON in
// "credentials", and is read and rewritten as version 2 on the first
// change):
//
//	{"version":2,"users":[{"username":"ada@example.com","handle":"<base64>","sub":"…",
//	  "credentials":[<Credential JSON>, …]}, …]}
type FileStore struct {
	path string

	mu    sync.RWMutex
	state fileState
}

const (
	fileStoreVersion1 = 1
	fileStoreVersion  = recordVersion
)

type fileDoc struct {
	Version int             `json:"version"`
	Users   json.RawMessage `json:"users"`
}

// fileState is the store's content with its indexes. It is never changed
// in place: a change builds a new fileState, writes it, and only then
// replaces the old one.
type fileState struct {
	users     map[string]*User  // by username
	byHandle  map[string]string // base64 handle → username
	byCredID  map[string]string // base64 credential ID → username
	bySub     map[string]string // sub → username
	userOrder []string          // usernames in file order, for stable output
}

var _ CredentialStore = (*FileStore)(nil)

// OpenFileStore loads the store kept at path, or starts an empty one if
// the file does not exist yet (it is written on the first change). The
// directory is created with mode 0700 if need be.
func OpenFileStore(path string) (*FileStore, error) {
	if path == "" {
		return nil, errors.New("passkey: file store: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("passkey: file store: %w", err)
	}
	s := &FileStore{path: path, state: emptyFileState()}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("passkey: file store: %w", err)
	}
	users, err := decodeFileUsers(b)
	if err != nil {
		return nil, fmt.Errorf("passkey: file store %s: %w", path, err)
	}
	st, err := newFileState(users)
	if err != nil {
		return nil, fmt.Errorf("passkey: file store %s: %w", path, err)
	}
	s.state = st
	return s, nil
}

func emptyFileState() fileState {
	return fileState{users: map[string]*User{}, byHandle: map[string]string{}, byCredID: map[string]string{}, bySub: map[string]string{}}
}

// decodeFileUsers reads the users of a FileStore file of either version.
func decodeFileUsers(b []byte) ([]*User, error) {
	var doc fileDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a credential file: %w", err)
	}
	if len(doc.Users) == 0 {
		doc.Users = json.RawMessage("[]")
	}
	switch doc.Version {
	case fileStoreVersion1:
		return usersFromFileV1(doc.Users)
	case fileStoreVersion:
		var users []*User
		if err := json.Unmarshal(doc.Users, &users); err != nil {
			return nil, fmt.Errorf("not a credential file: %w", err)
		}
		return users, nil
	default:
		return nil, fmt.Errorf("unsupported version %d", doc.Version)
	}
}

// newFileState indexes users, and refuses what no store would have
// written: the promises of CredentialStore broken.
func newFileState(users []*User) (fileState, error) {
	st := emptyFileState()
	for _, u := range users {
		if err := checkRecord(u); err != nil {
			return fileState{}, err
		}
		if _, dup := st.users[u.Username]; dup {
			return fileState{}, errors.New("a username twice")
		}
		hk := b64(u.Handle)
		if _, dup := st.byHandle[hk]; dup {
			return fileState{}, errors.New("a user handle twice")
		}
		for _, c := range u.Credentials {
			ck := b64(c.ID)
			if _, dup := st.byCredID[ck]; dup {
				return fileState{}, errors.New("a credential ID twice")
			}
			st.byCredID[ck] = u.Username
		}
		st.users[u.Username] = u
		st.byHandle[hk] = u.Username
		if u.Sub != "" {
			st.bySub[u.Sub] = u.Username
		}
		st.userOrder = append(st.userOrder, u.Username)
	}
	return st, nil
}

// checkRecord refuses a stored user without username or handle, or with a
// credential without ID.
func checkRecord(u *User) error {
	if u == nil || u.Username == "" || len(u.Handle) == 0 {
		return errors.New("a user without username or handle")
	}
	for _, c := range u.Credentials {
		if len(c.ID) == 0 {
			return errors.New("a credential without ID")
		}
	}
	return nil
}

func (st fileState) encode() ([]byte, error) {
	users := make([]*User, 0, len(st.userOrder))
	for _, name := range st.userOrder {
		users = append(users, st.users[name])
	}
	raw, err := json.Marshal(users)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(fileDoc{Version: fileStoreVersion, Users: raw}, "", "  ")
}

// clone copies st's maps; the users are shared, as nothing changes them.
func (st fileState) clone() fileState {
	return fileState{
		users:     maps.Clone(st.users),
		byHandle:  maps.Clone(st.byHandle),
		byCredID:  maps.Clone(st.byCredID),
		bySub:     maps.Clone(st.bySub),
		userOrder: st.userOrder,
	}
}

// with returns a copy of st in which u replaces (or adds) the user of its
// name, with the indexes of the old record dropped and u's added.
func (st fileState) with(u *User) fileState {
	next := st.without(u.Username)
	if _, known := st.users[u.Username]; known {
		next.userOrder = st.userOrder
	} else {
		next.userOrder = append(slices.Clone(st.userOrder), u.Username)
	}
	next.users[u.Username] = u
	next.byHandle[b64(u.Handle)] = u.Username
	for _, c := range u.Credentials {
		next.byCredID[b64(c.ID)] = u.Username
	}
	if u.Sub != "" {
		next.bySub[u.Sub] = u.Username
	}
	return next
}

// without returns a copy of st without the user named name and the index
// entries that point at it.
func (st fileState) without(name string) fileState {
	next := st.clone()
	old, ok := st.users[name]
	if !ok {
		return next
	}
	delete(next.users, name)
	delete(next.byHandle, b64(old.Handle))
	for _, c := range old.Credentials {
		delete(next.byCredID, b64(c.ID))
	}
	if next.bySub[old.Sub] == name {
		delete(next.bySub, old.Sub)
	}
	next.userOrder = slices.DeleteFunc(slices.Clone(st.userOrder), func(n string) bool { return n == name })
	return next
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// UserByName implements CredentialStore.
func (s *FileStore) UserByName(ctx context.Context, username string) (*User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.state.users[username]
	if !ok {
		return nil, ErrNotFound
	}
	return cloneUser(u), nil
}

// UserByHandle implements CredentialStore.
func (s *FileStore) UserByHandle(ctx context.Context, handle []byte) (*User, error) {
	return s.userByIndex(ctx, func(st fileState) (string, bool) {
		name, ok := st.byHandle[b64(handle)]
		return name, ok
	})
}

// UserBySub implements CredentialStore.
func (s *FileStore) UserBySub(ctx context.Context, sub string) (*User, error) {
	return s.userByIndex(ctx, func(st fileState) (string, bool) {
		name, ok := st.bySub[sub]
		return name, ok && sub != ""
	})
}

func (s *FileStore) userByIndex(ctx context.Context, lookup func(fileState) (string, bool)) (*User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := lookup(s.state)
	if !ok {
		return nil, ErrNotFound
	}
	return cloneUser(s.state.users[name]), nil
}

// AddCredential implements CredentialStore.
func (s *FileStore) AddCredential(ctx context.Context, username string, handle []byte, sub string, cred Credential) error {
	if err := checkAdd("file store", username, handle, cred); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.state.byCredID[b64(cred.ID)]; taken {
		return ErrCredentialExists
	}
	var u *User
	if old, ok := s.state.users[username]; ok {
		if !bytes.Equal(old.Handle, handle) {
			return ErrHandleConflict
		}
		u = cloneUser(old)
	} else {
		if _, taken := s.state.byHandle[b64(handle)]; taken {
			return ErrHandleConflict
		}
		u = &User{Username: username, Handle: bytes.Clone(handle)}
	}
	u.Sub = sub
	u.Credentials = append(u.Credentials, cloneCredential(cred))
	return s.commit(s.state.with(u))
}

// UpdateUser implements CredentialStore.
func (s *FileStore) UpdateUser(ctx context.Context, username string, change func(*User) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.state.users[username]
	if !ok {
		return ErrNotFound
	}
	next, err := applyChange(old, change)
	if err != nil {
		return err
	}
	return s.commit(s.state.with(next))
}

// DeleteUser implements CredentialStore.
func (s *FileStore) DeleteUser(ctx context.Context, username string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.state.users[username]; !ok {
		return ErrNotFound
	}
	return s.commit(s.state.without(username))
}

// commit writes next to the file and makes it the state. The caller holds
// s.mu for writing.
func (s *FileStore) commit(next fileState) error {
	b, err := next.encode()
	if err != nil {
		return fmt.Errorf("passkey: file store: %w", err)
	}
	if err := writeFileAtomic(s.path, b); err != nil {
		return fmt.Errorf("passkey: file store: %w", err)
	}
	s.state = next
	return nil
}

// writeFileAtomic replaces path with b: temporary file, fsync, rename,
// fsync of the directory.
func writeFileAtomic(path string, b []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file 0600 already; say so in case a platform
	// does otherwise.
	if err = f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err = f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems cannot sync a directory; the rename is done
	// either way, so that is no reason to report failure.
	_ = d.Sync()
	return nil
}
