package daemon

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
	"go.yaml.in/yaml/v3"
)

var (
	configType      = reflect.TypeOf(Config{})
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

// checkKeys reports every key of n that the struct type t does not know,
// with its path, line and the closest known key. Types that decode
// themselves (yaml.Unmarshaler) check their own keys.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		return checkMapping(n, t, path)
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		var errs []error
		for i, item := range n.Content {
			errs = append(errs, checkKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)))
		}
		return errors.Join(errs...)
	}
	return nil
}

func checkMapping(n *yaml.Node, t reflect.Type, path string) error {
	fields := yamlFields(t)
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		field := join(path, key.Value)
		ft, ok := fields[key.Value]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown key (line %d)%s", field, key.Line, suggest(key.Value, fields)))
			continue
		}
		errs = append(errs, checkKeys(val, ft, field))
	}
	return errors.Join(errs...)
}

// yamlFields maps a struct's yaml keys to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func suggest(key string, fields map[string]reflect.Type) string {
	best, dist := "", 1<<30
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
		if d := levenshtein.ComputeDistance(strings.ToLower(key), strings.ToLower(name)); d < dist {
			best, dist = name, d
		}
	}
	if dist <= 3 {
		return fmt.Sprintf("; did you mean %s?", best)
	}
	sort.Strings(names)
	return "; known keys: " + strings.Join(names, ", ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// typeErrors turns yaml's type errors into one error per field.
func typeErrors(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	errs := make([]error, len(te.Errors))
	for i, e := range te.Errors {
		errs[i] = errors.New(strings.Replace(e, "cannot unmarshal", "wrong type:", 1))
	}
	return errors.Join(errs...)
}
