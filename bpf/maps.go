package bpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
)

// sync makes the run-time maps hold what the configuration says.
func (e *Enforcer) sync() error {
	return errors.Join(
		e.SetProtected(e.cfg.Protected),
		e.SetMountAllow(e.cfg.MountAllow),
		e.SetExecDeny(e.cfg.ExecDeny),
		e.SetExecAllowCgroups(e.cfg.ExecAllowCgroups),
		e.setGuarded(),
		e.SetRuntimeExecs(e.cfg.RuntimeExecs),
		e.setCgroups(e.maps.MoatHostCgrp, "host cgroups", e.cfg.HostCgroups),
	)
}

// SetProtected replaces the protected filesystems with those mounted at
// the given mount points, and the block devices behind them.
func (e *Enforcer) SetProtected(mounts []string) error {
	sbs, bdevs := map[uint32]uint8{}, map[uint32]uint8{}
	for _, m := range mounts {
		dev, err := superblockOf(m)
		if err != nil {
			return fmt.Errorf("protected mount point: %w", err)
		}
		sbs[dev] = 1
		for _, b := range backingDevices(dev) {
			bdevs[b] = 1
		}
	}
	return errors.Join(replace(e.maps.MoatSbs, sbs), replace(e.maps.MoatBdevs, bdevs))
}

// SetMountAllow replaces the directories that may be mounted over.
func (e *Enforcer) SetMountAllow(dirs []string) error {
	return e.setInodes(e.maps.MoatMntAllow, "mount allowlist", dirs)
}

// SetExecDeny replaces the programs that never run in the host context.
// They are keyed by inode, so links and renames do not evade the list.
func (e *Enforcer) SetExecDeny(paths []string) error {
	return e.setInodes(e.maps.MoatDenyExec, "exec denylist", paths)
}

// SetRuntimeExecs replaces the container runtime executables that the
// capability gate spares (they set containers up before registration).
func (e *Enforcer) SetRuntimeExecs(paths []string) error {
	return e.setInodes(e.maps.MoatRuntime, "runtime executables", paths)
}

// SetExecAllowCgroups replaces the cgroups that may run denylisted programs.
func (e *Enforcer) SetExecAllowCgroups(dirs []string) error {
	return e.setCgroups(e.maps.MoatExecCgrp, "exec allow cgroups", dirs)
}

func (e *Enforcer) setCgroups(m *ebpf.Map, what string, dirs []string) error {
	ids := map[uint64]uint8{}
	for _, d := range dirs {
		id, err := CgroupID(d)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		ids[id] = 1
	}
	return replace(m, ids)
}

// setGuarded guards the pin folders and the configured state folders.
func (e *Enforcer) setGuarded() error {
	dirs := []string{e.cfg.PinDir, e.cfg.linkDir(), e.cfg.mapDir()}
	return e.setInodes(e.maps.MoatGuarded, "guarded folders", append(dirs, e.cfg.Guarded...))
}

func (e *Enforcer) setInodes(m *ebpf.Map, what string, paths []string) error {
	keys := map[moatInodeKey]uint8{}
	for _, p := range paths {
		k, err := inodeOf(p)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		keys[k] = 1
	}
	return replace(m, keys)
}

// RegisterContainer registers a container's cgroup with its opt-in
// capability mask (bit n = capability n, on top of the default set). It
// also takes the cgroup out of the host context, so its shells run.
func (e *Enforcer) RegisterContainer(cgroupID, caps uint64) error {
	return register(e.maps.MoatContainers, cgroupID, caps)
}

// UnregisterContainer forgets a container's cgroup.
func (e *Enforcer) UnregisterContainer(cgroupID uint64) error {
	return unregister(e.maps.MoatContainers, cgroupID)
}

// Containers returns the registered cgroups and their opt-in masks.
func (e *Enforcer) Containers() (map[uint64]uint64, error) {
	out := map[uint64]uint64{}
	var k, v uint64
	it := e.maps.MoatContainers.Iterate()
	for it.Next(&k, &v) {
		out[k] = v
	}
	return out, it.Err()
}

// Drops counts the audit events that were not delivered.
type Drops struct {
	RateLimited uint64 // over a rule's rate limit
	RingFull    uint64 // the ring buffer was full
}

// Drops reads the drop counters, summed over CPUs.
func (e *Enforcer) Drops() (Drops, error) {
	var d Drops
	for i, dst := range []*uint64{&d.RateLimited, &d.RingFull} {
		var per []uint64
		if err := e.maps.MoatDrops.Lookup(uint32(i), &per); err != nil {
			return d, fmt.Errorf("read drops: %w", err)
		}
		for _, n := range per {
			*dst += n
		}
	}
	return d, nil
}

// replace makes m hold exactly want.
func replace[K comparable, V any](m *ebpf.Map, want map[K]V) error {
	var stale []K
	var k K
	var v V
	it := m.Iterate()
	for it.Next(&k, &v) {
		if _, ok := want[k]; !ok {
			stale = append(stale, k)
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read %s: %w", mapName(m), err)
	}
	for _, k := range stale {
		if err := m.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("update %s: %w", mapName(m), err)
		}
	}
	for k, v := range want {
		if err := m.Put(k, v); err != nil {
			return fmt.Errorf("update %s: %w", mapName(m), err)
		}
	}
	return nil
}

func mapName(m *ebpf.Map) string {
	if info, err := m.Info(); err == nil {
		return info.Name
	}
	return "map"
}

// Close releases the process's hold on the maps; the pinned links and
// maps keep enforcing.
func (e *Enforcer) Close() error {
	return e.maps.Close()
}

// Remove detaches every program and deletes the pins (uninstall, tests).
// Under self-protection only the registered daemon may do this.
func (e *Enforcer) Remove() error {
	var errs []error
	for _, dir := range []string{e.cfg.linkDir(), e.cfg.mapDir()} {
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
		for _, ent := range entries {
			errs = append(errs, os.Remove(filepath.Join(dir, ent.Name())))
		}
	}
	errs = append(errs, e.maps.Close())
	for _, dir := range []string{e.cfg.linkDir(), e.cfg.mapDir(), e.cfg.PinDir} {
		if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
