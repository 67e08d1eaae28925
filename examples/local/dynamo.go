package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/passkeybridge/bridge/passkey"
)

// dynamoState returns a passkey.DynamoState on table, creating the table
// (with TTL on "ttl" on AWS) when it does not exist. With endpoint set, the
// client talks to that emulator (dynalite) with throwaway credentials;
// without, it uses the AWS configuration of the environment.
func dynamoState(ctx context.Context, table, endpoint string) (*passkey.DynamoState, error) {
	var client *dynamodb.Client
	if endpoint != "" {
		client = dynamodb.New(dynamodb.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(endpoint),
			Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		})
	} else {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		client = dynamodb.NewFromConfig(awsCfg)
	}
	// dynalite has no TTL API (UnknownOperationException); reads check
	// expiry themselves, so the emulator's table just keeps its items.
	if err := ensureTable(ctx, client, table, endpoint == ""); err != nil {
		return nil, err
	}
	return passkey.NewDynamoState(passkey.DynamoStateConfig{Client: client, Table: table})
}

func ensureTable(ctx context.Context, client *dynamodb.Client, table string, ttl bool) error {
	_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var notFound *types.ResourceNotFoundException
	if err == nil || !errors.As(err, &notFound) {
		return err
	}
	if _, err := client.CreateTable(ctx, passkey.DynamoStateTableInput(table)); err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		return fmt.Errorf("table %s: %w", table, err)
	}
	if !ttl {
		return nil
	}
	// Expired items go away by themselves; reads check expiry anyway.
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("table %s: turn on TTL: %w", table, err)
	}
	return nil
}
