package cognitotest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"

	"github.com/passkeybridge/bridge/challenge"
	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

// TestConcurrentUse runs whole sign-ins, user changes, sign-outs and fault
// rules at once; -race checks the locking.
func TestConcurrentUse(t *testing.T) {
	h, proof := newHandler(t, nil, 3)
	s := newServer(t, cognitotest.Config{Triggers: h, ClientSecret: true, PreventUserExistenceErrors: true})
	c := s.Client(cognitotest.NoRetryDelay)
	ctx := context.Background()
	const workers = 8
	const rounds = 5

	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := range workers {
		wg.Go(func() {
			username := fmt.Sprintf("user%d@example.com", w)
			_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
				UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(username), MessageAction: types.MessageActionTypeSuppress,
				UserAttributes: []types.AttributeType{attr("email", username)},
			})
			if err == nil {
				// A user still in FORCE_CHANGE_PASSWORD would be asked
				// for a new password after the custom challenge.
				_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
					UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(username), Password: aws.String(goodPassword), Permanent: true,
				})
			}
			if err != nil {
				errs <- err
				return
			}
			a := authClient{s: s, c: c, admin: w%2 == 0}
			for r := range rounds {
				st, err := a.start(ctx, username, map[string]string{"round": fmt.Sprint(r)})
				if err != nil {
					errs <- err
					continue
				}
				done, err := a.answer(ctx, username, st.session, proof.Sign(username, s.UserPoolID(), s.ClientID(), st.params[challenge.NonceParameter]), nil)
				if err != nil {
					errs <- err
					continue
				}
				if _, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: done.tokens.AccessToken}); err != nil {
					errs <- err
				}
				if _, err := c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
					UserPoolId: aws.String(s.UserPoolID()), Username: aws.String(username),
					UserAttributes: []types.AttributeType{attr("name", fmt.Sprint(r))},
				}); err != nil {
					errs <- err
				}
				if _, err := c.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: done.tokens.AccessToken}); err != nil {
					errs <- err
				}
				_ = s.Users()
				_ = s.Calls("")
			}
		})
	}
	wg.Go(func() {
		for range rounds * 4 {
			s.FailFraction("AdminGetUser", 0.5, cognitotest.FaultThrottle)
			_, _ = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(s.UserPoolID()), Username: aws.String("user1@example.com")})
			s.ClearFaults()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Len(t, s.Users(), workers)
	assert.Equal(t, workers*rounds, s.Calls("GlobalSignOut"))
}
