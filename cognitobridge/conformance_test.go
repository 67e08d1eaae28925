package cognitobridge_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
	"github.com/passkeybridge/bridge/internal/secrethash"
	"github.com/passkeybridge/bridge/internal/testtools"
	"github.com/passkeybridge/bridge/jwks"
)

// backend is one Cognito the conformance table runs against: the
// cognitotest emulator, or cognito-local, which no one here wrote.
type backend struct {
	name                           string
	admin                          *cip.Client
	poolID, clientID, clientSecret string
	// stores by password flow: USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH
	stores   map[types.AuthFlowType]*cognitobridge.Store
	idTokens *jwks.Validator
	// quirks lists the steps where this backend is known to differ from
	// Cognito, with the value it gives.
	quirks map[string]any
}

// flows are the two password flows VerifyPassword can use.
var flows = []types.AuthFlowType{types.AuthFlowTypeUserPasswordAuth, types.AuthFlowTypeAdminUserPasswordAuth}

func newStores(t *testing.T, client cognitobridge.CognitoAPI, poolID, clientID, secret string, proof *challenge.HMACProof) map[types.AuthFlowType]*cognitobridge.Store {
	t.Helper()
	stores := map[types.AuthFlowType]*cognitobridge.Store{}
	for _, flow := range flows {
		s, err := cognitobridge.New(cognitobridge.Config{
			Client:           client,
			UserPoolID:       poolID,
			ClientID:         clientID,
			ClientSecret:     secret,
			Proof:            proof,
			PasswordAuthFlow: flow,
		})
		require.NoError(t, err)
		stores[flow] = s
	}
	return stores
}

func emulatorBackend(t *testing.T) *backend {
	t.Helper()
	tp := testtools.NewPool(t, testtools.PoolConfig{Type: testtools.PoolType{Name: "plain", CaseSensitive: true, ClientSecret: true}})
	srv := tp.Server
	return &backend{
		name:         "cognitotest",
		admin:        srv.Client(),
		poolID:       srv.UserPoolID(),
		clientID:     srv.ClientID(),
		clientSecret: srv.ClientSecret(),
		stores:       newStores(t, srv.Client(cognitotest.NoRetryDelay), srv.UserPoolID(), srv.ClientID(), srv.ClientSecret(), tp.Proof),
		idTokens:     tp.IDTokens,
	}
}

// cognitoLocalBackend starts cognito-local and sets up a pool and app
// client like the bridge's: the provider attribute in the schema, a client
// secret, the password and refresh flows. (cognito-local has no CUSTOM_AUTH,
// so StartSession and Login are not part of the table.)
func cognitoLocalBackend(t *testing.T) *backend {
	t.Helper()
	endpoint := testtools.StartCognitoLocal(t)
	client := cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
		// cognito-local answers what it does not implement with HTTP 500,
		// which the SDK would retry with back-off: one attempt only.
		RetryMaxAttempts: 1,
	})
	ctx := context.Background()
	pool, err := client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("passkeybridge-conformance"),
		Schema: []types.SchemaAttributeType{{
			Name:              aws.String("createdByCorbado"),
			AttributeDataType: types.AttributeDataTypeString,
			Mutable:           aws.Bool(true),
		}},
	})
	require.NoError(t, err)
	poolID := aws.ToString(pool.UserPool.Id)
	app, err := client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId:     aws.String(poolID),
		ClientName:     aws.String("bridge"),
		GenerateSecret: true,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowCustomAuth,
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	})
	require.NoError(t, err)
	clientID := aws.ToString(app.UserPoolClient.ClientId)
	secret := aws.ToString(app.UserPoolClient.ClientSecret)
	require.NotEmpty(t, secret)

	issuer := endpoint + "/" + poolID
	idTokens, err := jwks.New(jwks.Config{
		Issuers:   []string{issuer},
		JWKSURL:   issuer + "/.well-known/jwks.json",
		Audiences: []string{clientID},
		TokenUse:  "id",
	})
	require.NoError(t, err)
	return &backend{
		name:         "cognito-local",
		admin:        client,
		poolID:       poolID,
		clientID:     clientID,
		clientSecret: secret,
		stores:       newStores(t, client, poolID, clientID, secret, newProof(t)),
		idTokens:     idTokens,
		quirks: map[string]any{
			// cognito-local's password flows never look at Enabled.
			"verify USER_PASSWORD_AUTH disabled user, right password":       true,
			"verify ADMIN_USER_PASSWORD_AUTH disabled user, right password": true,
		},
	}
}

// observation is what one step of the table saw, in a form two backends
// can be compared on (no subs or tokens, which differ by nature).
type observation struct {
	Step              string
	Status            cognitobridge.Status
	CreatedByProvider bool
	Enabled           bool
	CognitoStatus     string
	HasSub            bool
	SameSub           bool // the sub of an earlier step's user, where that matters
	Verified          bool
	Err               string
}

func sentinel(err error) string {
	for _, s := range []error{cognitobridge.ErrUnavailable, cognitobridge.ErrMisconfigured, cognitobridge.ErrUserDisabled,
		cognitobridge.ErrUserNotFound, cognitobridge.ErrNotAuthorized, jwks.ErrInvalidToken, jwks.ErrUnavailable} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// runTable runs the conformance steps on b and returns what it saw.
func runTable(t *testing.T, b *backend) []observation {
	t.Helper()
	ctx := context.Background()
	const (
		pwUser  = "pat@example.com"
		offUser = "olga@example.com"
		newUser = "nina@example.com"
	)
	store := b.stores[types.AuthFlowTypeUserPasswordAuth]
	arrangePasswordUser(t, b, pwUser, alicePW)
	arrangePasswordUser(t, b, offUser, alicePW)
	_, err := b.admin.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(b.poolID), Username: aws.String(offUser)})
	require.NoError(t, err)

	var obs []observation
	status := func(step, username string) *cognitobridge.User {
		u, err := store.Status(ctx, username)
		o := observation{Step: step, Err: sentinel(err)}
		if u != nil {
			o.Status, o.CreatedByProvider, o.Enabled, o.CognitoStatus, o.HasSub = u.Status, u.CreatedByProvider, u.Enabled, u.CognitoStatus, u.Sub != ""
		}
		obs = append(obs, o)
		return u
	}
	create := func(step, username string, sameAs *cognitobridge.User) *cognitobridge.User {
		u, err := store.CreateUser(ctx, username, cognitobridge.CreateOptions{})
		o := observation{Step: step, Err: sentinel(err)}
		if u != nil {
			o.Status, o.CreatedByProvider, o.Enabled, o.CognitoStatus, o.HasSub = u.Status, u.CreatedByProvider, u.Enabled, u.CognitoStatus, u.Sub != ""
			o.SameSub = sameAs != nil && sameAs.Sub == u.Sub
		}
		obs = append(obs, o)
		return u
	}

	status("status missing user", nobody)
	pw := status("status password user", pwUser)
	status("status disabled user", offUser)
	created := create("create new user", newUser, nil)
	status("status created user", newUser)
	create("create again", newUser, created)
	create("create over password user", pwUser, pw)
	create("create over disabled user", offUser, nil)

	for _, flow := range flows {
		s := b.stores[flow]
		for _, c := range []struct{ step, username, password string }{
			{"right password", pwUser, alicePW},
			{"wrong password", pwUser, wrongPW},
			{"unknown user", nobody, alicePW},
			{"created user", newUser, alicePW},
			{"disabled user, right password", offUser, alicePW},
			{"empty password", pwUser, ""},
		} {
			ok, err := s.VerifyPassword(ctx, c.username, c.password)
			obs = append(obs, observation{Step: "verify " + string(flow) + " " + c.step, Verified: ok, Err: sentinel(err)})
		}
	}

	// ID tokens: a password sign-in's ID token passes the pool's validator
	// and carries the user; a tampered one does not.
	token := idTokenFor(t, b, pwUser, alicePW)
	claims, err := b.idTokens.Validate(ctx, token)
	o := observation{Step: "id token", Err: sentinel(err)}
	if claims != nil {
		o.SameSub = claims.Subject == pw.Sub
		o.Verified = claims.Email == pwUser && claims.Username == pwUser && claims.TokenUse == "id" &&
			len(claims.Audience) == 1 && claims.Audience[0] == b.clientID && claims.ExpiresAt.After(claims.IssuedAt)
	}
	obs = append(obs, o)
	tampered := []byte(token)
	tampered[len(tampered)-5] ^= 0x01
	_, err = b.idTokens.Validate(ctx, string(tampered))
	obs = append(obs, observation{Step: "tampered id token", Err: sentinel(err)})

	return obs
}

func arrangePasswordUser(t *testing.T, b *backend, username, password string) {
	t.Helper()
	ctx := context.Background()
	_, err := b.admin.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(b.poolID),
		Username:      aws.String(username),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(username)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	require.NoError(t, err)
	_, err = b.admin.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(b.poolID), Username: aws.String(username), Password: aws.String(password), Permanent: true,
	})
	require.NoError(t, err)
}

func idTokenFor(t *testing.T, b *backend, username, password string) string {
	t.Helper()
	out, err := b.admin.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		ClientId: aws.String(b.clientID),
		AuthParameters: map[string]string{
			"USERNAME":    username,
			"PASSWORD":    password,
			"SECRET_HASH": secrethash.Compute(b.clientSecret, username, b.clientID),
		},
	})
	require.NoError(t, err)
	require.NotNil(t, out.AuthenticationResult)
	return aws.ToString(out.AuthenticationResult.IdToken)
}

// want is what Cognito does, step by step.
var want = []observation{
	{Step: "status missing user", Status: cognitobridge.StatusNotExists},
	{Step: "status password user", Status: cognitobridge.StatusExists, Enabled: true, CognitoStatus: "CONFIRMED", HasSub: true},
	{Step: "status disabled user", Status: cognitobridge.StatusDisabled, CognitoStatus: "CONFIRMED", HasSub: true},
	{Step: "create new user", Status: cognitobridge.StatusExists, CreatedByProvider: true, Enabled: true, CognitoStatus: "CONFIRMED", HasSub: true},
	{Step: "status created user", Status: cognitobridge.StatusExists, CreatedByProvider: true, Enabled: true, CognitoStatus: "CONFIRMED", HasSub: true},
	{Step: "create again", Status: cognitobridge.StatusExists, CreatedByProvider: true, Enabled: true, CognitoStatus: "CONFIRMED", HasSub: true, SameSub: true},
	{Step: "create over password user", Status: cognitobridge.StatusExists, Enabled: true, CognitoStatus: "CONFIRMED", HasSub: true, SameSub: true},
	{Step: "create over disabled user", Err: cognitobridge.ErrUserDisabled.Error()},
	{Step: "verify USER_PASSWORD_AUTH right password", Verified: true},
	{Step: "verify USER_PASSWORD_AUTH wrong password"},
	{Step: "verify USER_PASSWORD_AUTH unknown user"},
	{Step: "verify USER_PASSWORD_AUTH created user"},
	{Step: "verify USER_PASSWORD_AUTH disabled user, right password"},
	{Step: "verify USER_PASSWORD_AUTH empty password"},
	{Step: "verify ADMIN_USER_PASSWORD_AUTH right password", Verified: true},
	{Step: "verify ADMIN_USER_PASSWORD_AUTH wrong password"},
	{Step: "verify ADMIN_USER_PASSWORD_AUTH unknown user"},
	{Step: "verify ADMIN_USER_PASSWORD_AUTH created user"},
	{Step: "verify ADMIN_USER_PASSWORD_AUTH disabled user, right password"},
	{Step: "verify ADMIN_USER_PASSWORD_AUTH empty password"},
	{Step: "id token", SameSub: true, Verified: true},
	{Step: "tampered id token", Err: jwks.ErrInvalidToken.Error()},
}

// TestConformance runs one table against the emulator and cognito-local:
// each must give Cognito's answers (want), except where a backend's quirk
// is listed, and then the two agree everywhere else.
func TestConformance(t *testing.T) {
	results := map[string][]observation{}
	quirks := map[string]bool{}
	for _, bk := range []struct {
		name  string
		start func(*testing.T) *backend
	}{
		{"cognitotest", emulatorBackend},
		{"cognito-local", cognitoLocalBackend},
	} {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.start(t) // skips when cognito-local is not installed, outside CI
			obs := runTable(t, b)
			require.Len(t, obs, len(want))
			for i, w := range want {
				got := obs[i]
				require.Equal(t, w.Step, got.Step)
				if q, ok := b.quirks[w.Step]; ok {
					quirks[w.Step] = true
					assert.Equal(t, q, got.Verified, "%s: the known quirk no longer holds; update the list", w.Step)
					continue
				}
				assert.Equal(t, w, got, w.Step)
			}
			results[bk.name] = obs
		})
	}
	emu, local := results["cognitotest"], results["cognito-local"]
	if emu == nil || local == nil {
		return
	}
	// Implied by both matching want, but stated where a reader looks.
	for i := range want {
		if !quirks[want[i].Step] {
			assert.Equal(t, emu[i], local[i], "the backends disagree at %s", want[i].Step)
		}
	}
}
