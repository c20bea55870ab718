package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/moat-sh/moat/daemon/localapi/wire"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// readLimited reads config.json, at most wire.MaxSpec bytes.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read OCI spec: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, wire.MaxSpec+1))
	if err != nil {
		return nil, fmt.Errorf("read OCI spec %s: %w", path, err)
	}
	if len(data) > wire.MaxSpec {
		return nil, fmt.Errorf("OCI spec %s is larger than %d bytes", path, wire.MaxSpec)
	}
	return data, nil
}

// ReadSpec reads and strictly decodes the bundle's config.json: a field
// this build does not know could grant what admission cannot see, so it
// is an error, like malformed JSON or trailing data.
func ReadSpec(bundle string) (*specs.Spec, error) {
	_, spec, err := LoadSpec(bundle)
	return spec, err
}

// LoadSpec is ReadSpec that also returns the file's bytes, for
// ApplyLabelsJSON.
func LoadSpec(bundle string) ([]byte, *specs.Spec, error) {
	path := filepath.Join(bundle, "config.json")
	data, err := readLimited(path)
	if err != nil {
		return nil, nil, err
	}
	spec, err := DecodeSpec(data)
	if err != nil {
		return nil, nil, fmt.Errorf("malformed OCI spec %s: %w", path, err)
	}
	return data, spec, nil
}

// DecodeSpec decodes an OCI spec strictly: unknown fields, trailing data
// and a missing ociVersion are errors.
func DecodeSpec(data []byte) (*specs.Spec, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var spec specs.Spec
	if err := dec.Decode(&spec); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if spec.Version == "" {
		return nil, errors.New("field ociVersion is missing")
	}
	return &spec, nil
}

// ApplyLabelsJSON writes the task's SELinux labels into a spec's JSON
// (process.selinuxLabel, linux.mountLabel) without decoding the rest. An
// empty label leaves the spec's own alone (moatd without SELinux has
// none). It returns the spec and whether it changed.
func ApplyLabelsJSON(data []byte, process, mount string) ([]byte, bool, error) {
	if process == "" && mount == "" {
		return data, false, nil
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, false, fmt.Errorf("label OCI spec: %w", err)
	}
	changed := false
	for _, l := range []struct{ section, field, label string }{
		{"process", "selinuxLabel", process}, {"linux", "mountLabel", mount},
	} {
		c, err := setMember(spec, l.section, l.field, l.label)
		if err != nil {
			return nil, false, fmt.Errorf("label OCI spec: %s: %w", l.section, err)
		}
		changed = changed || c
	}
	if !changed {
		return data, false, nil
	}
	out, err := json.Marshal(spec)
	return out, true, err
}

// setMember sets spec[section][field] to value; an empty value changes
// nothing.
func setMember(spec map[string]json.RawMessage, section, field, value string) (bool, error) {
	if value == "" {
		return false, nil
	}
	obj := map[string]json.RawMessage{}
	if raw, ok := spec[section]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &obj); err != nil {
			return false, err
		}
	}
	want, _ := json.Marshal(value)
	if string(obj[field]) == string(want) {
		return false, nil
	}
	obj[field] = want
	b, err := json.Marshal(obj)
	spec[section] = b
	return true, err
}

// WriteSpec replaces the bundle's config.json atomically.
func WriteSpec(bundle string, data []byte) error {
	path := filepath.Join(bundle, "config.json")
	tmp, err := os.CreateTemp(bundle, ".config.json.moat-*")
	if err != nil {
		return fmt.Errorf("write OCI spec: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write OCI spec %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write OCI spec %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write OCI spec: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}
