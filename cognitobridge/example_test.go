package cognitobridge_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/jwks"
)

// exampleStore starts an emulated pool whose Lambda triggers and store
// share a proof key, as a deployment's Lambda and backend do.
func exampleStore() (*cognitobridge.Store, *cognitotest.Server) {
	key := make([]byte, challenge.MinKeySize)
	_, _ = rand.Read(key)
	proof, err := challenge.NewHMACProof(key)
	if err != nil {
		log.Fatal(err)
	}
	triggers, err := challenge.New(challenge.Config{Verifier: proof})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := cognitotest.NewServer(cognitotest.Config{Triggers: triggers, ClientSecret: true, SigningKey: signingKey()})
	if err != nil {
		log.Fatal(err)
	}

	idCfg, err := jwks.CognitoConfig(srv.UserPoolID(), "id", srv.ClientID())
	if err != nil {
		log.Fatal(err)
	}
	idCfg.JWKSURL = srv.JWKSURL() // the emulator's keys instead of AWS's
	idTokens, err := jwks.New(idCfg)
	if err != nil {
		log.Fatal(err)
	}

	store, err := cognitobridge.New(cognitobridge.Config{
		// In production: cognitoidentityprovider.NewFromConfig(awsCfg).
		// NoRetryDelay keeps the SDK's retries but skips their back-off.
		Client:       srv.Client(cognitotest.NoRetryDelay),
		UserPoolID:   srv.UserPoolID(),
		ClientID:     srv.ClientID(),
		ClientSecret: srv.ClientSecret(),
		Proof:        proof,
		IDTokens:     idTokens,
	})
	if err != nil {
		log.Fatal(err)
	}
	return store, srv
}

func Example() {
	store, srv := exampleStore()
	defer srv.Close()
	ctx := context.Background()

	// A passkey provider has verified the user and the address: sign them
	// in. The first login creates the Cognito user, with email_verified.
	sess, err := store.Login(ctx, "ada@example.com", cognitobridge.CreateOptions{EmailVerified: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in:", sess.Email)

	// The seed's front end receives the session as JSON.
	b, _ := json.Marshal(sess)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Println(keys)

	u, err := store.Status(ctx, "ada@example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Status, "created by provider:", u.CreatedByProvider)
	// Output:
	// signed in: ada@example.com
	// [accessToken cognitoUUID email expires idToken name refreshToken]
	// exists created by provider: true
}

func ExampleStore_Login_disabled() {
	store, srv := exampleStore()
	defer srv.Close()
	ctx := context.Background()

	if _, err := store.CreateUser(ctx, "eve@example.com", cognitobridge.CreateOptions{}); err != nil {
		log.Fatal(err)
	}
	disableForExample(srv, "eve@example.com")

	_, err := store.Login(ctx, "eve@example.com", cognitobridge.CreateOptions{})
	switch {
	case errors.Is(err, cognitobridge.ErrUserDisabled):
		fmt.Println("403: account disabled")
	case errors.Is(err, cognitobridge.ErrUnavailable):
		fmt.Println("503: try again later")
	case err != nil:
		fmt.Println("500")
	}
	// Output: 403: account disabled
}

func ExampleStore_VerifyPassword() {
	store, srv := exampleStore()
	defer srv.Close()
	ctx := context.Background()

	// Outages are errors, never "wrong password".
	srv.FailNext("InitiateAuth", 10, cognitotest.FaultThrottle)
	_, err := store.VerifyPassword(ctx, "grace@example.com", "Some-Password-1")
	fmt.Println(errors.Is(err, cognitobridge.ErrUnavailable))
	srv.ClearFaults()

	ok, err := store.VerifyPassword(ctx, "grace@example.com", "Some-Password-1")
	fmt.Println(ok, err)
	// Output:
	// true
	// false <nil>
}

func ExampleStore_Refresh() {
	store, srv := exampleStore()
	defer srv.Close()
	ctx := context.Background()

	sess, err := store.Login(ctx, "lin@example.com", cognitobridge.CreateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	next, err := store.Refresh(ctx, "lin@example.com", sess.RefreshToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same refresh token:", next.RefreshToken == sess.RefreshToken)

	if err := store.SignOut(ctx, next.AccessToken); err != nil {
		log.Fatal(err)
	}
	_, err = store.Refresh(ctx, "lin@example.com", sess.RefreshToken)
	fmt.Println(errors.Is(err, cognitobridge.ErrNotAuthorized))
	// Output:
	// same refresh token: true
	// true
}

// disableForExample does what an administrator does in the console.
func disableForExample(srv *cognitotest.Server, username string) {
	_, err := srv.Client().AdminDisableUser(context.Background(), &cip.AdminDisableUserInput{
		UserPoolId: aws.String(srv.UserPoolID()),
		Username:   aws.String(username),
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleStore_Normalize() {
	store, srv := exampleStore() // a case-sensitive pool: the zero Config
	defer srv.Close()
	for _, typed := range []string{"  Ada@Example.com ", "not an address"} {
		name, err := store.Normalize(typed)
		fmt.Printf("%q %v\n", name, errors.Is(err, cognitobridge.ErrInvalidUsername))
	}
	// Output:
	// "Ada@Example.com" false
	// "" true
}

func ExampleStore_SignInWithPassword() {
	store, srv := exampleStore()
	defer srv.Close()
	ctx := context.Background()
	// A user who signed up with a password before the bridge.
	if _, err := srv.AddUser("grace@example.com", "Legacy-Passw0rd!", map[string]string{"email": "grace@example.com", "email_verified": "true"}); err != nil {
		log.Fatal(err)
	}

	// One Cognito call, one session.
	sess, err := store.SignInWithPassword(ctx, "grace@example.com", "Legacy-Passw0rd!")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in:", sess.Email, "as", sess.Username)

	_, err = store.SignInWithPassword(ctx, "grace@example.com", "a guess")
	fmt.Println(errors.Is(err, cognitobridge.ErrWrongPassword))

	// Sign the user out everywhere, as a back office would.
	if err := store.AdminSignOut(ctx, "grace@example.com"); err != nil {
		log.Fatal(err)
	}
	_, err = store.Refresh(ctx, sess.Username, sess.RefreshToken)
	fmt.Println(errors.Is(err, cognitobridge.ErrNotAuthorized))
	// Output:
	// signed in: grace@example.com as grace@example.com
	// true
	// true
}
