package wire

import "reflect"

// Flatten returns every set field of v (an SDK value such as a
// *types.UserPoolType) under its dotted setting path, as the plan's diff
// names settings. Tests compare whole pools with it.
func Flatten(v any) map[string]string {
	out := map[string]string{}
	flatten("", reflect.ValueOf(v), out)
	return out
}
