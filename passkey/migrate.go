package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Records of version 1, as the stores wrote them before records became
// this package's own Credential: go-webauthn's Credential struct as JSON.
// Every store reads them as long as there may be files and tables that
// hold them; each rewrites a user's record in version 2 the next time it
// changes. The fixtures in testdata were written by that code.

// credentialFromV1 converts a version-1 credential. Version 1 did not
// keep when a passkey was registered, so Created stays zero.
func credentialFromV1(wc webauthn.Credential) Credential {
	return newCredential(&wc, time.Time{})
}

// decodeCredentialV1 reads a version-1 credential from its JSON.
func decodeCredentialV1(b []byte) (Credential, error) {
	var wc webauthn.Credential
	if err := json.Unmarshal(b, &wc); err != nil {
		return Credential{}, fmt.Errorf("version 1 credential: %w", err)
	}
	if len(wc.ID) == 0 {
		return Credential{}, errors.New("version 1 credential without ID")
	}
	return credentialFromV1(wc), nil
}

// fileUserV1 is a user in a version-1 FileStore file.
type fileUserV1 struct {
	Username    string                `json:"username"`
	Handle      []byte                `json:"handle"`
	Credentials []webauthn.Credential `json:"credentials"`
}

// usersFromFileV1 reads the users of a version-1 FileStore file.
func usersFromFileV1(raw json.RawMessage) ([]*User, error) {
	var fus []fileUserV1
	if err := json.Unmarshal(raw, &fus); err != nil {
		return nil, fmt.Errorf("version 1 users: %w", err)
	}
	users := make([]*User, len(fus))
	for i, fu := range fus {
		u := &User{Username: fu.Username, Handle: fu.Handle, Credentials: make([]Credential, len(fu.Credentials))}
		for j, wc := range fu.Credentials {
			u.Credentials[j] = credentialFromV1(wc)
		}
		users[i] = u
	}
	return users, nil
}

// attrCredentialV1 and attrSignCountV1 are the attributes of a version-1
// DynamoStore credential item (pk USER#<username>, sk CRED#<ID>): the
// go-webauthn JSON, and the counter its conditions compared, which is the
// one that counts.
const (
	attrCredentialV1 = "credential"
	attrSignCountV1  = "signCount"
)

// dynamoUserV1 assembles a version-1 DynamoStore user from the items of
// its partition. Credential items that carry another handle are leftovers
// of a registration that lost the race for the username: not this
// user's, and not read (they are deleted with the user's first write, as
// legacy names them all).
func dynamoUserV1(username string, handle []byte, credItems []map[string]types.AttributeValue, legacy []string) (*dynamoUser, error) {
	u := &User{Username: username, Handle: handle}
	for _, item := range credItems {
		if h, _ := binaryAttr(item, attrHandle); !bytes.Equal(h, handle) {
			continue
		}
		j, ok := stringAttr(item, attrCredentialV1)
		if !ok {
			return nil, errors.New("passkey: dynamodb: credential item without credential")
		}
		c, err := decodeCredentialV1([]byte(j))
		if err != nil {
			return nil, fmt.Errorf("passkey: dynamodb: %w", err)
		}
		if n, ok := item[attrSignCountV1].(*types.AttributeValueMemberN); ok {
			v, err := strconv.ParseUint(n.Value, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("passkey: dynamodb: credential item: signCount: %w", err)
			}
			c.SignCount = uint32(v)
		}
		u.Credentials = append(u.Credentials, c)
	}
	return &dynamoUser{user: u, legacy: legacy}, nil
}
