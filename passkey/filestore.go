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
	"sync"

	"github.com/go-webauthn/webauthn/webauthn"
)

// FileStore is a CredentialStore kept in one JSON file: the embedded
// default for a service on one machine. It is safe for concurrent use
// within one process; two processes must not share a file.
//
// Every change writes the whole file anew: to a temporary file in the same
// directory, synced, then renamed over the old one (and the directory
// synced), so a crash leaves either the old file or the new one, never a
// torn one. A change that cannot be written is not applied. Reads are
// served from memory. The file is created with mode 0600: it lists email
// addresses.
//
// The format (version 1):
//
//	{"version":1,"users":[{"username":"ada@example.com","handle":"<base64>",
//	  "credentials":[<go-webauthn Credential JSON>, …]}, …]}
type FileStore struct {
	path string

	mu    sync.RWMutex
	state fileState
}

const fileStoreVersion = 1

type fileDoc struct {
	Version int        `json:"version"`
	Users   []fileUser `json:"users"`
}

type fileUser struct {
	Username    string                `json:"username"`
	Handle      []byte                `json:"handle"`
	Credentials []webauthn.Credential `json:"credentials"`
}

// fileState is the store's content with its two indexes. It is never
// changed in place: a change builds a new fileState, writes it, and only
// then replaces the old one.
type fileState struct {
	users     map[string]*User  // by username
	byHandle  map[string]string // base64 handle → username
	byCredID  map[string]string // base64 credential ID → username
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
	st, err := decodeFileState(b)
	if err != nil {
		return nil, fmt.Errorf("passkey: file store %s: %w", path, err)
	}
	s.state = st
	return s, nil
}

func emptyFileState() fileState {
	return fileState{users: map[string]*User{}, byHandle: map[string]string{}, byCredID: map[string]string{}}
}

func decodeFileState(b []byte) (fileState, error) {
	var doc fileDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return fileState{}, fmt.Errorf("not a credential file: %w", err)
	}
	if doc.Version != fileStoreVersion {
		return fileState{}, fmt.Errorf("unsupported version %d", doc.Version)
	}
	st := emptyFileState()
	for _, fu := range doc.Users {
		if fu.Username == "" || len(fu.Handle) == 0 {
			return fileState{}, errors.New("a user without username or handle")
		}
		if _, dup := st.users[fu.Username]; dup {
			return fileState{}, errors.New("a username twice")
		}
		hk := b64(fu.Handle)
		if _, dup := st.byHandle[hk]; dup {
			return fileState{}, errors.New("a user handle twice")
		}
		u := &User{Username: fu.Username, Handle: fu.Handle, Credentials: fu.Credentials}
		for _, c := range u.Credentials {
			ck := b64(c.ID)
			if _, dup := st.byCredID[ck]; dup || len(c.ID) == 0 {
				return fileState{}, errors.New("a credential ID empty or twice")
			}
			st.byCredID[ck] = u.Username
		}
		st.users[u.Username] = u
		st.byHandle[hk] = u.Username
		st.userOrder = append(st.userOrder, u.Username)
	}
	return st, nil
}

func (st fileState) encode() ([]byte, error) {
	doc := fileDoc{Version: fileStoreVersion, Users: make([]fileUser, 0, len(st.userOrder))}
	for _, name := range st.userOrder {
		u := st.users[name]
		doc.Users = append(doc.Users, fileUser{Username: u.Username, Handle: u.Handle, Credentials: u.Credentials})
	}
	return json.MarshalIndent(doc, "", "  ")
}

// with returns a copy of st in which u replaces (or adds) the user of its
// name. The maps are copied; the other users are shared, as nothing
// changes them.
func (st fileState) with(u *User) fileState {
	next := fileState{
		users:     maps.Clone(st.users),
		byHandle:  maps.Clone(st.byHandle),
		byCredID:  maps.Clone(st.byCredID),
		userOrder: st.userOrder,
	}
	if _, known := st.users[u.Username]; !known {
		next.userOrder = append(append([]string(nil), st.userOrder...), u.Username)
	}
	next.users[u.Username] = u
	next.byHandle[b64(u.Handle)] = u.Username
	for _, c := range u.Credentials {
		next.byCredID[b64(c.ID)] = u.Username
	}
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := s.state.byHandle[b64(handle)]
	if !ok {
		return nil, ErrNotFound
	}
	return cloneUser(s.state.users[name]), nil
}

// AddCredential implements CredentialStore.
func (s *FileStore) AddCredential(ctx context.Context, username string, handle []byte, cred webauthn.Credential) error {
	if username == "" || len(handle) == 0 || len(cred.ID) == 0 {
		return errors.New("passkey: file store: username, handle and credential ID are required")
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
	u.Credentials = append(u.Credentials, cloneCredential(cred))
	return s.commit(s.state.with(u))
}

// UpdateCredential implements CredentialStore.
func (s *FileStore) UpdateCredential(ctx context.Context, username string, cred webauthn.Credential) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.state.users[username]
	if !ok {
		return ErrNotFound
	}
	u := cloneUser(old)
	i := -1
	for j, c := range u.Credentials {
		if bytes.Equal(c.ID, cred.ID) {
			i = j
			break
		}
	}
	if i < 0 {
		return ErrNotFound
	}
	if !signCountAdvances(u.Credentials[i].Authenticator.SignCount, cred.Authenticator.SignCount) {
		return ErrSignCount
	}
	u.Credentials[i] = cloneCredential(cred)
	return s.commit(s.state.with(u))
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
