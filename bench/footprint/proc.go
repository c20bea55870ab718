package footprint

import (
	"fmt"
	"strconv"
	"strings"
)

// StatusKB is a "Name:   N kB" field of /proc/PID/status or of
// /proc/PID/smaps_rollup, in kB.
func StatusKB(text, name string) (uint64, error) {
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, name+":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%s: %q is not \"N kB\"", name, strings.TrimSpace(rest))
		}
		return strconv.ParseUint(f[0], 10, 64)
	}
	return 0, fmt.Errorf("no %s line", name)
}

// CgroupField is a "key N" line of a cgroup v2 flat-keyed file such
// as cpu.stat (usage_usec) or memory.stat (kernel, in bytes).
func CgroupField(text, key string) (uint64, error) {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == key {
			return strconv.ParseUint(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s line", key)
}

// MapInfo is what fdinfo says of a BPF map descriptor.
type MapInfo struct {
	ID      uint64 // map_id: two descriptors of one map have the same
	Memlock uint64 // bytes
}

// ParseMapInfo reads a /proc/PID/fdinfo text, with ok false when the
// descriptor is not a BPF map.
func ParseMapInfo(fdinfo string) (m MapInfo, ok bool, err error) {
	fields := map[string]string{}
	for _, line := range strings.Split(fdinfo, "\n") {
		if k, v, found := strings.Cut(line, ":"); found {
			fields[k] = strings.TrimSpace(v)
		}
	}
	if _, ok = fields["map_type"]; !ok {
		return m, false, nil
	}
	if m.ID, err = strconv.ParseUint(fields["map_id"], 10, 64); err != nil {
		return m, true, fmt.Errorf("fdinfo map_id: %w", err)
	}
	if m.Memlock, err = strconv.ParseUint(fields["memlock"], 10, 64); err != nil {
		return m, true, fmt.Errorf("fdinfo memlock: %w", err)
	}
	return m, true, nil
}

// Millicores is CPU microseconds spent over a wall-clock window, in
// thousandths of one CPU.
func Millicores(usec uint64, windowSeconds float64) float64 {
	return float64(usec) / 1e3 / windowSeconds
}
