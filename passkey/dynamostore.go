package passkey

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// DynamoAPI is the part of the DynamoDB API the DynamoStore calls.
// *dynamodb.Client satisfies it.
type DynamoAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ DynamoAPI = (*dynamodb.Client)(nil)

// DynamoStore is a CredentialStore in one DynamoDB table, for services
// that run on many machines. It is safe for concurrent use, from any
// number of processes.
//
// # Table
//
// One table with a string partition key "pk" and a string sort key "sk"
// (DynamoTableInput creates it), holding four kinds of items:
//
//	pk                     sk       attributes
//	HANDLE#<user handle>   HANDLE   username (S), record (S: the User as JSON), rev (N), v (N: 2), w (B)
//	USER#<username>        USER     handle (B), v (N: 2)
//	CRED#<credential ID>   CRED     username (S)
//	SUB#<Cognito sub>      SUB      username (S), handle (B)
//
// IDs and handles are base64url without padding. A user's whole record
// lives in one item, under the handle, so a discoverable login reads it
// with one GetItem; rev counts its versions, and every write of it is
// conditional on the rev it read, so concurrent changes never overwrite
// each other (UpdateUser runs the change again on the newer record). The
// USER item is the username's claim and the way from a name to the
// handle; the CRED items claim credential IDs, the SUB items find a user
// by Cognito sub (a reader checks the record's own sub). w marks the write
// that made the record, so that a write the SDK retried after its answer
// was lost knows that its first try succeeded.
//
// A registration is one TransactWriteItems: the credential ID's claim
// (attribute_not_exists), the USER item (new, or left as it is) and the
// record (new, or the rev read), so of two concurrent first
// registrations of one username exactly one wins, and a credential ID is
// never stored twice, whoever registers it. A discoverable login takes two
// calls: GetItem of the record, and a conditional PutItem of it (the store
// remembers the rev of records it read lately; when another instance
// changed one meanwhile, the write fails its condition and the store
// reads again).
//
// Tables written before version 2 hold USER#<username> CRED#<credential
// ID> items with go-webauthn's Credential JSON, and a HANDLE item with
// only a username. They are read as they are, and a user's first write
// turns them into a version-2 record in the same transaction (see
// migrate.go).
//
// IAM: dynamodb:GetItem, PutItem, DeleteItem, Query and TransactWriteItems
// (which needs PutItem, DeleteItem and ConditionCheckItem) on the table.
type DynamoStore struct {
	client DynamoAPI
	table  string
	revs   revCache
}

var _ CredentialStore = (*DynamoStore)(nil)

// DynamoConfig configures a DynamoStore.
type DynamoConfig struct {
	// Client calls DynamoDB. Required.
	Client DynamoAPI
	// Table names the table (see DynamoStore for its schema). Required.
	Table string
}

// NewDynamoStore checks cfg and returns a DynamoStore.
func NewDynamoStore(cfg DynamoConfig) (*DynamoStore, error) {
	var errs []error
	if cfg.Client == nil {
		errs = append(errs, errors.New("Client is nil"))
	}
	if cfg.Table == "" {
		errs = append(errs, errors.New("Table is empty"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("passkey: invalid dynamo config: %w", errors.Join(errs...))
	}
	return &DynamoStore{client: cfg.Client, table: cfg.Table, revs: revCache{m: map[string]*dynamoUser{}}}, nil
}

// DynamoTableInput returns the CreateTable request for a DynamoStore
// table named name: keys pk and sk (strings), on-demand capacity.
func DynamoTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(attrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(attrSK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(attrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(attrSK), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	}
}

// Attribute names and key prefixes of the table.
const (
	attrPK       = "pk"
	attrSK       = "sk"
	attrHandle   = "handle"
	attrUsername = "username"
	attrRecord   = "record"
	attrRev      = "rev"
	attrVersion  = "v"
	attrWrite    = "w"

	prefixUser   = "USER#"
	prefixHandle = "HANDLE#"
	prefixCred   = "CRED#"
	prefixSub    = "SUB#"
	skUser       = "USER"
	skHandle     = "HANDLE"
	skCred       = "CRED"
	skSub        = "SUB"
)

// maxWriteAttempts bounds how often a write that lost a race to another
// writer of the same record is tried again.
const maxWriteAttempts = 20

// backOff waits a little before attempt (from 0) of a write that lost a
// race, longer with each loss and at random, so that the racing writers
// do not collide again; nothing for the first attempt.
func backOff(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	limit := time.Millisecond << min(attempt, 6)
	t := time.NewTimer(rand.N(limit))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxTransactItems is DynamoDB's limit on the items of one transaction.
const maxTransactItems = 100

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func bin(b []byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: b} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// dynamoUser is a user as read from the table, with what a write of it
// must know.
type dynamoUser struct {
	user *User
	rev  int64 // the record's rev; 0: a version-1 user, never written since
	// legacy are the sort keys of the version-1 items in the user's
	// partition, deleted when the user is first written.
	legacy []string
}

func (d *dynamoUser) clone() *dynamoUser {
	return &dynamoUser{user: cloneUser(d.user), rev: d.rev, legacy: slices.Clone(d.legacy)}
}

// revCache remembers the records this store read or wrote lately, so
// that a login's write needs no second read. It is only ever a guess:
// every write is conditional on the rev it names.
type revCache struct {
	mu sync.Mutex
	m  map[string]*dynamoUser
}

// revCacheSize bounds the cache; a few KiB a record.
const revCacheSize = 1024

func (c *revCache) put(d *dynamoUser) {
	if d.rev == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= revCacheSize {
		for k := range c.m { // any one: the cache only saves a read
			delete(c.m, k)
			break
		}
	}
	c.m[d.user.Username] = d.clone()
}

func (c *revCache) get(username string) *dynamoUser {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.m[username]; ok {
		return d.clone()
	}
	return nil
}

func (c *revCache) drop(username string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, username)
}

// UserByName implements CredentialStore.
func (s *DynamoStore) UserByName(ctx context.Context, username string) (*User, error) {
	d, err := s.readByName(ctx, username)
	if err != nil {
		return nil, err
	}
	return d.user, nil
}

// UserByHandle implements CredentialStore.
func (s *DynamoStore) UserByHandle(ctx context.Context, handle []byte) (*User, error) {
	d, err := s.readByHandle(ctx, handle)
	if err != nil {
		return nil, err
	}
	return d.user, nil
}

// UserBySub implements CredentialStore.
func (s *DynamoStore) UserBySub(ctx context.Context, sub string) (*User, error) {
	if sub == "" {
		return nil, ErrNotFound
	}
	item, err := s.get(ctx, prefixSub+sub, skSub)
	if err != nil {
		return nil, dynamoError("get sub", err)
	}
	h, ok := binaryAttr(item, attrHandle)
	if !ok {
		return nil, ErrNotFound
	}
	d, err := s.readByHandle(ctx, h)
	if err != nil {
		return nil, err
	}
	if d.user.Sub != sub {
		return nil, ErrNotFound // bound to another sub since
	}
	return d.user, nil
}

func (s *DynamoStore) get(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// readByHandle reads the user whose handle is handle: one GetItem for a
// version-2 record.
func (s *DynamoStore) readByHandle(ctx context.Context, handle []byte) (*dynamoUser, error) {
	item, err := s.get(ctx, prefixHandle+b64(handle), skHandle)
	if err != nil {
		return nil, dynamoError("get handle", err)
	}
	name, ok := stringAttr(item, attrUsername)
	if !ok {
		return nil, ErrNotFound
	}
	if _, ok := item[attrRecord]; ok {
		d, err := decodeRecordItem(item, name, handle)
		if err != nil {
			return nil, err
		}
		s.revs.put(d)
		return d, nil
	}
	// A version-1 handle item, or what a registration that lost the
	// race for its username left behind: the user item decides.
	d, err := s.readByName(ctx, name)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(d.user.Handle, handle) {
		return nil, ErrNotFound
	}
	return d, nil
}

// readByName reads the user stored under username: a Query of the user's
// partition, then the record (version 2) or the credential items found
// (version 1).
func (s *DynamoStore) readByName(ctx context.Context, username string) (*dynamoUser, error) {
	var (
		userItem  map[string]types.AttributeValue
		credItems []map[string]types.AttributeValue
		legacy    []string
		start     map[string]types.AttributeValue
	)
	for {
		out, err := s.client.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ExpressionAttributeNames:  map[string]string{"#pk": attrPK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(prefixUser + username)},
			ConsistentRead:            aws.Bool(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, dynamoError("query user", err)
		}
		for _, item := range out.Items {
			sk, _ := stringAttr(item, attrSK)
			switch {
			case sk == skUser:
				userItem = item
			case strings.HasPrefix(sk, prefixCred):
				credItems = append(credItems, item)
				legacy = append(legacy, sk)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	if userItem == nil {
		return nil, ErrNotFound
	}
	handle, ok := binaryAttr(userItem, attrHandle)
	if !ok {
		return nil, errors.New("passkey: dynamodb: user item without handle")
	}
	if _, v2 := userItem[attrVersion]; !v2 {
		return dynamoUserV1(username, handle, credItems, legacy)
	}
	item, err := s.get(ctx, prefixHandle+b64(handle), skHandle)
	if err != nil {
		return nil, dynamoError("get record", err)
	}
	if len(item) == 0 {
		return nil, errors.New("passkey: dynamodb: user item without record")
	}
	d, err := decodeRecordItem(item, username, handle)
	if err != nil {
		return nil, err
	}
	d.legacy = legacy // none, unless a version-1 writer ran since
	s.revs.put(d)
	return d, nil
}

// decodeRecordItem reads a version-2 record and checks that it is the one
// the keys that led to it name.
func decodeRecordItem(item map[string]types.AttributeValue, username string, handle []byte) (*dynamoUser, error) {
	rec, _ := stringAttr(item, attrRecord)
	var u User
	if err := json.Unmarshal([]byte(rec), &u); err != nil {
		return nil, fmt.Errorf("passkey: dynamodb: record: %w", err)
	}
	rev, err := numberAttr(item, attrRev)
	if err != nil || rev <= 0 {
		return nil, errors.New("passkey: dynamodb: record without rev")
	}
	if u.Username != username || !bytes.Equal(u.Handle, handle) {
		return nil, ErrNotFound // a handle that lost the race for its username
	}
	if err := checkRecord(&u); err != nil {
		return nil, fmt.Errorf("passkey: dynamodb: record: %w", err)
	}
	return &dynamoUser{user: &u, rev: rev}, nil
}

// AddCredential implements CredentialStore.
func (s *DynamoStore) AddCredential(ctx context.Context, username string, handle []byte, sub string, cred Credential) error {
	if err := checkAdd("dynamodb", username, handle, cred); err != nil {
		return err
	}
	cred = cloneCredential(cred)
	for attempt := range maxWriteAttempts {
		if err := backOff(ctx, attempt); err != nil {
			return err
		}
		cur, err := s.readByName(ctx, username)
		switch {
		case errors.Is(err, ErrNotFound):
			cur = nil
		case err != nil:
			return err
		case !bytes.Equal(cur.user.Handle, handle):
			return ErrHandleConflict
		}
		next := &User{Username: username, Handle: bytes.Clone(handle)}
		if cur != nil {
			next = cloneUser(cur.user)
		}
		next.Sub = sub
		next.Credentials = append(next.Credentials, cred)
		w, err := s.writeUser(ctx, cur, next, cred.ID, nil)
		switch {
		case err != nil:
			return err
		case w.credTaken:
			return ErrCredentialExists
		case w.handleTaken:
			return ErrHandleConflict
		case w.ok:
			return nil
		}
		// Another writer changed the user meanwhile: read again.
	}
	return fmt.Errorf("passkey: dynamodb: add credential: %w: too much contention", ErrUnavailable)
}

// UpdateUser implements CredentialStore.
func (s *DynamoStore) UpdateUser(ctx context.Context, username string, change func(*User) error) error {
	cur := s.revs.get(username)
	for attempt := range maxWriteAttempts {
		if err := backOff(ctx, attempt); err != nil {
			return err
		}
		cached := cur != nil
		if !cached {
			var err error
			if cur, err = s.readByName(ctx, username); err != nil {
				return err
			}
		}
		next, err := applyChange(cur.user, change)
		if err != nil && cached {
			// The remembered record may be behind the table: only a
			// verdict on what the table holds counts.
			cur = nil
			continue
		}
		if err != nil {
			return err
		}
		var removed [][]byte
		for _, c := range cur.user.Credentials {
			if !hasCredential(next.Credentials, c.ID) {
				removed = append(removed, c.ID)
			}
		}
		w, err := s.writeUser(ctx, cur, next, nil, removed)
		if err != nil {
			return err
		}
		if w.ok {
			return nil
		}
		cur = nil
	}
	return fmt.Errorf("passkey: dynamodb: update user: %w: too much contention", ErrUnavailable)
}

// DeleteUser implements CredentialStore.
func (s *DynamoStore) DeleteUser(ctx context.Context, username string) error {
	for attempt := range maxWriteAttempts {
		if err := backOff(ctx, attempt); err != nil {
			return err
		}
		cur, err := s.readByName(ctx, username)
		if errors.Is(err, ErrNotFound) && attempt > 0 {
			return nil // deleted by the try before (its answer lost) or by another
		}
		if err != nil {
			return err
		}
		u := cur.user
		items := []types.TransactWriteItem{s.deleteItem(prefixUser+username, skUser, "#h = :h",
			map[string]string{"#h": attrHandle}, map[string]types.AttributeValue{":h": bin(u.Handle)})}
		items = append(items, s.recordDelete(cur))
		for _, c := range u.Credentials {
			items = append(items, s.deleteItem(prefixCred+b64(c.ID), skCred, "", nil, nil))
		}
		for _, sk := range cur.legacy {
			items = append(items, s.deleteItem(prefixUser+username, sk, "", nil, nil))
		}
		failed, err := s.transact(ctx, items)
		if err != nil {
			return dynamoError("delete user", err)
		}
		s.revs.drop(username)
		if failed == nil {
			s.unbindSub(ctx, u.Sub, u)
			return nil
		}
	}
	return fmt.Errorf("passkey: dynamodb: delete user: %w: too much contention", ErrUnavailable)
}

// writeResult says how a write of a user record ended: stored, or which
// condition failed. Neither ok nor a taken flag: another writer changed
// the record first.
type writeResult struct {
	ok          bool
	credTaken   bool // the new credential ID is stored already
	handleTaken bool // a new user's handle belongs to another username
}

// writeUser stores next in place of cur (nil: a new user), claiming
// newCred (if not nil) and releasing the IDs of removed, all in one
// write: a PutItem when only the record changes, else one
// TransactWriteItems.
func (s *DynamoStore) writeUser(ctx context.Context, cur *dynamoUser, next *User, newCred []byte, removed [][]byte) (writeResult, error) {
	rec, err := json.Marshal(next)
	if err != nil {
		return writeResult{}, fmt.Errorf("passkey: dynamodb: %w", err)
	}
	name, handle := next.Username, next.Handle
	var rev int64 = 1
	if cur != nil {
		rev = cur.rev + 1
	}
	// The write's own mark, so that a retry can tell its first try from
	// another writer's identical record.
	token := make([]byte, 12)
	_, _ = crand.Read(token)
	recordItem := map[string]types.AttributeValue{
		attrPK: str(prefixHandle + b64(handle)), attrSK: str(skHandle),
		attrUsername: str(name), attrRecord: str(string(rec)), attrRev: num(rev), attrVersion: num(recordVersion),
		attrWrite: bin(token),
	}
	userItem := map[string]types.AttributeValue{
		attrPK: str(prefixUser + name), attrSK: str(skUser),
		attrHandle: bin(handle), attrVersion: num(recordVersion),
	}

	var items []types.TransactWriteItem
	credIndex, handleIndex := -1, -1
	if newCred != nil {
		credIndex = len(items)
		items = append(items, s.putItem(map[string]types.AttributeValue{
			attrPK: str(prefixCred + b64(newCred)), attrSK: str(skCred), attrUsername: str(name),
		}, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil))
	}
	switch {
	case cur == nil:
		items = append(items, s.putItem(userItem, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil))
		handleIndex = len(items)
		items = append(items, s.putItem(recordItem, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil))
	case cur.rev == 0:
		// The first write of a version-1 user turns it into a record.
		items = append(items, s.putItem(userItem, "#h = :h AND attribute_not_exists(#v)",
			map[string]string{"#h": attrHandle, "#v": attrVersion}, map[string]types.AttributeValue{":h": bin(handle)}))
		items = append(items, s.putItem(recordItem, "attribute_not_exists(#pk) OR (#u = :u AND attribute_not_exists(#r))",
			map[string]string{"#pk": attrPK, "#u": attrUsername, "#r": attrRecord}, map[string]types.AttributeValue{":u": str(name)}))
	default:
		items = append(items, s.putItem(recordItem, "#rev = :rev",
			map[string]string{"#rev": attrRev}, map[string]types.AttributeValue{":rev": num(cur.rev)}))
	}
	if cur != nil {
		for _, sk := range cur.legacy {
			items = append(items, s.deleteItem(prefixUser+name, sk, "", nil, nil))
		}
	}
	for _, id := range removed {
		items = append(items, s.deleteItem(prefixCred+b64(id), skCred, "", nil, nil))
	}
	oldSub := ""
	if cur != nil {
		oldSub = cur.user.Sub
	}
	if next.Sub != "" && next.Sub != oldSub {
		items = append(items, s.putItem(map[string]types.AttributeValue{
			attrPK: str(prefixSub + next.Sub), attrSK: str(skSub), attrUsername: str(name), attrHandle: bin(handle),
		}, "", nil, nil))
	}
	if len(items) > maxTransactItems {
		return writeResult{}, fmt.Errorf("passkey: dynamodb: a user with too many credentials for one transaction (%d items)", len(items))
	}

	failed, err := s.transact(ctx, items)
	if err != nil {
		return writeResult{}, dynamoError("write user", err)
	}
	if failed != nil {
		s.revs.drop(name)
		// The SDK retries a call whose answer was lost; when the first
		// try was written, the retry fails its conditions against it.
		if s.recordIs(ctx, handle, rev, token) {
			failed = nil
		}
	}
	if failed != nil {
		return writeResult{
			credTaken:   credIndex >= 0 && failed[credIndex],
			handleTaken: handleIndex >= 0 && failed[handleIndex] && !failed[handleIndex-1],
		}, nil
	}
	s.revs.put(&dynamoUser{user: next, rev: rev})
	if oldSub != next.Sub && cur != nil {
		s.unbindSub(ctx, oldSub, next)
	}
	return writeResult{ok: true}, nil
}

// recordIs reports whether the record under handle is rev, as the write
// marked token wrote it.
func (s *DynamoStore) recordIs(ctx context.Context, handle []byte, rev int64, token []byte) bool {
	item, err := s.get(ctx, prefixHandle+b64(handle), skHandle)
	if err != nil {
		return false
	}
	got, _ := binaryAttr(item, attrWrite)
	n, err := numberAttr(item, attrRev)
	return err == nil && n == rev && bytes.Equal(got, token)
}

// recordDelete is the deletion of cur's record: under the rev read, or,
// for a version-1 user, the handle item if it is the user's.
func (s *DynamoStore) recordDelete(cur *dynamoUser) types.TransactWriteItem {
	if cur.rev == 0 {
		return s.deleteItem(prefixHandle+b64(cur.user.Handle), skHandle, "attribute_not_exists(#pk) OR #u = :u",
			map[string]string{"#pk": attrPK, "#u": attrUsername}, map[string]types.AttributeValue{":u": str(cur.user.Username)})
	}
	return s.deleteItem(prefixHandle+b64(cur.user.Handle), skHandle, "#rev = :rev",
		map[string]string{"#rev": attrRev}, map[string]types.AttributeValue{":rev": num(cur.rev)})
}

// unbindSub deletes the SUB item of sub if it still names u. It is best
// effort: UserBySub checks the record's own sub, so a SUB item left
// behind finds nobody.
func (s *DynamoStore) unbindSub(ctx context.Context, sub string, u *User) {
	if sub == "" {
		return
	}
	_, _ = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(prefixSub+sub, skSub),
		ConditionExpression:       aws.String("#u = :u AND #h = :h"),
		ExpressionAttributeNames:  map[string]string{"#u": attrUsername, "#h": attrHandle},
		ExpressionAttributeValues: map[string]types.AttributeValue{":u": str(u.Username), ":h": bin(u.Handle)},
	})
}

func (s *DynamoStore) putItem(item map[string]types.AttributeValue, cond string, names map[string]string, values map[string]types.AttributeValue) types.TransactWriteItem {
	p := &types.Put{TableName: aws.String(s.table), Item: item, ExpressionAttributeNames: names, ExpressionAttributeValues: values}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Put: p}
}

func (s *DynamoStore) deleteItem(pk, sk, cond string, names map[string]string, values map[string]types.AttributeValue) types.TransactWriteItem {
	d := &types.Delete{TableName: aws.String(s.table), Key: key(pk, sk), ExpressionAttributeNames: names, ExpressionAttributeValues: values}
	if cond != "" {
		d.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Delete: d}
}

// transact writes items all or none. failed is nil when they were
// written, or says which conditions failed; a transaction that collided
// with another on the same items counts as failed too (failed all false),
// for the caller to read again and retry. One item is written with
// PutItem or DeleteItem, a call that costs half as much.
func (s *DynamoStore) transact(ctx context.Context, items []types.TransactWriteItem) (failed []bool, err error) {
	if len(items) == 1 {
		switch it := items[0]; {
		case it.Put != nil:
			_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: it.Put.TableName, Item: it.Put.Item, ConditionExpression: it.Put.ConditionExpression,
				ExpressionAttributeNames: it.Put.ExpressionAttributeNames, ExpressionAttributeValues: it.Put.ExpressionAttributeValues,
			})
		case it.Delete != nil:
			_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName: it.Delete.TableName, Key: it.Delete.Key, ConditionExpression: it.Delete.ConditionExpression,
				ExpressionAttributeNames: it.Delete.ExpressionAttributeNames, ExpressionAttributeValues: it.Delete.ExpressionAttributeValues,
			})
		}
		if isConditionFailed(err) {
			return []bool{true}, nil
		}
		return nil, err
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, err
	}
	failed = make([]bool, len(items))
	for i, r := range tce.CancellationReasons {
		switch code := aws.ToString(r.Code); code {
		case "ConditionalCheckFailed":
			if i < len(failed) {
				failed[i] = true
			}
		case "", "None", "TransactionConflict":
		default:
			// Throttling, a capacity limit, a validation error: no
			// condition decided this.
			return nil, fmt.Errorf("%w (%s)", err, code)
		}
	}
	return failed, nil
}

func stringAttr(item map[string]types.AttributeValue, name string) (string, bool) {
	v, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return v.Value, true
}

func binaryAttr(item map[string]types.AttributeValue, name string) ([]byte, bool) {
	v, ok := item[name].(*types.AttributeValueMemberB)
	if !ok || len(v.Value) == 0 {
		return nil, false
	}
	return v.Value, true
}

func numberAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("no number %s", name)
	}
	return strconv.ParseInt(v.Value, 10, 64)
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// unavailableCodes are DynamoDB's errors that say "not now" rather than
// "not like this"; the SDK has retried them already.
var unavailableCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"RequestLimitExceeded":                   true,
	"ThrottlingException":                    true,
	"LimitExceededException":                 true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"TransactionInProgressException":         true,
}

// dynamoError wraps an SDK error; outages wrap ErrUnavailable.
func dynamoError(op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("passkey: dynamodb %s: %w", op, err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && !unavailableCodes[ae.ErrorCode()] && ae.ErrorFault() != smithy.FaultServer {
		// The table is missing, the IAM policy too narrow, the request
		// malformed: an operator's problem, not an outage.
		return fmt.Errorf("passkey: dynamodb %s: %w", op, err)
	}
	return fmt.Errorf("passkey: dynamodb %s: %w: %w", op, ErrUnavailable, err)
}
