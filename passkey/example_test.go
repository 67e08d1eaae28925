package passkey_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/passkey"
)

// exampleRP builds a relying party on an emulated Cognito pool, as
// examples/local does; a deployment passes its real pool's client instead.
func exampleRP(dir string) (*passkey.RelyingParty, *cognitotest.Server) {
	key := make([]byte, challenge.MinKeySize)
	_, _ = rand.Read(key)
	proof, err := challenge.NewHMACProof(key) // the Lambda triggers hold the same key
	if err != nil {
		log.Fatal(err)
	}
	triggers, err := challenge.New(challenge.Config{Verifier: proof})
	if err != nil {
		log.Fatal(err)
	}
	pool, err := cognitotest.NewServer(cognitotest.Config{Triggers: triggers, ClientSecret: true, SigningKey: signingKey()})
	if err != nil {
		log.Fatal(err)
	}
	idCfg, err := jwks.CognitoConfig(pool.UserPoolID(), "id", pool.ClientID())
	if err != nil {
		log.Fatal(err)
	}
	idCfg.JWKSURL = pool.JWKSURL()
	idTokens, err := jwks.New(idCfg)
	if err != nil {
		log.Fatal(err)
	}
	store, err := cognitobridge.New(cognitobridge.Config{
		Client:       pool.Client(),
		UserPoolID:   pool.UserPoolID(),
		ClientID:     pool.ClientID(),
		ClientSecret: pool.ClientSecret(),
		Proof:        proof,
		IDTokens:     idTokens,
	})
	if err != nil {
		log.Fatal(err)
	}
	creds, err := passkey.OpenFileStore(filepath.Join(dir, "passkeys.json"))
	if err != nil {
		log.Fatal(err)
	}
	rp, err := passkey.New(passkey.Config{
		RPID:          "example.com",
		RPDisplayName: "Example",
		RPOrigins:     []string{"https://example.com"},
		Store:         store,
		Credentials:   creds,
		IDTokens:      idTokens,
	})
	if err != nil {
		log.Fatal(err)
	}
	return rp, pool
}

func Example() {
	dir, _ := os.MkdirTemp("", "passkey-example")
	defer os.RemoveAll(dir)
	rp, pool := exampleRP(dir)
	defer pool.Close()

	mux := http.NewServeMux()
	mux.Handle("/passkey/", http.StripPrefix("/passkey", rp.Handler()))
	// http.ListenAndServe(":443", mux) behind TLS in a deployment.

	// A new user begins registering: the page hands "publicKey" to
	// PublicKeyCredential.parseCreationOptionsFromJSON and
	// navigator.credentials.create, then posts credential.toJSON() with
	// the ceremony ID to /passkey/registration/finish.
	opts, err := rp.BeginRegistration(context.Background(), passkey.RegistrationRequest{Username: "ada@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("RP ID:", opts.PublicKey.RelyingParty.ID)
	fmt.Println("resident key:", opts.PublicKey.AuthenticatorSelection.ResidentKey)
	fmt.Println("user verification:", opts.PublicKey.AuthenticatorSelection.UserVerification)
	fmt.Println("user handle is the address:", fmt.Sprint(opts.PublicKey.User.ID) == "ada@example.com")

	// An unknown or reused ceremony is refused with a fixed error.
	_, err = rp.FinishRegistration(context.Background(), opts.Ceremony+"x", []byte(`{}`))
	fmt.Println(errors.Is(err, passkey.ErrCeremony))
	// Output:
	// RP ID: example.com
	// resident key: required
	// user verification: required
	// user handle is the address: false
	// true
}

func ExampleRelyingParty_SignInWithPassword() {
	dir, _ := os.MkdirTemp("", "passkey-example")
	defer os.RemoveAll(dir)
	rp, pool := exampleRP(dir)
	defer pool.Close()
	ctx := context.Background()
	seedPasswordUser(pool, "grace@example.com", "Old-Password-1") // a user of the seed

	// A password user has to prove the password before adding a passkey.
	_, err := rp.BeginRegistration(ctx, passkey.RegistrationRequest{Username: "grace@example.com"})
	fmt.Println(errors.Is(err, passkey.ErrSignInRequired))

	_, err = rp.SignInWithPassword(ctx, "grace@example.com", "wrong")
	fmt.Println(errors.Is(err, passkey.ErrWrongPassword))

	res, err := rp.SignInWithPassword(ctx, "grace@example.com", "Old-Password-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in:", res.Session.Email)

	// The grant lets this browser register the first passkey.
	opts, err := rp.BeginRegistration(ctx, passkey.RegistrationRequest{Username: "grace@example.com", Grant: res.Grant})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("registering for:", opts.PublicKey.User.Name)
	// Output:
	// true
	// true
	// signed in: grace@example.com
	// registering for: grace@example.com
}

func ExampleOpenFileStore() {
	dir, _ := os.MkdirTemp("", "passkey-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "passkeys.json")
	ctx := context.Background()

	s, err := passkey.OpenFileStore(path)
	if err != nil {
		log.Fatal(err)
	}
	handle := []byte("0123456789abcdef0123456789abcdef") // random in real use
	cred := webauthn.Credential{ID: []byte("credential-1"), PublicKey: []byte{1, 2, 3}}
	if err := s.AddCredential(ctx, "ada@example.com", handle, cred); err != nil {
		log.Fatal(err)
	}
	err = s.AddCredential(ctx, "eve@example.com", []byte("another handle"), cred)
	fmt.Println(errors.Is(err, passkey.ErrCredentialExists))

	// A restart reads the file back.
	s, err = passkey.OpenFileStore(path)
	if err != nil {
		log.Fatal(err)
	}
	u, err := s.UserByHandle(ctx, handle)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Username, len(u.Credentials))
	// Output:
	// true
	// ada@example.com 1
}

func ExampleDynamoTableInput() {
	// With a client: client.CreateTable(ctx, in), wait until the table
	// is ACTIVE, then
	// passkey.NewDynamoStore(passkey.DynamoConfig{Client: client, Table: "passkeys"}).
	in := passkey.DynamoTableInput("passkeys")
	for _, k := range in.KeySchema {
		fmt.Println(*k.AttributeName, k.KeyType)
	}
	fmt.Println(in.BillingMode)
	// Output:
	// pk HASH
	// sk RANGE
	// PAY_PER_REQUEST
}

func seedPasswordUser(pool *cognitotest.Server, username, password string) {
	if _, err := pool.AddUser(username, password, map[string]string{"email": username}); err != nil {
		log.Fatal(err)
	}
}
