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
	"regexp"
	"strings"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/jwks"
	"github.com/passkeybridge/bridge/passkey"
	"github.com/passkeybridge/bridge/passkey/mail"
	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

// exampleRP builds a relying party on an emulated Cognito pool, as
// examples/local does; a deployment passes its real pool's client instead.
func exampleRP(dir string) (*passkey.RelyingParty, *cognitotest.Server) {
	rp, pool, inbox := exampleRPWithMail(dir)
	_ = inbox.Close()
	return rp, pool
}

// exampleRPWithMail is exampleRP with a mail server on loopback that the
// relying party sends through (SMTP), as examples/local does.
func exampleRPWithMail(dir string) (*passkey.RelyingParty, *cognitotest.Server, *mailtest.Server) {
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
	inbox, err := mailtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	mailer, err := mail.NewSMTP(mail.SMTPConfig{
		Host: inbox.Host(), Port: inbox.Port(), From: "login@example.com",
		InsecurePlaintext: true, // loopback; a deployment uses TLS and a login
	})
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
		Mailer:        mailer,
		LinkURL:       "https://example.com/signin",
	})
	if err != nil {
		log.Fatal(err)
	}
	return rp, pool, inbox
}

func Example() {
	dir, _ := os.MkdirTemp("", "passkey-example")
	defer os.RemoveAll(dir)
	rp, pool, inbox := exampleRPWithMail(dir)
	defer pool.Close()
	defer inbox.Close()
	ctx := context.Background()

	mux := http.NewServeMux()
	mux.Handle("/passkey/", http.StripPrefix("/passkey", rp.Handler()))
	// http.ListenAndServe(":443", mux) behind TLS in a deployment.

	// A new user proves the address: one mail with a code and a link.
	p, err := rp.StartEmailProof(ctx, "ada@example.com", "")
	if err != nil {
		log.Fatal(err)
	}
	m, err := inbox.Wait(ctx, "ada@example.com")
	if err != nil {
		log.Fatal(err)
	}
	code := regexp.MustCompile(`\b[0-9]{8}\b`).FindString(m.Text)
	fmt.Println("the link opens:", strings.Contains(m.Text, "https://example.com/signin#link="))

	_, err = rp.VerifyEmailProof(ctx, passkey.ProofAnswer{Proof: p.Proof, Code: "not-it"})
	fmt.Println("wrong code:", errors.Is(err, passkey.ErrProof))
	res, err := rp.VerifyEmailProof(ctx, passkey.ProofAnswer{Proof: p.Proof, Code: code})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in:", res.Session.Email)

	// The grant begins the registration of the first passkey: the page
	// hands "publicKey" to PublicKeyCredential.parseCreationOptionsFromJSON
	// and navigator.credentials.create, then posts credential.toJSON()
	// with the ceremony ID to /passkey/registration/finish.
	opts, err := rp.BeginRegistration(ctx, res.Grant)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("RP ID:", opts.PublicKey.RelyingParty.ID)
	fmt.Println("user verification:", opts.PublicKey.AuthenticatorSelection.UserVerification)

	// Without a grant nobody registers; an unknown ceremony is refused.
	_, err = rp.BeginRegistration(ctx, "")
	fmt.Println(errors.Is(err, passkey.ErrStepUpRequired))
	_, err = rp.FinishRegistration(ctx, opts.Ceremony+"x", []byte(`{}`))
	fmt.Println(errors.Is(err, passkey.ErrCeremony))
	// Output:
	// the link opens: true
	// wrong code: true
	// signed in: ada@example.com
	// RP ID: example.com
	// user verification: required
	// true
	// true
}

func ExampleRelyingParty_SignInWithPassword() {
	dir, _ := os.MkdirTemp("", "passkey-example")
	defer os.RemoveAll(dir)
	rp, pool := exampleRP(dir)
	defer pool.Close()
	ctx := context.Background()
	seedPasswordUser(pool, "grace@example.com", "Old-Password-1") // a user of the seed

	_, err := rp.SignInWithPassword(ctx, "grace@example.com", "wrong")
	fmt.Println(errors.Is(err, passkey.ErrWrongPassword))

	res, err := rp.SignInWithPassword(ctx, "grace@example.com", "Old-Password-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in:", res.Session.Email)

	// An account without passkeys gets a grant for its first.
	opts, err := rp.BeginRegistration(ctx, res.Grant)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("registering for:", opts.PublicKey.User.Name)
	// Output:
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
	cred := passkey.Credential{ID: []byte("credential-1"), PublicKey: []byte{1, 2, 3}}
	if err := s.AddCredential(ctx, "ada@example.com", handle, "sub-of-ada", cred); err != nil {
		log.Fatal(err)
	}
	err = s.AddCredential(ctx, "eve@example.com", []byte("another handle"), "sub-of-eve", cred)
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
