package cognitotest_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/passkeybridge/bridge/cognitobridge/cognitotest"
)

func TestListUserPoolClients(t *testing.T) {
	s, err := cognitotest.NewServer(cognitotest.Config{})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	c := s.Client()

	out, err := c.ListUserPoolClients(t.Context(), &cip.ListUserPoolClientsInput{UserPoolId: aws.String(s.UserPoolID()), MaxResults: aws.Int32(60)})
	require.NoError(t, err)
	require.Len(t, out.UserPoolClients, 1)
	assert.Equal(t, s.ClientID(), aws.ToString(out.UserPoolClients[0].ClientId))
	assert.Equal(t, s.UserPoolID(), aws.ToString(out.UserPoolClients[0].UserPoolId))
	assert.Nil(t, out.NextToken)

	_, err = c.ListUserPoolClients(t.Context(), &cip.ListUserPoolClientsInput{UserPoolId: aws.String("us-east-1_nope")})
	var notFound *types.ResourceNotFoundException
	assert.ErrorAs(t, err, &notFound)
	_, err = c.ListUserPoolClients(t.Context(), &cip.ListUserPoolClientsInput{UserPoolId: aws.String(s.UserPoolID()), MaxResults: aws.Int32(61)})
	var invalid *types.InvalidParameterException
	assert.ErrorAs(t, err, &invalid)
}
