package cognitobridge_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/secrethash"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
)

// benchEnv is a fresh emulator (client secret on, as in production) with
// one returning user, for each benchmark run.
func benchEnv(b *testing.B) (*cognitotest.Server, *challenge.HMACProof) {
	b.Helper()
	tp := testtools.NewPool(b, testtools.PoolConfig{Type: testtools.PoolType{Name: "plain", CaseSensitive: true, ClientSecret: true}})
	store := benchStore(b, tp.Server, tp.Proof, nil)
	if _, err := store.CreateUser(context.Background(), alice, cognitobridge.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	return tp.Server, tp.Proof
}

func benchStore(b *testing.B, srv *cognitotest.Server, proof *challenge.HMACProof, idTokens *jwks.Validator) *cognitobridge.Store {
	b.Helper()
	store, err := cognitobridge.New(cognitobridge.Config{
		Client:       srv.Client(),
		UserPoolID:   srv.UserPoolID(),
		ClientID:     srv.ClientID(),
		ClientSecret: srv.ClientSecret(),
		Proof:        proof,
		IDTokens:     idTokens,
	})
	if err != nil {
		b.Fatal(err)
	}
	return store
}

// BenchmarkLogin is a returning user's Login: two Cognito calls on loopback.
// Compare with BenchmarkBareSDK, which makes the same two calls directly.
func BenchmarkLogin(b *testing.B) {
	srv, proof := benchEnv(b)
	store := benchStore(b, srv, proof, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := store.Login(ctx, alice, cognitobridge.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoginValidated adds the ID-token check (Config.IDTokens).
func BenchmarkLoginValidated(b *testing.B) {
	srv, proof := benchEnv(b)
	store := benchStore(b, srv, proof, idTokenValidator(b, srv))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := store.Login(ctx, alice, cognitobridge.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareSDK is the floor: AdminInitiateAuth(CUSTOM_AUTH) and
// AdminRespondToAuthChallenge with the proof, as hand-written code would
// make them, with no Session built.
func BenchmarkBareSDK(b *testing.B) {
	srv, proof := benchEnv(b)
	client := srv.Client()
	ctx := context.Background()
	pool, clientID, secret := srv.UserPoolID(), srv.ClientID(), srv.ClientSecret()
	b.ReportAllocs()
	for b.Loop() {
		start, err := client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			AuthFlow:   types.AuthFlowTypeCustomAuth,
			UserPoolId: aws.String(pool),
			ClientId:   aws.String(clientID),
			AuthParameters: map[string]string{
				"USERNAME":    alice,
				"SECRET_HASH": secrethash.Compute(secret, alice, clientID),
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		user := start.ChallengeParameters["USERNAME"]
		done, err := client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
			ChallengeName: types.ChallengeNameTypeCustomChallenge,
			UserPoolId:    aws.String(pool),
			ClientId:      aws.String(clientID),
			Session:       start.Session,
			ChallengeResponses: map[string]string{
				"USERNAME":    user,
				"ANSWER":      proof.Sign(user, pool, clientID, start.ChallengeParameters[challenge.NonceParameter]),
				"SECRET_HASH": secrethash.Compute(secret, user, clientID),
			},
		})
		if err != nil || done.AuthenticationResult == nil {
			b.Fatal(err)
		}
	}
}
