package passkey_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/passkey"
)

// The fixtures in testdata were written by the code before records became
// passkey.Credential (see testdata/README.md).

// legacyKey is one passkey of a fixture, with its private key.
type legacyKey struct {
	Username   string `json:"username"`
	ID         string `json:"id"`
	UserHandle string `json:"userHandle"`
	RPID       string `json:"rpId"`
	PrivateKey string `json:"privateKey"`
	SignCount  uint32 `json:"signCount"`
	BE         bool   `json:"backupEligible"`
	BS         bool   `json:"backupState"`
	ZeroCount  bool   `json:"zeroCounter"`
}

func readLegacyKeys(t testing.TB, name string) []legacyKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var keys []legacyKey
	require.NoError(t, json.Unmarshal(b, &keys))
	require.NotEmpty(t, keys)
	return keys
}

// legacyAuthenticator returns a software authenticator holding the
// fixture's passkeys of username, as the user's device still does: a login
// with it signs in with a version-1 record.
func legacyAuthenticator(t testing.TB, keysFile, username string) *softAuthenticator {
	t.Helper()
	a := &softAuthenticator{origin: testOrigin}
	for _, k := range readLegacyKeys(t, keysFile) {
		if k.Username != username {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(k.PrivateKey)
		require.NoError(t, err)
		key, err := x509.ParsePKCS8PrivateKey(der)
		require.NoError(t, err)
		a.zeroCounter = k.ZeroCount
		a.creds = append(a.creds, &softCred{
			id: unb64u(t, k.ID), key: key.(*ecdsa.PrivateKey), userHandle: unb64u(t, k.UserHandle),
			rpID: k.RPID, signCount: k.SignCount, be: k.BE, bs: k.BS,
		})
	}
	require.NotEmpty(t, a.creds, "no passkeys of %s in %s", username, keysFile)
	return a
}

// checkLegacyUsers checks that s holds the fixture's users and passkeys as
// the old code stored them: handles, counters, flags, and public keys that
// are the private keys' own.
func checkLegacyUsers(t *testing.T, s passkey.CredentialStore, keysFile string) {
	t.Helper()
	ctx := context.Background()
	keys := readLegacyKeys(t, keysFile)
	for _, k := range keys {
		u, err := s.UserByName(ctx, k.Username)
		require.NoError(t, err)
		assert.Equal(t, unb64u(t, k.UserHandle), u.Handle)
		byHandle, err := s.UserByHandle(ctx, u.Handle)
		require.NoError(t, err)
		assert.Equal(t, u, byHandle)

		c := credentialByID(t, u, unb64u(t, k.ID))
		assert.Equal(t, k.SignCount, c.SignCount)
		assert.Equal(t, k.BE, c.BackupEligible)
		assert.Equal(t, k.BS, c.BackupState)
		assert.True(t, c.UserVerified)
		assert.Equal(t, "none", c.AttestationType)
		assert.Equal(t, []string{"internal"}, c.Transports)
		assert.Equal(t, make([]byte, 16), c.AAGUID)
		assert.True(t, c.Created.IsZero(), "version 1 did not say when")
		assert.True(t, c.LastUsed.IsZero() && c.Revoked.IsZero() && c.Name == "")

		der, err := base64.StdEncoding.DecodeString(k.PrivateKey)
		require.NoError(t, err)
		key, err := x509.ParsePKCS8PrivateKey(der)
		require.NoError(t, err)
		pub := key.(*ecdsa.PrivateKey).PublicKey
		raw, err := pub.Bytes()
		require.NoError(t, err)
		assert.True(t, bytes.Contains(c.PublicKey, raw[1:33]) && bytes.Contains(c.PublicKey, raw[33:]), "the COSE key holds X and Y")
	}
	ada, err := s.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	assert.Len(t, ada.Credentials, 2)
	assert.Empty(t, ada.Sub, "records written before binding have no sub")
}

// bindSub is the change a login makes to a record without a sub.
func bindSub(sub string) func(*passkey.User) error {
	return func(u *passkey.User) error {
		u.Sub = sub
		return nil
	}
}

func TestFileStoreReadsVersion1(t *testing.T) {
	ctx := context.Background()
	orig, err := os.ReadFile(filepath.Join("testdata", "filestore-v1.json"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "passkeys.json")
	require.NoError(t, os.WriteFile(path, orig, 0o600))

	s, err := passkey.OpenFileStore(path)
	require.NoError(t, err)
	checkLegacyUsers(t, s, "filestore-v1-keys.json")
	now, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, orig, now, "opening writes nothing")

	// The first change writes version 2; nothing is lost on the way.
	require.NoError(t, s.UpdateUser(ctx, "ada@example.com", bindSub("sub-ada")))
	var doc struct{ Version int }
	now, err = os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(now, &doc))
	assert.Equal(t, 2, doc.Version)
	reopened, err := passkey.OpenFileStore(path)
	require.NoError(t, err)
	require.NoError(t, reopened.UpdateUser(ctx, "ada@example.com", bindSub(""))) // back, to compare
	checkLegacyUsers(t, reopened, "filestore-v1-keys.json")
}

// loadDynamoFixture writes the items of a DynamoDB JSON fixture into table.
func loadDynamoFixture(t testing.TB, client *dynamodb.Client, table, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var items []map[string]map[string]string
	require.NoError(t, json.Unmarshal(b, &items))
	for _, raw := range items {
		item := map[string]types.AttributeValue{}
		for k, v := range raw {
			switch {
			case v["S"] != "":
				item[k] = &types.AttributeValueMemberS{Value: v["S"]}
			case v["N"] != "":
				item[k] = &types.AttributeValueMemberN{Value: v["N"]}
			case v["B"] != "":
				bin, err := base64.StdEncoding.DecodeString(v["B"])
				require.NoError(t, err)
				item[k] = &types.AttributeValueMemberB{Value: bin}
			default:
				t.Fatalf("fixture attribute %s: %v", k, v)
			}
		}
		_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
		require.NoError(t, err)
	}
}

// scanKeys returns the pk|sk of every item of table.
func scanKeys(t *testing.T, client *dynamodb.Client, table string) []string {
	t.Helper()
	out, err := client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	require.NoError(t, err)
	var keys []string
	for _, item := range out.Items {
		pk := item["pk"].(*types.AttributeValueMemberS).Value
		sk := item["sk"].(*types.AttributeValueMemberS).Value
		keys = append(keys, pk+"|"+sk)
	}
	return keys
}

func TestDynamoStoreReadsVersion1(t *testing.T) {
	ctx := context.Background()
	client := newMoto(t)
	table := freshTable("passkeys")
	createTable(t, client, passkey.DynamoTableInput(table))
	loadDynamoFixture(t, client, table, "dynamostore-v1.json")
	s := newDynamoStore(t, client, table)
	checkLegacyUsers(t, s, "dynamostore-v1-keys.json")

	// ada's first write turns her items into one record, in one
	// transaction: the version-1 credential items go.
	ada, err := s.UserByName(ctx, "ada@example.com")
	require.NoError(t, err)
	require.NoError(t, s.UpdateUser(ctx, "ada@example.com", bindSub("sub-ada")))
	for _, k := range scanKeys(t, client, table) {
		assert.NotContains(t, k, "USER#ada@example.com|CRED#")
	}
	fresh := newDynamoStore(t, client, table) // reads the table, not a memory
	got, err := fresh.UserBySub(ctx, "sub-ada")
	require.NoError(t, err)
	ada.Sub = "sub-ada"
	assert.Equal(t, ada, got)
	require.NoError(t, fresh.UpdateUser(ctx, "ada@example.com", bindSub("")))
	checkLegacyUsers(t, newDynamoStore(t, client, table), "dynamostore-v1-keys.json")

	// bob, still version 1, registers a second passkey, then is deleted:
	// nothing of his stays.
	bob, err := s.UserByName(ctx, "bob@example.com")
	require.NoError(t, err)
	second := testCredential(0)
	require.NoError(t, s.AddCredential(ctx, "bob@example.com", bob.Handle, "sub-bob", second))
	got, err = fresh.UserByHandle(ctx, bob.Handle)
	require.NoError(t, err)
	assert.Len(t, got.Credentials, 2)
	assert.Equal(t, "sub-bob", got.Sub)
	require.NoError(t, fresh.DeleteUser(ctx, "bob@example.com"))
	for _, k := range scanKeys(t, client, table) {
		assert.NotContains(t, k, "bob")
		assert.NotContains(t, k, b64u(bob.Handle))
		assert.NotContains(t, k, b64u(second.ID))
	}

	// A version-1 user deleted before any write.
	s2table := freshTable("passkeys")
	createTable(t, client, passkey.DynamoTableInput(s2table))
	loadDynamoFixture(t, client, s2table, "dynamostore-v1.json")
	s2 := newDynamoStore(t, client, s2table)
	require.NoError(t, s2.DeleteUser(ctx, "ada@example.com"))
	for _, k := range scanKeys(t, client, s2table) {
		assert.NotContains(t, k, "ada@example.com")
	}
	_, err = s2.UserByName(ctx, "bob@example.com")
	assert.NoError(t, err)
}

func TestDynamoStoreIgnoresLeftovers(t *testing.T) {
	// What a version-1 registration that lost a race left behind when its
	// clean-up failed is never a passkey, and goes with the user's first
	// write.
	ctx := context.Background()
	client := newMoto(t)
	table := freshTable("passkeys")
	createTable(t, client, passkey.DynamoTableInput(table))
	loadDynamoFixture(t, client, table, "dynamostore-v1.json")
	s := newDynamoStore(t, client, table)

	stray := randomBytes(32)
	_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
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
	assert.Len(t, u.Credentials, 2)
	_, err = s.UserByHandle(ctx, stray)
	assert.ErrorIs(t, err, passkey.ErrNotFound)
	require.NoError(t, s.UpdateUser(ctx, "ada@example.com", bindSub("sub-ada")))
	assert.NotContains(t, scanKeys(t, client, table), "USER#ada@example.com|CRED#c3RyYXk")

	// A user item missing (a crash before the last version-1 write): no
	// user, and the name registers again.
	_, err = client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "USER#bob@example.com"}, "sk": &types.AttributeValueMemberS{Value: "USER"},
	}})
	require.NoError(t, err)
	_, err = s.UserByName(ctx, "bob@example.com")
	assert.ErrorIs(t, err, passkey.ErrNotFound)
	assert.NoError(t, s.AddCredential(ctx, "bob@example.com", randomBytes(32), "sub-bob", testCredential(0)))
	u, err = s.UserByName(ctx, "bob@example.com")
	require.NoError(t, err)
	assert.Len(t, u.Credentials, 1)
}

func TestVersion1PasskeysSignIn(t *testing.T) {
	// The passkeys in the fixtures sign in through the relying party, on
	// each store that reads them, and their records get their users' subs.
	stores := []struct {
		name     string
		keysFile string
		open     func(t *testing.T) passkey.CredentialStore
	}{
		{"FileStore", "filestore-v1-keys.json", func(t *testing.T) passkey.CredentialStore {
			path := filepath.Join(t.TempDir(), "passkeys.json")
			b, err := os.ReadFile(filepath.Join("testdata", "filestore-v1.json"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, b, 0o600))
			s, err := passkey.OpenFileStore(path)
			require.NoError(t, err)
			return s
		}},
		{"BoltStore migrated", "filestore-v1-keys.json", func(t *testing.T) passkey.CredentialStore {
			path := filepath.Join(t.TempDir(), "passkeys.json")
			b, err := os.ReadFile(filepath.Join("testdata", "filestore-v1.json"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, b, 0o600))
			return openBolt(t, path)
		}},
		{"DynamoStore", "dynamostore-v1-keys.json", func(t *testing.T) passkey.CredentialStore {
			client := newMoto(t)
			table := freshTable("passkeys")
			createTable(t, client, passkey.DynamoTableInput(table))
			loadDynamoFixture(t, client, table, "dynamostore-v1.json")
			return newDynamoStore(t, client, table)
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			h := newHarness(t, func(c *passkey.Config) { c.Credentials = st.open(t) })
			// The users the old code created in Cognito.
			h.passwordUser("ada@example.com", "Unused-Pass-word-1")
			h.passwordUser("bob@example.com", "Unused-Pass-word-2")

			ada := legacyAuthenticator(t, st.keysFile, "ada@example.com")
			sess := h.loginWithName(ada, "ada@example.com").Session
			bob := legacyAuthenticator(t, st.keysFile, "bob@example.com")
			bobSess := h.loginDiscoverable(bob, bob.creds[0]).Session

			ctx := context.Background()
			rec, err := h.creds.UserBySub(ctx, h.validClaims(sess).Subject)
			require.NoError(t, err, "ada's record is bound to her sub")
			assert.Equal(t, "ada@example.com", rec.Username)
			used := 0
			for _, c := range ada.creds {
				got := credentialByID(t, rec, c.id)
				assert.Equal(t, c.signCount, got.SignCount)
				if !got.LastUsed.IsZero() {
					used++
				}
			}
			assert.Equal(t, 1, used, "the passkey that signed in is marked used")
			rec, err = h.creds.UserBySub(ctx, h.validClaims(bobSess).Subject)
			require.NoError(t, err)
			assert.Equal(t, "bob@example.com", rec.Username)
			assert.True(t, rec.Credentials[0].BackupEligible && rec.Credentials[0].BackupState)

			// ada's second passkey, never used, signs in too.
			h.loginDiscoverable(ada, ada.creds[1])
		})
	}
}
