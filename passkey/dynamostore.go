package passkey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/go-webauthn/webauthn/webauthn"
)

// DynamoAPI is the part of the DynamoDB API the DynamoStore calls.
// *dynamodb.Client satisfies it.
type DynamoAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
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
//	pk                     sk                   attributes
//	USER#<username>        USER                 handle (B)
//	USER#<username>        CRED#<credential ID> handle (B), signCount (N), credential (S: go-webauthn Credential JSON)
//	HANDLE#<user handle>   HANDLE               username (S)
//	CRED#<credential ID>   CRED                 username (S)
//
// IDs and handles are base64url without padding. A user is their USER item:
// it is written last, under the condition that it is new or has the same
// handle, so of two concurrent first registrations of one username exactly
// one wins. The CRED# item claims a credential ID for good, written first
// under attribute_not_exists, so a credential ID is never overwritten,
// whoever registers it. A credential item counts only while its handle is
// the USER item's; what a lost race or a crash between the writes leaves
// behind is never read as a user's passkey (the loser's items are deleted
// on a best-effort basis). UpdateCredential's condition keeps the
// signature counter from going backwards. Every read is strongly
// consistent.
//
// DynamoDB transactions would make the writes one, but this layout needs
// none, so the store also runs on emulators without them (dynalite).
//
// IAM: dynamodb:GetItem, PutItem, UpdateItem, DeleteItem and Query on the
// table.
type DynamoStore struct {
	client DynamoAPI
	table  string
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
	return &DynamoStore{client: cfg.Client, table: cfg.Table}, nil
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
	attrPK         = "pk"
	attrSK         = "sk"
	attrHandle     = "handle"
	attrUsername   = "username"
	attrSignCount  = "signCount"
	attrCredential = "credential"

	prefixUser   = "USER#"
	prefixHandle = "HANDLE#"
	prefixCred   = "CRED#"
	skUser       = "USER"
	skHandle     = "HANDLE"
	skCred       = "CRED"
)

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func bin(b []byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: b} }
func num(n uint32) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatUint(uint64(n), 10)}
}

// UserByName implements CredentialStore.
func (s *DynamoStore) UserByName(ctx context.Context, username string) (*User, error) {
	var (
		user      *User
		credItems []map[string]types.AttributeValue
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
				h, ok := binaryAttr(item, attrHandle)
				if !ok {
					return nil, errors.New("passkey: dynamodb: user item without handle")
				}
				user = &User{Username: username, Handle: h}
			case strings.HasPrefix(sk, prefixCred):
				credItems = append(credItems, item)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	if user == nil {
		return nil, ErrNotFound
	}
	for _, item := range credItems {
		// Leftovers of a registration that lost the race for this
		// username carry another handle: not this user's, and not read.
		if h, _ := binaryAttr(item, attrHandle); !bytes.Equal(h, user.Handle) {
			continue
		}
		c, err := decodeCredItem(item)
		if err != nil {
			return nil, err
		}
		user.Credentials = append(user.Credentials, c)
	}
	return user, nil
}

func decodeCredItem(item map[string]types.AttributeValue) (webauthn.Credential, error) {
	var c webauthn.Credential
	j, ok := stringAttr(item, attrCredential)
	if !ok {
		return c, errors.New("passkey: dynamodb: credential item without credential")
	}
	if err := json.Unmarshal([]byte(j), &c); err != nil {
		return c, fmt.Errorf("passkey: dynamodb: credential item: %w", err)
	}
	// The counter the conditions compare is the attribute, so it is the
	// one that counts.
	if n, ok := item[attrSignCount].(*types.AttributeValueMemberN); ok {
		v, err := strconv.ParseUint(n.Value, 10, 32)
		if err != nil {
			return c, fmt.Errorf("passkey: dynamodb: credential item: signCount: %w", err)
		}
		c.Authenticator.SignCount = uint32(v)
	}
	return c, nil
}

// UserByHandle implements CredentialStore.
func (s *DynamoStore) UserByHandle(ctx context.Context, handle []byte) (*User, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(prefixHandle+b64(handle), skHandle),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, dynamoError("get handle", err)
	}
	name, ok := stringAttr(out.Item, attrUsername)
	if !ok {
		return nil, ErrNotFound
	}
	u, err := s.UserByName(ctx, name)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(u.Handle, handle) {
		return nil, ErrNotFound // a handle that lost the race for its username
	}
	return u, nil
}

// AddCredential implements CredentialStore.
func (s *DynamoStore) AddCredential(ctx context.Context, username string, handle []byte, cred webauthn.Credential) error {
	if username == "" || len(handle) == 0 || len(cred.ID) == 0 {
		return errors.New("passkey: dynamodb: username, handle and credential ID are required")
	}
	credJSON, err := json.Marshal(cred)
	if err != nil {
		return fmt.Errorf("passkey: dynamodb: %w", err)
	}
	credID := b64(cred.ID)
	userPK := prefixUser + username

	// 1. Claim the credential ID, for good.
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrPK: str(prefixCred + credID), attrSK: str(skCred),
			attrUsername: str(username),
		},
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
	})
	if isConditionFailed(err) {
		return ErrCredentialExists
	}
	if err != nil {
		return dynamoError("claim credential ID", err)
	}

	// 2. The credential, tagged with the handle it was made for.
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrPK: str(userPK), attrSK: str(prefixCred + credID),
			attrHandle:     bin(handle),
			attrSignCount:  num(cred.Authenticator.SignCount),
			attrCredential: str(string(credJSON)),
		},
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
	})
	if isConditionFailed(err) {
		return ErrCredentialExists
	}
	if err != nil {
		return dynamoError("put credential", err)
	}

	// 3. The handle → username lookup of discoverable logins.
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrPK: str(prefixHandle + b64(handle)), attrSK: str(skHandle),
			attrUsername: str(username),
		},
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #u = :u"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#u": attrUsername},
		ExpressionAttributeValues: map[string]types.AttributeValue{":u": str(username)},
	})
	if isConditionFailed(err) {
		s.cleanUp(ctx, userPK, credID, nil, "")
		return ErrHandleConflict
	}
	if err != nil {
		return dynamoError("put handle", err)
	}

	// 4. The user: new, or the same handle. This write decides a race.
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrPK: str(userPK), attrSK: str(skUser),
			attrHandle: bin(handle),
		},
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #h = :h"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#h": attrHandle},
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": bin(handle)},
	})
	if isConditionFailed(err) {
		s.cleanUp(ctx, userPK, credID, handle, username)
		return ErrHandleConflict
	}
	if err != nil {
		return dynamoError("put user", err)
	}
	return nil
}

// cleanUp deletes what a losing AddCredential wrote. It is best effort:
// what stays behind is never read as a passkey (see DynamoStore), so
// errors are ignored. The credential ID stays claimed: an authenticator
// never makes the same ID twice.
func (s *DynamoStore) cleanUp(ctx context.Context, userPK, credID string, handle []byte, username string) {
	_, _ = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key:       key(userPK, prefixCred+credID),
	})
	if handle != nil {
		_, _ = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 aws.String(s.table),
			Key:                       key(prefixHandle+b64(handle), skHandle),
			ConditionExpression:       aws.String("#u = :u"),
			ExpressionAttributeNames:  map[string]string{"#u": attrUsername},
			ExpressionAttributeValues: map[string]types.AttributeValue{":u": str(username)},
		})
	}
}

// UpdateCredential implements CredentialStore.
func (s *DynamoStore) UpdateCredential(ctx context.Context, username string, cred webauthn.Credential) error {
	credJSON, err := json.Marshal(cred)
	if err != nil {
		return fmt.Errorf("passkey: dynamodb: %w", err)
	}
	k := key(prefixUser+username, prefixCred+b64(cred.ID))
	// The rule of signCountAdvances, as a condition.
	cond := "attribute_exists(#pk) AND #n < :n"
	if cred.Authenticator.SignCount == 0 {
		cond = "attribute_exists(#pk) AND #n = :n"
	}
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       k,
		UpdateExpression:          aws.String("SET #c = :c, #n = :n"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#c": attrCredential, "#n": attrSignCount},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(string(credJSON)), ":n": num(cred.Authenticator.SignCount)},
	})
	if err == nil {
		return nil
	}
	if !isConditionFailed(err) {
		return dynamoError("update credential", err)
	}
	// Tell a missing credential from a counter that would go back.
	out, gerr := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(true)})
	if gerr != nil {
		return dynamoError("get credential", gerr)
	}
	if len(out.Item) == 0 {
		return ErrNotFound
	}
	return ErrSignCount
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
