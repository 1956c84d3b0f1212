package config

import (
	"reflect"
	"sort"
	"time"
)

// Leaves returns every configuration key of c (dotted, as in the YAML file)
// with its value. Structs are walked through their koanf tags; lists,
// durations and scalars are leaves.
func Leaves(c Config) map[string]any {
	out := map[string]any{}
	flatten(reflect.ValueOf(c), "", out)
	return out
}

// Keys returns every configuration key, sorted.
func Keys() []string {
	leaves := Leaves(Default())
	keys := make([]string, 0, len(leaves))
	for k := range leaves {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var durationType = reflect.TypeFor[time.Duration]()

func flatten(v reflect.Value, prefix string, out map[string]any) {
	if v.Kind() != reflect.Struct || v.Type() == durationType {
		out[prefix] = v.Interface()
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("koanf")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		flatten(v.Field(i), key, out)
	}
}
