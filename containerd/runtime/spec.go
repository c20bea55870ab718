package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxSpec bounds config.json; a large real one is a few hundred KiB.
const maxSpec = 8 << 20

// ReadSpec reads and strictly decodes the bundle's config.json: a field
// this build does not know could grant what admission cannot see, so it
// is an error, like malformed JSON or trailing data.
func ReadSpec(bundle string) (*specs.Spec, error) {
	path := filepath.Join(bundle, "config.json")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read OCI spec: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSpec+1))
	if err != nil {
		return nil, fmt.Errorf("read OCI spec %s: %w", path, err)
	}
	if len(data) > maxSpec {
		return nil, fmt.Errorf("OCI spec %s is larger than %d bytes", path, maxSpec)
	}
	spec, err := DecodeSpec(data)
	if err != nil {
		return nil, fmt.Errorf("malformed OCI spec %s: %w", path, err)
	}
	return spec, nil
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

// ApplyLabels writes the task's SELinux labels into spec. An empty label
// leaves the spec's own alone (moatd without SELinux has none). It
// reports whether the spec changed.
func ApplyLabels(spec *specs.Spec, process, mount string) bool {
	changed := false
	if process != "" {
		if spec.Process == nil {
			spec.Process = &specs.Process{}
		}
		changed = changed || spec.Process.SelinuxLabel != process
		spec.Process.SelinuxLabel = process
	}
	if mount != "" {
		if spec.Linux == nil {
			spec.Linux = &specs.Linux{}
		}
		changed = changed || spec.Linux.MountLabel != mount
		spec.Linux.MountLabel = mount
	}
	return changed
}

// WriteSpec replaces the bundle's config.json atomically.
func WriteSpec(bundle string, spec *specs.Spec) error {
	data, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("encode OCI spec: %w", err)
	}
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
