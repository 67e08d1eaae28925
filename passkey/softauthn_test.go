package passkey_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/stretchr/testify/require"
)

// softAuthenticator plays the browser and a platform authenticator in
// tests: it answers the JSON options the relying party sends with the JSON
// credential.toJSON() would produce, from ES256 keys it keeps in memory,
// with a "none" attestation. Its fields bend the responses to test what the
// relying party refuses.
type softAuthenticator struct {
	origin string // the origin the "browser" reports
	rpID   string // the RP ID whose hash goes into authenticator data; "" = the options'

	backupEligible, backupState bool   // BE and BS of new credentials
	noUserVerification          bool   // leave UV out of the flags
	zeroCounter                 bool   // never count signatures (most passkey providers)
	aaguid                      []byte // the AAGUID new credentials report; nil = all zeros

	creds []*softCred
}

type softCred struct {
	id         []byte
	key        *ecdsa.PrivateKey
	userHandle []byte
	rpID       string
	signCount  uint32
	be, bs     bool
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64u(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

// creationOptions is the part of PublicKeyCredentialCreationOptionsJSON a
// browser reads here.
type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"rp"`
	User struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
	} `json:"user"`
	ExcludeCredentials []struct {
		ID string `json:"id"`
	} `json:"excludeCredentials"`
	AuthenticatorSelection struct {
		ResidentKey      string `json:"residentKey"`
		UserVerification string `json:"userVerification"`
	} `json:"authenticatorSelection"`
	Timeout int `json:"timeout"`
}

type requestOptions struct {
	Challenge        string `json:"challenge"`
	RPID             string `json:"rpId"`
	UserVerification string `json:"userVerification"`
	AllowCredentials []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
}

func (a *softAuthenticator) flags(be, bs bool) byte {
	f := byte(0x01) // UP
	if !a.noUserVerification {
		f |= 0x04 // UV
	}
	if be {
		f |= 0x08
	}
	if bs {
		f |= 0x10
	}
	return f
}

func (a *softAuthenticator) clientData(t testing.TB, typ, challenge string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	require.NoError(t, err)
	return b
}

// create answers navigator.credentials.create for the publicKey options
// (their JSON) and returns the credential's JSON and the new credential.
func (a *softAuthenticator) create(t testing.TB, publicKey json.RawMessage) (json.RawMessage, *softCred) {
	t.Helper()
	var opts creationOptions
	require.NoError(t, json.Unmarshal(publicKey, &opts))

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	rpID := opts.RP.ID
	if a.rpID != "" {
		rpID = a.rpID
	}
	cred := &softCred{id: id, key: key, userHandle: unb64u(t, opts.User.ID), rpID: rpID, be: a.backupEligible, bs: a.backupState}

	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	require.NoError(t, err)
	coseKey, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         int64(webauthncose.P256),
		XCoord:        pub[1:33],
		YCoord:        pub[33:65],
	})
	require.NoError(t, err)

	rpHash := sha256.Sum256([]byte(rpID))
	authData := append([]byte{}, rpHash[:]...)
	authData = append(authData, a.flags(cred.be, cred.bs)|0x40) // AT
	authData = binary.BigEndian.AppendUint32(authData, 0)
	aaguid := a.aaguid
	if aaguid == nil {
		aaguid = make([]byte, 16) // the provider keeps its model to itself
	}
	authData = append(authData, aaguid...)
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(id)))
	authData = append(authData, id...)
	authData = append(authData, coseKey...)

	attObj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	require.NoError(t, err)

	out, err := json.Marshal(map[string]any{
		"id":    b64u(id),
		"rawId": b64u(id),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64u(a.clientData(t, "webauthn.create", opts.Challenge)),
			"attestationObject": b64u(attObj),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults":  map[string]any{},
		"authenticatorAttachment": "platform",
	})
	require.NoError(t, err)
	a.creds = append(a.creds, cred)
	return out, cred
}

// get answers navigator.credentials.get with cred (nil: the first
// credential the options allow, or the most recent one).
func (a *softAuthenticator) get(t testing.TB, publicKey json.RawMessage, cred *softCred) json.RawMessage {
	t.Helper()
	var opts requestOptions
	require.NoError(t, json.Unmarshal(publicKey, &opts))
	if cred == nil {
		cred = a.pick(t, opts)
	}
	if !a.zeroCounter {
		cred.signCount++
	}
	rpHash := sha256.Sum256([]byte(cred.rpID))
	authData := append([]byte{}, rpHash[:]...)
	authData = append(authData, a.flags(cred.be, cred.bs))
	authData = binary.BigEndian.AppendUint32(authData, cred.signCount)

	cd := a.clientData(t, "webauthn.get", opts.Challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, authData...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, cred.key, digest[:])
	require.NoError(t, err)

	out, err := json.Marshal(map[string]any{
		"id":    b64u(cred.id),
		"rawId": b64u(cred.id),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64u(cd),
			"authenticatorData": b64u(authData),
			"signature":         b64u(sig),
			"userHandle":        b64u(cred.userHandle),
		},
		"clientExtensionResults":  map[string]any{},
		"authenticatorAttachment": "platform",
	})
	require.NoError(t, err)
	return out
}

func (a *softAuthenticator) pick(t testing.TB, opts requestOptions) *softCred {
	t.Helper()
	for _, allowed := range opts.AllowCredentials {
		for _, c := range a.creds {
			if b64u(c.id) == allowed.ID {
				return c
			}
		}
	}
	require.Empty(t, opts.AllowCredentials, "no credential the options allow")
	require.NotEmpty(t, a.creds, "no credential at all")
	return a.creds[len(a.creds)-1]
}

// tamper decodes the JSON of a credential, lets f change it, and encodes
// it again.
func tamper(t testing.TB, cred json.RawMessage, f func(m map[string]any)) json.RawMessage {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(cred, &m))
	f(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// response returns the credential's "response" member, for tamper.
func response(m map[string]any) map[string]any { return m["response"].(map[string]any) }

// flipBit flips one bit of a base64url member of the response.
func flipBit(t testing.TB, resp map[string]any, member string, byteIndex int) {
	t.Helper()
	b := unb64u(t, resp[member].(string))
	if byteIndex < 0 {
		byteIndex += len(b)
	}
	b[byteIndex] ^= 0x01
	resp[member] = b64u(b)
}
