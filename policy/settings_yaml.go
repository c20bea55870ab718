package policy

import (
	"errors"
	"fmt"

	"github.com/agnivade/levenshtein"
	"go.yaml.in/yaml/v3"
)

var settingsKeys = []string{"name", "taskPlacement", "privilegedCapabilities"}

// ParseSettings parses a YAML document that holds the settings mapping (what
// the daemon's config file has under capacityProvider), strictly: unknown
// or repeated keys, wrong types, unknown, repeated or default capabilities
// and invalid values are errors naming the field. All mistakes are
// returned, joined; each is a *FieldError.
func ParseSettings(data []byte) (Settings, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Settings{}, fmt.Errorf("%s: %w", SettingsKey, err)
	}
	var s Settings
	if doc.Kind == 0 { // empty document
		return s, s.Validate()
	}
	if err := s.UnmarshalYAML(&doc); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// UnmarshalYAML decodes and validates the settings strictly, so that
// Settings can be a field of a larger document (the daemon's config file).
// On error s is unchanged.
func (s *Settings) UnmarshalYAML(n *yaml.Node) error {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		var zero Settings
		return zero.Validate() // reports the missing name
	}
	if n.Kind != yaml.MappingNode {
		return fieldErr(SettingsKey, n.Line, "must be a mapping with keys %v", settingsKeys)
	}
	v, err := decodeSettings(n)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
		}
	}
	return n
}

func decodeSettings(m *yaml.Node) (Settings, error) {
	var s Settings
	var errs []error
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		if line, dup := seen[k.Value]; dup {
			errs = append(errs, fieldErr(fieldPath(k.Value), k.Line, "repeated key (first at line %d)", line))
			continue
		}
		seen[k.Value] = k.Line
		errs = append(errs, s.decodeField(k, v)...)
	}
	if _, ok := seen["name"]; !ok {
		errs = append(errs, validateName("", m.Line))
	}
	if s.TaskPlacement == "" {
		s.TaskPlacement = PlacementMulti
	}
	return s, errors.Join(errs...)
}

func (s *Settings) decodeField(k, v *yaml.Node) []error {
	switch k.Value {
	case "name":
		name, err := stringValue(v, "name")
		if err == nil {
			err = validateName(name, v.Line)
		}
		s.Name = name
		return []error{err}
	case "taskPlacement":
		p, err := stringValue(v, "taskPlacement")
		if err == nil {
			err = validatePlacement(p, v.Line)
		}
		s.TaskPlacement = TaskPlacement(p)
		return []error{err}
	case "privilegedCapabilities":
		return s.decodeCaps(v)
	}
	return []error{unknownKeyError(k)}
}

func unknownKeyError(k *yaml.Node) error {
	best, bestDist := "", 1<<30
	for _, key := range settingsKeys {
		if d := levenshtein.ComputeDistance(k.Value, key); d < bestDist {
			best, bestDist = key, d
		}
	}
	if bestDist <= max(2, len(k.Value)/3) {
		return fieldErr(fieldPath(k.Value), k.Line, "unknown key; did you mean %s?", best)
	}
	return fieldErr(fieldPath(k.Value), k.Line, "unknown key; the keys are %v", settingsKeys)
}

func stringValue(v *yaml.Node, field string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		return "", fieldErr(fieldPath(field), v.Line, "must be a string, not %s", describe(v))
	}
	return v.Value, nil
}

func describe(v *yaml.Node) string {
	switch v.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if v.ShortTag() == "!!null" {
		return "an empty value"
	}
	return fmt.Sprintf("%s %s", v.ShortTag(), v.Value)
}
