package passkey

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoStateAPI is the part of the DynamoDB API the DynamoState calls.
// *dynamodb.Client satisfies it.
type DynamoStateAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ DynamoStateAPI = (*dynamodb.Client)(nil)

// DefaultClientWindow is the window a DynamoState counts each client's
// entries in.
const DefaultClientWindow = 5 * time.Minute

// DynamoStateConfig configures a DynamoState.
type DynamoStateConfig struct {
	// Client calls DynamoDB. Required.
	Client DynamoStateAPI
	// Table names the table (see DynamoState for its schema). Required.
	Table string
	// Now is the clock entries expire by. Nil means time.Now.
	Now func() time.Time
	// MaxPerClient is each client's budget: the entries it may create
	// within ClientWindow. Past it, Create fails with ErrBusy; other
	// clients are not affected. Zero means DefaultMaxPerClient.
	MaxPerClient int
	// ClientWindow is the window the budget counts in. Zero means
	// DefaultClientWindow.
	ClientWindow time.Duration
}

// DynamoState is a StateStore in one DynamoDB table, shared by every
// instance of a service, so that a ceremony begun on one finishes on any
// other, exactly once. It is safe for concurrent use, from any number of
// processes.
//
// # Table
//
// A string partition key "pk" and nothing else (DynamoStateTableInput),
// with DynamoDB's TTL on the attribute "ttl" (Unix seconds) so that
// expired items go away. TTL deletion lags by up to days, so every read
// checks "exp" (Unix milliseconds) itself:
//
//	pk                          attributes
//	<key>                       value (B), exp (N), ttl (N), client (S)      Create's entries
//	<key>                       n (N), exp (N), ttl (N)                     Add's counters
//	CLIENT#<client>#<window>    n (N), exp (N), ttl (N)                     each client's budget
//
// Create is a PutItem under the condition that no live item holds the
// key; Take is a DeleteItem with ReturnValues ALL_OLD, so of concurrent
// Takes exactly one gets the item; Add is an UpdateItem with ADD. A
// client's budget is a counter of the entries it created in the current
// window, raised with ADD before each Create.
//
// IAM: dynamodb:GetItem, PutItem, UpdateItem and DeleteItem on the table.
type DynamoState struct {
	client       DynamoStateAPI
	table        string
	now          func() time.Time
	maxPerClient int64
	window       time.Duration
}

var _ StateStore = (*DynamoState)(nil)

// NewDynamoState checks cfg and returns a DynamoState.
func NewDynamoState(cfg DynamoStateConfig) (*DynamoState, error) {
	var errs []error
	if cfg.Client == nil {
		errs = append(errs, errors.New("Client is nil"))
	}
	if cfg.Table == "" {
		errs = append(errs, errors.New("Table is empty"))
	}
	if cfg.MaxPerClient < 0 || cfg.ClientWindow < 0 {
		errs = append(errs, errors.New("MaxPerClient and ClientWindow may not be negative"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("passkey: invalid dynamo state config: %w", errors.Join(errs...))
	}
	s := &DynamoState{client: cfg.Client, table: cfg.Table, now: cfg.Now, maxPerClient: int64(cfg.MaxPerClient), window: cfg.ClientWindow}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxPerClient == 0 {
		s.maxPerClient = DefaultMaxPerClient
	}
	if s.window == 0 {
		s.window = DefaultClientWindow
	}
	return s, nil
}

// DynamoStateTableInput returns the CreateTable request for a DynamoState
// table named name: key pk (string), on-demand capacity. Turn on TTL on
// the attribute "ttl" (UpdateTimeToLive, or TimeToLiveSpecification in
// CloudFormation) so that expired items are deleted.
func DynamoStateTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(attrPK), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(attrPK), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}
}

// Attributes of the state table.
const (
	attrValue   = "value"
	attrExp     = "exp"
	attrTTL     = "ttl"
	attrClient  = "client"
	attrCounter = "n"

	prefixClient = "CLIENT#"
)

func (s *DynamoState) stateKey(k string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(k)}
}

// expiryAttrs are the attributes that say when an item expires.
func expiryAttrs(expires time.Time) (exp, ttl types.AttributeValue) {
	ttlSeconds := expires.Unix()
	if expires.After(time.Unix(ttlSeconds, 0)) {
		ttlSeconds++ // TTL never deletes before exp
	}
	return num(expires.UnixMilli()), num(ttlSeconds)
}

// live reports whether an item read at now has not expired.
func live(item map[string]types.AttributeValue, now time.Time) bool {
	exp, err := numberAttr(item, attrExp)
	return err == nil && now.UnixMilli() < exp
}

// Create implements StateStore.
func (s *DynamoState) Create(ctx context.Context, e StateEntry) error {
	if e.Key == "" {
		return errors.New("passkey: dynamodb state: empty key")
	}
	now := s.now()
	if e.Client != "" {
		if err := s.spend(ctx, e.Client, now); err != nil {
			return err
		}
	}
	exp, ttl := expiryAttrs(e.Expires)
	item := map[string]types.AttributeValue{attrPK: str(e.Key), attrValue: bin(e.Value), attrExp: exp, attrTTL: ttl}
	if e.Client != "" {
		item[attrClient] = str(e.Client)
	}
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      item,
		// An expired item TTL has not deleted yet is no obstacle.
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #exp <= :now"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#exp": attrExp},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.UnixMilli())},
	})
	if isConditionFailed(err) {
		return ErrStateExists
	}
	if err != nil {
		return dynamoError("state create", err)
	}
	return nil
}

// spend counts one entry against client's budget of the current window,
// or fails with ErrBusy when it is spent.
func (s *DynamoState) spend(ctx context.Context, client string, now time.Time) error {
	window := now.UnixMilli() / s.window.Milliseconds()
	end := time.UnixMilli((window + 1) * s.window.Milliseconds())
	n, err := s.Add(ctx, prefixClient+client+"#"+strconv.FormatInt(window, 10), 1, end)
	if err != nil {
		return err
	}
	if n > s.maxPerClient {
		return fmt.Errorf("%w: the client's budget of %d entries is spent", ErrBusy, s.maxPerClient)
	}
	return nil
}

// Take implements StateStore.
func (s *DynamoState) Take(ctx context.Context, key string) ([]byte, error) {
	out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:    aws.String(s.table),
		Key:          s.stateKey(key),
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return nil, dynamoError("state take", err)
	}
	return s.value(out.Attributes)
}

// Get implements StateStore.
func (s *DynamoState) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            s.stateKey(key),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, dynamoError("state get", err)
	}
	return s.value(out.Item)
}

// value is what Take and Get return of item: ErrStateNotFound for none,
// or an expired one.
func (s *DynamoState) value(item map[string]types.AttributeValue) ([]byte, error) {
	if len(item) == 0 || !live(item, s.now()) {
		return nil, ErrStateNotFound
	}
	switch v := item[attrValue].(type) {
	case *types.AttributeValueMemberB:
		return v.Value, nil
	case nil:
		if n, err := numberAttr(item, attrCounter); err == nil {
			return []byte(strconv.FormatInt(n, 10)), nil
		}
	}
	return nil, errors.New("passkey: dynamodb state: an item without value")
}

// Delete implements StateStore.
func (s *DynamoState) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: s.stateKey(key)})
	if err != nil {
		return dynamoError("state delete", err)
	}
	return nil
}

// Add implements StateStore. A key that holds a live entry of Create's is
// no counter: Add fails with ErrStateExists.
func (s *DynamoState) Add(ctx context.Context, key string, delta int64, expires time.Time) (int64, error) {
	if key == "" {
		return 0, errors.New("passkey: dynamodb state: empty key")
	}
	for range maxWriteAttempts {
		now := num(s.now().UnixMilli())
		// A live counter: add to it.
		out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(s.table),
			Key:                       s.stateKey(key),
			UpdateExpression:          aws.String("ADD #n :d"),
			ConditionExpression:       aws.String("attribute_exists(#pk) AND #exp > :now AND attribute_not_exists(#v)"),
			ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#n": attrCounter, "#exp": attrExp, "#v": attrValue},
			ExpressionAttributeValues: map[string]types.AttributeValue{":d": num(delta), ":now": now},
			ReturnValues:              types.ReturnValueUpdatedNew,
		})
		if err == nil {
			return numberAttr(out.Attributes, attrCounter)
		}
		if !isConditionFailed(err) {
			return 0, dynamoError("state add", err)
		}
		// None, an expired one, or an entry. Start a counter where
		// nothing live is.
		exp, ttl := expiryAttrs(expires)
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 aws.String(s.table),
			Item:                      map[string]types.AttributeValue{attrPK: str(key), attrCounter: num(delta), attrExp: exp, attrTTL: ttl},
			ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #exp <= :now"),
			ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#exp": attrExp},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": now},
		})
		if err == nil {
			return delta, nil
		}
		if !isConditionFailed(err) {
			return 0, dynamoError("state add", err)
		}
		// Something live is there: a counter another instance just
		// started (add to it), or an entry.
		item, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: s.stateKey(key), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return 0, dynamoError("state add", err)
		}
		if _, entry := item.Item[attrValue]; entry && live(item.Item, s.now()) {
			return 0, ErrStateExists
		}
	}
	return 0, fmt.Errorf("passkey: dynamodb state: add: %w: too much contention", ErrUnavailable)
}
