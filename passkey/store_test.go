package passkey_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/go-webauthn/webauthn/webauthn"
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

func testCredential(signCount uint32) webauthn.Credential {
	return webauthn.Credential{
		ID:                randomBytes(16),
		PublicKey:         randomBytes(77),
		AttestationFormat: "none",
		Flags:             webauthn.CredentialFlags{UserPresent: true, UserVerified: true},
		Authenticator:     webauthn.Authenticator{AAGUID: make([]byte, 16), SignCount: signCount},
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
	})

	t.Run("add and read", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		c1, c2 := testCredential(0), testCredential(5)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, c1))
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, c2))

		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.Equal(t, "ada@example.com", u.Username)
		assert.Equal(t, h, u.Handle)
		require.Len(t, u.Credentials, 2)
		ids := [][]byte{u.Credentials[0].ID, u.Credentials[1].ID}
		assert.ElementsMatch(t, [][]byte{c1.ID, c2.ID}, ids)
		for _, c := range u.Credentials {
			if string(c.ID) == string(c2.ID) {
				assert.Equal(t, c2.PublicKey, c.PublicKey)
				assert.EqualValues(t, 5, c.Authenticator.SignCount)
				assert.True(t, c.Flags.UserVerified)
			}
		}

		byHandle, err := s.UserByHandle(ctx, h)
		require.NoError(t, err)
		assert.Equal(t, u.Username, byHandle.Username)
		assert.Len(t, byHandle.Credentials, 2)
	})

	t.Run("another handle for a known username", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, testCredential(0)))
		other := randomBytes(32)
		err := s.AddCredential(ctx, "ada@example.com", other, testCredential(0))
		assert.ErrorIs(t, err, passkey.ErrHandleConflict)

		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.Len(t, u.Credentials, 1, "the loser's credential is not the user's")
		_, err = s.UserByHandle(ctx, other)
		assert.ErrorIs(t, err, passkey.ErrNotFound)
	})

	t.Run("credential IDs are never overwritten", func(t *testing.T) {
		s := newStore(t)
		c := testCredential(0)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), c))

		again := c
		again.PublicKey = randomBytes(77) // an attacker's key under the same ID
		assert.ErrorIs(t, s.AddCredential(ctx, "eve@example.com", randomBytes(32), again), passkey.ErrCredentialExists)
		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.Equal(t, c.PublicKey, u.Credentials[0].PublicKey)
		_, err = s.UserByName(ctx, "eve@example.com")
		assert.ErrorIs(t, err, passkey.ErrNotFound)

		h, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.ErrorIs(t, s.AddCredential(ctx, "ada@example.com", h.Handle, again), passkey.ErrCredentialExists)
	})

	t.Run("update counter", func(t *testing.T) {
		tests := []struct {
			name          string
			stored, next  uint32
			wantErr       error
			wantSignCount uint32
		}{
			{name: "advances", stored: 3, next: 4, wantSignCount: 4},
			{name: "jumps", stored: 3, next: 300, wantSignCount: 300},
			{name: "stays zero", stored: 0, next: 0, wantSignCount: 0},
			{name: "starts counting", stored: 0, next: 1, wantSignCount: 1},
			{name: "equal", stored: 3, next: 3, wantErr: passkey.ErrSignCount, wantSignCount: 3},
			{name: "goes back", stored: 3, next: 2, wantErr: passkey.ErrSignCount, wantSignCount: 3},
			{name: "drops to zero", stored: 3, next: 0, wantErr: passkey.ErrSignCount, wantSignCount: 3},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				c := testCredential(tt.stored)
				require.NoError(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), c))
				c.Authenticator.SignCount = tt.next
				c.Flags.BackupState = true
				err := s.UpdateCredential(ctx, "ada@example.com", c)
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
				} else {
					assert.NoError(t, err)
				}
				u, err := s.UserByName(ctx, "ada@example.com")
				require.NoError(t, err)
				assert.Equal(t, tt.wantSignCount, u.Credentials[0].Authenticator.SignCount)
				assert.Equal(t, tt.wantErr == nil, u.Credentials[0].Flags.BackupState, "the update is all or nothing")
			})
		}
	})

	t.Run("update unknown", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), testCredential(0)))
		assert.ErrorIs(t, s.UpdateCredential(ctx, "ada@example.com", testCredential(1)), passkey.ErrNotFound)
		assert.ErrorIs(t, s.UpdateCredential(ctx, "eve@example.com", testCredential(1)), passkey.ErrNotFound)
	})

	t.Run("values are copies", func(t *testing.T) {
		s := newStore(t)
		h := randomBytes(32)
		c := testCredential(0)
		require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, c))
		c.PublicKey[0] ^= 0xff
		h[0] ^= 0xff
		u, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.NotEqual(t, c.PublicKey, u.Credentials[0].PublicKey)
		u.Credentials[0].PublicKey[0] ^= 0xff
		u.Handle[0] ^= 0xff
		again, err := s.UserByName(ctx, "ada@example.com")
		require.NoError(t, err)
		assert.NotEqual(t, u.Credentials[0].PublicKey, again.Credentials[0].PublicKey)
		assert.NotEqual(t, u.Handle, again.Handle)
	})

	t.Run("concurrent first registrations", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		handles := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			handles[i] = randomBytes(32)
			wg.Go(func() { errs[i] = s.AddCredential(ctx, "race@example.com", handles[i], testCredential(0)) })
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
		assert.Len(t, u.Credentials, 1)
		for i, h := range handles {
			if i != winner {
				_, err := s.UserByHandle(ctx, h)
				assert.ErrorIs(t, err, passkey.ErrNotFound)
			}
		}
	})

	t.Run("concurrent users and updates", func(t *testing.T) {
		s := newStore(t)
		const users, updates = 6, 10
		var wg sync.WaitGroup
		creds := make([]webauthn.Credential, users)
		for i := range users {
			creds[i] = testCredential(0)
			wg.Go(func() {
				name := fmt.Sprintf("user%d@example.com", i)
				assert.NoError(t, s.AddCredential(ctx, name, randomBytes(32), creds[i]))
				var inner sync.WaitGroup
				for n := uint32(1); n <= updates; n++ {
					inner.Go(func() {
						c := creds[i]
						c.Authenticator.SignCount = n
						err := s.UpdateCredential(ctx, name, c)
						if err != nil {
							assert.ErrorIs(t, err, passkey.ErrSignCount)
						}
					})
				}
				inner.Wait()
			})
		}
		wg.Wait()
		for i := range users {
			u, err := s.UserByName(ctx, fmt.Sprintf("user%d@example.com", i))
			require.NoError(t, err)
			require.Len(t, u.Credentials, 1)
			// Whatever order the updates landed in, the highest stays.
			assert.EqualValues(t, updates, u.Credentials[0].Authenticator.SignCount)
		}
	})
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
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, c))
	c.Authenticator.SignCount = 2
	require.NoError(t, s.UpdateCredential(ctx, "ada@example.com", c))
	require.NoError(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), testCredential(0)))

	reopened, err := passkey.OpenFileStore(path)
	require.NoError(t, err)
	u, err := reopened.UserByHandle(ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", u.Username)
	require.Len(t, u.Credentials, 1)
	assert.Equal(t, c.ID, u.Credentials[0].ID)
	assert.Equal(t, c.PublicKey, u.Credentials[0].PublicKey)
	assert.EqualValues(t, 2, u.Credentials[0].Authenticator.SignCount)
	_, err = reopened.UserByName(ctx, "bob@example.com")
	assert.NoError(t, err)
	// The reopened store keeps the promises too.
	assert.ErrorIs(t, reopened.AddCredential(ctx, "eve@example.com", randomBytes(32), c), passkey.ErrCredentialExists)

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
			assert.NoError(t, s.AddCredential(ctx, fmt.Sprintf("u%d@example.com", i), randomBytes(32), testCredential(0)))
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
		{"wrong version", `{"version":2,"users":[]}`},
		{"user without handle", `{"version":1,"users":[{"username":"a@example.com","credentials":[]}]}`},
		{"duplicate user", `{"version":1,"users":[{"username":"a@example.com","handle":"AQ==","credentials":[]},{"username":"a@example.com","handle":"Ag==","credentials":[]}]}`},
		{"duplicate handle", `{"version":1,"users":[{"username":"a@example.com","handle":"AQ==","credentials":[]},{"username":"b@example.com","handle":"AQ==","credentials":[]}]}`},
		{"duplicate credential", `{"version":1,"users":[{"username":"a@example.com","handle":"AQ==","credentials":[{"id":"AQ=="}]},{"username":"b@example.com","handle":"Ag==","credentials":[{"id":"AQ=="}]}]}`},
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

	assert.Error(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), testCredential(0)))
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
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", randomBytes(32), testCredential(0)))
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Mkdir(path, 0o700)) // rename over a directory fails
	require.NoError(t, os.WriteFile(filepath.Join(path, "x"), nil, 0o600))

	assert.Error(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), testCredential(0)))
	_, err = s.UserByName(ctx, "bob@example.com")
	assert.ErrorIs(t, err, passkey.ErrNotFound)
	_, err = s.UserByName(ctx, "ada@example.com")
	assert.NoError(t, err)
}

// newDynalite returns a DynamoDB client for a fresh dynalite and creates a
// table in it.
func newDynalite(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	endpoint := testtools.StartDynalite(t)
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDDYNALITE", SecretAccessKey: "dynalite"}, nil
		}),
	})
	return client, "passkeys"
}

// createTable creates a DynamoStore table and waits until it is ACTIVE
// (dynalite, too, creates tables asynchronously).
func createTable(t *testing.T, client *dynamodb.Client, table string) {
	t.Helper()
	ctx := context.Background()
	_, err := client.CreateTable(ctx, passkey.DynamoTableInput(table))
	require.NoError(t, err)
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	require.NoError(t, w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 10*time.Second))
}

func TestDynamoStore(t *testing.T) {
	client, _ := newDynalite(t) // one emulator, a table per test
	var mu sync.Mutex
	n := 0
	storeContract(t, func(t *testing.T) passkey.CredentialStore {
		mu.Lock()
		n++
		table := fmt.Sprintf("passkeys-%d", n)
		mu.Unlock()
		createTable(t, client, table)
		s, err := passkey.NewDynamoStore(passkey.DynamoConfig{Client: client, Table: table})
		require.NoError(t, err)
		return s
	})
}

func TestDynamoStoreIgnoresLeftovers(t *testing.T) {
	// What a crash between AddCredential's writes leaves behind, and what
	// a lost race leaves when the clean-up fails, is never a passkey.
	ctx := context.Background()
	client, table := newDynalite(t)
	createTable(t, client, table)
	s, err := passkey.NewDynamoStore(passkey.DynamoConfig{Client: client, Table: table})
	require.NoError(t, err)

	h := randomBytes(32)
	require.NoError(t, s.AddCredential(ctx, "ada@example.com", h, testCredential(0)))
	// A credential item under ada's partition with another handle, and a
	// handle item pointing at ada, as a losing registration writes them.
	stray := randomBytes(32)
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "USER#ada@example.com"}, "sk": &types.AttributeValueMemberS{Value: "CRED#c3RyYXk"},
		"handle": &types.AttributeValueMemberB{Value: stray}, "signCount": &types.AttributeValueMemberN{Value: "0"},
		"credential": &types.AttributeValueMemberS{Value: `{"id":"not base64!","publicKey":"AQ=="}`},
	}})
	require.NoError(t, err)
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "HANDLE#" + b64u(stray)}, "sk": &types.AttributeValueMemberS{Value: "HANDLE"},
		"username": &types.AttributeValueMemberS{Value: "ada@example.com"},
	}})
	require.NoError(t, err)

	u, err := s.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	assert.Len(t, u.Credentials, 1)
	_, err = s.UserByHandle(ctx, stray)
	assert.ErrorIs(t, err, passkey.ErrNotFound)

	// A credential without its user item (a crash before the last write).
	require.NoError(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), testCredential(0)))
	_, err = client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "USER#bob@example.com"}, "sk": &types.AttributeValueMemberS{Value: "USER"},
	}})
	require.NoError(t, err)
	_, err = s.UserByName(ctx, "bob@example.com")
	assert.ErrorIs(t, err, passkey.ErrNotFound)
	// …and bob can register again, with a new passkey.
	assert.NoError(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), testCredential(0)))
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
			s, err := passkey.NewDynamoStore(passkey.DynamoConfig{Client: failingDynamo{tt.err}, Table: "t"})
			require.NoError(t, err)
			errs := []error{
				func() error { _, err := s.UserByName(ctx, "a@example.com"); return err }(),
				func() error { _, err := s.UserByHandle(ctx, []byte{1}); return err }(),
				s.AddCredential(ctx, "a@example.com", []byte{1}, testCredential(0)),
				s.UpdateCredential(ctx, "a@example.com", testCredential(1)),
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
