package policy

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// decodeCaps reads privilegedCapabilities: ALL, a list of names (with or
// without CAP_, any case), or nothing.
func (s *Settings) decodeCaps(v *yaml.Node) []error {
	path := fieldPath("privilegedCapabilities")
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
		return nil
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" && isAll(v.Value):
		s.AllowAll, s.PrivilegedCapabilities = true, PrivilegedCaps
		return nil
	case v.Kind != yaml.SequenceNode:
		return []error{fieldErr(path, v.Line, "must be a list of capability names or %s, not %s", AllKeyword, describe(v))}
	}
	return s.decodeCapList(path, v.Content)
}

func (s *Settings) decodeCapList(path string, items []*yaml.Node) []error {
	var errs []error
	firstAt := map[Capability]int{}
	for i, item := range items {
		item = resolve(item)
		p := path + index(i)
		if item.Kind != yaml.ScalarNode || item.ShortTag() != "!!str" {
			errs = append(errs, fieldErr(p, item.Line, "must be a capability name, not %s", describe(item)))
			continue
		}
		if isAll(item.Value) {
			if len(items) == 1 {
				s.AllowAll, s.PrivilegedCapabilities = true, PrivilegedCaps
				return nil
			}
			errs = append(errs, fieldErr(p, item.Line, "%s covers every capability; write privilegedCapabilities: %s alone", AllKeyword, AllKeyword))
			continue
		}
		if err := s.addCap(p, item, i, firstAt); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (s *Settings) addCap(p string, item *yaml.Node, i int, firstAt map[Capability]int) error {
	c, err := ParseCapability(item.Value)
	switch {
	case err != nil:
		return fieldErr(p, item.Line, "%s", err.Error())
	case DefaultCaps.Has(c):
		return fieldErr(p, item.Line, "%s is in the runtime's default set and always allowed; remove it", c)
	}
	if j, dup := firstAt[c]; dup {
		return fieldErr(p, item.Line, "%s is already listed at privilegedCapabilities[%d]", c, j)
	}
	firstAt[c] = i
	s.PrivilegedCapabilities = s.PrivilegedCapabilities.With(c)
	return nil
}

// isAll: ALL in any case, like capability names.
func isAll(v string) bool { return strings.EqualFold(strings.TrimSpace(v), AllKeyword) }

// MarshalYAML writes the canonical form: privilegedCapabilities as ALL or
// as the sorted canonical names.
func (s Settings) MarshalYAML() (any, error) {
	type out struct {
		Name                   string        `yaml:"name"`
		TaskPlacement          TaskPlacement `yaml:"taskPlacement"`
		PrivilegedCapabilities any           `yaml:"privilegedCapabilities"`
	}
	o := out{Name: s.Name, TaskPlacement: s.placement(), PrivilegedCapabilities: s.PrivilegedCapabilities.Names()}
	if s.AllowAll {
		o.PrivilegedCapabilities = AllKeyword
	}
	return o, nil
}
