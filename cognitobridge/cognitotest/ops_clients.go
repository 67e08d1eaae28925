package cognitotest

import (
	"context"
	"strconv"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// listUserPoolClients lists the pool's one app client, in one page.
func (s *Server) listUserPoolClients(_ context.Context, in *cip.ListUserPoolClientsInput) (any, *apiError) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return nil, err
	}
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 60) {
		return nil, validation(strconv.Itoa(int(*in.MaxResults)), "maxResults", "Member must have value between 1 and 60")
	}
	c := s.current().client
	return &cip.ListUserPoolClientsOutput{UserPoolClients: []types.UserPoolClientDescription{{
		ClientId: c.ClientId, ClientName: c.ClientName, UserPoolId: c.UserPoolId,
	}}}, nil
}
