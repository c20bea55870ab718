package bpf

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/cilium/ebpf"
)

// Registry is a handle on the registered containers alone, for a process
// other than the daemon: the runtime wrapper, which registers a
// container's cgroup after runc create. Under self-protection only the
// daemon and the executables named in Config.RuntimeExecs may open it.
type Registry struct {
	m *ebpf.Map
}

// OpenRegistry opens the pinned container map under pinDir ("" means
// DefaultPinDir).
func OpenRegistry(pinDir string) (*Registry, error) {
	if pinDir == "" {
		pinDir = DefaultPinDir
	}
	path := filepath.Join(pinDir, "maps", moatMapMoatContainers)
	m, err := ebpf.LoadPinnedMap(path, nil)
	if err != nil {
		return nil, fmt.Errorf("open container registry %s: %w", path, err)
	}
	return &Registry{m: m}, nil
}

// Register registers a container's cgroup with its opt-in capability mask.
func (r *Registry) Register(cgroupID, caps uint64) error { return register(r.m, cgroupID, caps) }

// Unregister forgets a container's cgroup.
func (r *Registry) Unregister(cgroupID uint64) error { return unregister(r.m, cgroupID) }

// Close releases the map.
func (r *Registry) Close() error { return r.m.Close() }

func register(m *ebpf.Map, cgroupID, caps uint64) error {
	if err := m.Put(cgroupID, caps); err != nil {
		return fmt.Errorf("register container cgroup %d: %w", cgroupID, err)
	}
	return nil
}

func unregister(m *ebpf.Map, cgroupID uint64) error {
	err := m.Delete(cgroupID)
	if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("unregister container cgroup %d: %w", cgroupID, err)
	}
	return nil
}
