package wire

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Change is one setting a plan changes.
type Change struct {
	// Target names what the setting belongs to: "pool <id>",
	// "client <id> (<name>)" or "function <arn>".
	Target string `json:"target"`
	// Setting is the setting's path in the update call, such as
	// "LambdaConfig.DefineAuthChallenge".
	Setting string `json:"setting"`
	// Before and After are its values; "" means unset.
	Before string `json:"before"`
	After  string `json:"after"`
}

// diffInputs returns the settings that differ between two update inputs
// of one type, by flattening both to setting paths: the diff is computed
// from the very values the update sends, so it cannot leave a change out.
func diffInputs(target string, before, after any) []Change {
	b, a := map[string]string{}, map[string]string{}
	flatten("", reflect.ValueOf(before), b)
	flatten("", reflect.ValueOf(after), a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var changes []Change
	for k := range keys {
		if b[k] != a[k] {
			changes = append(changes, Change{Target: target, Setting: k, Before: b[k], After: a[k]})
		}
	}
	slices.SortFunc(changes, func(x, y Change) int { return strings.Compare(x.Setting, y.Setting) })
	return changes
}

// flatten writes every set leaf of v under its dotted path. Zero values
// of non-pointer fields are left out: the SDK does not send them either.
func flatten(path string, v reflect.Value, out map[string]string) {
	switch v.Kind() {
	case reflect.Invalid:
		return
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if t, ok := v.Interface().(*time.Time); ok {
			out[path] = t.UTC().Format(time.RFC3339)
			return
		}
		if isScalar(v.Elem().Type()) {
			// A pointer is the SDK's "set": *bool false and *int32 0
			// are values, unlike a plain bool or int32 left zero.
			out[path] = fmt.Sprint(v.Elem().Interface())
			return
		}
		flatten(path, v.Elem(), out)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			flatten(join(path, f.Name), v.Field(i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			flatten(join(path, fmt.Sprint(k.Interface())), v.MapIndex(k), out)
		}
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return
		}
		if isScalar(v.Type().Elem()) {
			items := make([]string, v.Len())
			for i := range v.Len() {
				items[i] = fmt.Sprint(v.Index(i).Interface())
			}
			out[path] = "[" + strings.Join(items, " ") + "]"
			return
		}
		for i := range v.Len() {
			flatten(fmt.Sprintf("%s[%d]", path, i), v.Index(i), out)
		}
	default:
		if v.IsZero() {
			return
		}
		out[path] = fmt.Sprint(v.Interface())
	}
}

func isScalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Struct, reflect.Map, reflect.Slice, reflect.Array, reflect.Interface:
		return false
	}
	return true
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
