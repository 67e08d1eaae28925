package wire

import (
	"reflect"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fill sets every exported field of the struct v points to, recursively,
// to a non-zero value, the way a fully configured pool describes itself.
func fill(t *testing.T, v reflect.Value, depth int) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type() == reflect.TypeOf((*time.Time)(nil)) {
			now := time.Unix(1700000000, 0)
			v.Set(reflect.ValueOf(&now))
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), depth)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(t, s.Index(0), depth)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, depth)
		fill(t, e, depth)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int32, reflect.Int64, reflect.Int:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(7)
	case reflect.Interface:
		// smithy documents; none in these types today.
	default:
		t.Fatalf("fill: unhandled kind %s", v.Kind())
	}
}

// renamed maps a described field to the update field that carries it
// under another name.
var renamed = map[string]string{"Name": "PoolName", "Id": "UserPoolId"}

// assertCarried checks a Describe→Update mapping both ways: every field of
// the described type reaches the update under its name (or is listed as
// not carried, with a reason), and every field of the update is filled
// from the description (or is listed as not filled). A field a new SDK
// adds to either type fails this test until it is handled.
func assertCarried(t *testing.T, described any, update any, notCarried, notFilled map[string]string) {
	t.Helper()
	dv, uv := reflect.ValueOf(described).Elem(), reflect.ValueOf(update).Elem()
	for i := range dv.NumField() {
		f := dv.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if r, ok := renamed[name]; ok {
			name = r
		}
		_, listed := notCarried[f.Name]
		uf := uv.FieldByName(name)
		switch {
		case listed && uf.IsValid() && !uf.IsZero():
			t.Errorf("%s is listed as not carried, but the update sets %s", f.Name, name)
		case listed:
		case !uf.IsValid():
			t.Errorf("described field %s has no field in %s: carry it or list it in the not-carried map with the reason", f.Name, uv.Type())
		case uf.IsZero():
			t.Errorf("described field %s is not carried into %s.%s", f.Name, uv.Type(), name)
		}
	}
	for i := range uv.NumField() {
		f := uv.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		if _, listed := notFilled[f.Name]; listed {
			continue
		}
		if uv.Field(i).IsZero() {
			t.Errorf("update field %s.%s is not filled from the description: carry it or list it as not filled with the reason", uv.Type(), f.Name)
		}
	}
}

func TestPoolUpdateCarriesEveryField(t *testing.T) {
	var pool types.UserPoolType
	fill(t, reflect.ValueOf(&pool).Elem(), 0)
	in := poolUpdate(&pool)
	assertCarried(t, &pool, in, poolNotCarried, poolInputNotFilled)

	// Nested values are carried whole, so fields a new SDK adds inside
	// them travel too; the one exception is the deprecated field
	// UpdateUserPool refuses.
	assert.Equal(t, pool.LambdaConfig, in.LambdaConfig)
	assert.Equal(t, pool.EmailConfiguration, in.EmailConfiguration)
	assert.Zero(t, in.AdminCreateUserConfig.UnusedAccountValidityDays)
	assert.Equal(t, pool.AdminCreateUserConfig.InviteMessageTemplate, in.AdminCreateUserConfig.InviteMessageTemplate)
	assert.NotZero(t, pool.AdminCreateUserConfig.UnusedAccountValidityDays, "poolUpdate changed the described pool")
}

func TestClientUpdateCarriesEveryField(t *testing.T) {
	var c types.UserPoolClientType
	fill(t, reflect.ValueOf(&c).Elem(), 0)
	in := clientUpdate(&c)
	assertCarried(t, &c, in, clientNotCarried, clientInputNotFilled)
}

func TestNotCarriedListsNameRealFields(t *testing.T) {
	for name := range poolNotCarried {
		_, ok := reflect.TypeOf(types.UserPoolType{}).FieldByName(name)
		assert.True(t, ok, "poolNotCarried names %s, which UserPoolType does not have", name)
	}
	for name := range clientNotCarried {
		_, ok := reflect.TypeOf(types.UserPoolClientType{}).FieldByName(name)
		assert.True(t, ok, "clientNotCarried names %s, which UserPoolClientType does not have", name)
	}
	for name := range poolInputNotFilled {
		_, ok := reflect.TypeOf(cip.UpdateUserPoolInput{}).FieldByName(name)
		assert.True(t, ok, name)
	}
	for name := range clientInputNotFilled {
		_, ok := reflect.TypeOf(cip.UpdateUserPoolClientInput{}).FieldByName(name)
		assert.True(t, ok, name)
	}
}

func TestPoliciesMovesUnusedAccountValidityDays(t *testing.T) {
	tests := []struct {
		name string
		pool types.UserPoolType
		want int32
	}{
		{"only the old field", types.UserPoolType{AdminCreateUserConfig: &types.AdminCreateUserConfigType{UnusedAccountValidityDays: 9}}, 9},
		{"both: the new one wins", types.UserPoolType{
			AdminCreateUserConfig: &types.AdminCreateUserConfigType{UnusedAccountValidityDays: 9},
			Policies:              &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{TemporaryPasswordValidityDays: 3, MinimumLength: new(int32(12))}},
		}, 3},
		{"the old field beside a policy without it", types.UserPoolType{
			AdminCreateUserConfig: &types.AdminCreateUserConfigType{UnusedAccountValidityDays: 9},
			Policies:              &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: new(int32(12))}},
		}, 9},
		{"neither", types.UserPoolType{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := poolUpdate(&tt.pool)
			if tt.want == 0 {
				assert.Nil(t, in.Policies)
				return
			}
			require.NotNil(t, in.Policies)
			assert.Equal(t, tt.want, in.Policies.PasswordPolicy.TemporaryPasswordValidityDays)
			if tt.pool.Policies != nil {
				assert.Equal(t, tt.pool.Policies.PasswordPolicy.MinimumLength, in.Policies.PasswordPolicy.MinimumLength)
			}
		})
	}
}
