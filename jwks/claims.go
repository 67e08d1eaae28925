package jwks

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"
)

// Claims are the checked claims of a token, with Cognito's fields typed.
// Fields a token does not carry are zero.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string // aud; Cognito access tokens have none
	// TokenUse is Cognito's token_use: "id" or "access".
	TokenUse string
	// ClientID is the app client of a Cognito access token (client_id).
	ClientID string
	// Username is cognito:username in ID tokens, username in access tokens.
	Username      string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string // cognito:groups
	Scope         string   // access tokens: space-separated scopes
	ID            string   // jti
	ExpiresAt     time.Time
	IssuedAt      time.Time // zero when the token has no iat
	NotBefore     time.Time // zero when the token has no nbf
	AuthTime      time.Time // zero when the token has no auth_time
	// Custom holds Cognito custom attributes keyed by their full claim
	// name ("custom:createdByCorbado"). Cognito sends them as strings; any
	// other JSON value is kept as its JSON text.
	Custom map[string]string

	raw  []byte
	wire wireClaims // decoded in place: one allocation for both
}

// Decode unmarshals the whole payload into v, for claims this type does
// not name (a provider's own claims, for instance).
func (c *Claims) Decode(v any) error {
	return json.Unmarshal(c.raw, v)
}

// wireClaims is the payload as it travels. Decoding into a typed struct
// instead of a map costs a quarter of the allocations, and the decoder
// rejects wrong types (a string exp, a numeric sub) for us.
//
// The payload is decoded with github.com/goccy/go-json (already in the
// module graph through jwx): on this path it costs a third of
// encoding/json's time, which is what keeps Validate within 15 % of the bare
// RSA verification. It only ever sees payloads whose signature verified,
// and FuzzClaimsDecoders pins it to encoding/json's answers.
type wireClaims struct {
	Iss             string   `json:"iss"`
	Sub             string   `json:"sub"`
	Aud             audience `json:"aud"`
	Exp             float64  `json:"exp"`
	Nbf             float64  `json:"nbf"`
	Iat             float64  `json:"iat"`
	AuthTime        float64  `json:"auth_time"`
	TokenUse        string   `json:"token_use"`
	ClientID        string   `json:"client_id"`
	CognitoUsername string   `json:"cognito:username"`
	Username        string   `json:"username"`
	Email           string   `json:"email"`
	EmailVerified   flexBool `json:"email_verified"`
	Name            string   `json:"name"`
	Groups          []string `json:"cognito:groups"`
	Scope           string   `json:"scope"`
	Jti             string   `json:"jti"`
}

var customPrefix = []byte(`"custom:`)

func decodeClaims(payload []byte) (*Claims, error) {
	return decodeClaimsWith(gojson.Unmarshal, payload)
}

func decodeClaimsWith(unmarshal func([]byte, any) error, payload []byte) (*Claims, error) {
	c := &Claims{raw: payload}
	w := &c.wire
	if err := unmarshal(payload, w); err != nil {
		return nil, errClaims
	}
	c.Issuer, c.Subject, c.Audience = w.Iss, w.Sub, w.Aud.values
	c.TokenUse, c.ClientID, c.Username = w.TokenUse, w.ClientID, w.CognitoUsername
	c.Email, c.EmailVerified, c.Name = w.Email, bool(w.EmailVerified), w.Name
	c.Groups, c.Scope, c.ID = w.Groups, w.Scope, w.Jti
	for _, d := range [...]float64{w.Exp, w.Nbf, w.Iat, w.AuthTime} {
		if d < 0 || d > maxUnixSeconds {
			return nil, errClaims
		}
	}
	c.ExpiresAt, c.IssuedAt = unixTime(w.Exp), unixTime(w.Iat)
	c.NotBefore, c.AuthTime = unixTime(w.Nbf), unixTime(w.AuthTime)
	if c.Username == "" {
		c.Username = w.Username
	}
	if w.Exp == 0 {
		// Absent, null or 0: a token that never expires is not accepted.
		return nil, errNoExp
	}
	// A claim spelled two ways, or a registered claim null: see members.go.
	if !claimMembers.check(payload) {
		return nil, errMemberNames
	}
	// The second decode runs only for tokens that carry custom attributes.
	if bytes.Contains(payload, customPrefix) {
		var all map[string]json.RawMessage
		if err := json.Unmarshal(payload, &all); err != nil {
			return nil, errClaims
		}
		for name, value := range all {
			if !strings.HasPrefix(name, "custom:") {
				continue
			}
			if c.Custom == nil {
				c.Custom = make(map[string]string)
			}
			var s string
			if json.Unmarshal(value, &s) == nil {
				c.Custom[name] = s
			} else {
				c.Custom[name] = string(value)
			}
		}
	}
	return c, nil
}

// NumericDates (exp, nbf, iat, auth_time) decode as plain float64 fields,
// which costs no allocation: a string or boolean is a decode error, and
// absent, null and 0 all read as 0, the epoch itself, which no issuer
// means. Negative values and years past 9999 are malformed.

// maxUnixSeconds keeps time conversion exact: the year 9999.
const maxUnixSeconds = 253402300799

// unixTime converts a NumericDate; 0 (absent) is the zero Time.
func unixTime(seconds float64) time.Time {
	if seconds == 0 {
		return time.Time{}
	}
	sec, frac := math.Modf(seconds)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// audience is aud: a string or an array of strings (RFC 7519 §4.1.3).
// Cognito ID tokens carry the string form, and only it is accepted for
// them, as AWS's aws-jwt-verify does; array records which form came.
type audience struct {
	values []string
	array  bool
}

func (a *audience) UnmarshalJSON(b []byte) error {
	if len(b) > 1 && b[0] == '"' {
		// The common case, a plain string, without a second decoder.
		if bytes.IndexByte(b, '\\') < 0 {
			*a = audience{values: []string{string(b[1 : len(b)-1])}}
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{values: []string{s}}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*a = audience{values: list, array: list != nil}
	return nil
}

// flexBool accepts a JSON boolean or the strings "true"/"false": Cognito
// ID tokens carry email_verified as a boolean, but tokens minted by
// pre-token-generation Lambdas and older pools carry the string.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true", `"true"`:
		*f = true
	case "false", `"false"`, "null":
		*f = false
	default:
		return errors.New("jwks: boolean claim must be true or false")
	}
	return nil
}
