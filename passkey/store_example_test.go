package passkey_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/passkeybridge/bridge/passkey"
)

func ExampleOpenBoltStore() {
	dir, _ := os.MkdirTemp("", "passkey-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "passkeys.db") // a FileStore's JSON file here would be migrated
	ctx := context.Background()

	s, err := passkey.OpenBoltStore(path)
	if err != nil {
		log.Fatal(err)
	}
	handle := []byte("0123456789abcdef0123456789abcdef") // random in real use
	cred := passkey.Credential{ID: []byte("credential-1"), PublicKey: []byte{1, 2, 3}, Created: time.Now()}
	if err := s.AddCredential(ctx, "ada@example.com", handle, "sub-of-ada", cred); err != nil {
		log.Fatal(err)
	}
	err = s.AddCredential(ctx, "eve@example.com", []byte("another handle"), "sub-of-eve", cred)
	fmt.Println(errors.Is(err, passkey.ErrCredentialExists))

	// A login records its counter in one transaction.
	err = s.UpdateUser(ctx, "ada@example.com", func(u *passkey.User) error {
		u.Credentials[0].SignCount = 1
		u.Credentials[0].LastUsed = time.Now()
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	s.Close()

	// A restart reads the file back.
	s, err = passkey.OpenBoltStore(path)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	u, err := s.UserBySub(ctx, "sub-of-ada")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Username, len(u.Credentials), u.Credentials[0].SignCount)
	// Output:
	// true
	// ada@example.com 1 1
}

func ExampleNewMemoryState() {
	ctx := context.Background()
	s := passkey.NewMemoryState(passkey.MemoryStateConfig{MaxPerClient: 2})
	expires := time.Now().Add(5 * time.Minute)

	// A client past its budget loses its own oldest entries, nobody else's.
	for _, key := range []string{"a", "b", "c"} {
		if err := s.Create(ctx, passkey.StateEntry{Key: key, Value: []byte(key), Expires: expires, Client: "192.0.2.1"}); err != nil {
			log.Fatal(err)
		}
	}
	_, err := s.Take(ctx, "a")
	fmt.Println(errors.Is(err, passkey.ErrStateNotFound))

	// Take is once.
	v, _ := s.Take(ctx, "c")
	_, err = s.Take(ctx, "c")
	fmt.Println(string(v), errors.Is(err, passkey.ErrStateNotFound))
	// Output:
	// true
	// c true
}
