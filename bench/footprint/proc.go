package footprint

import (
	"fmt"
	"strconv"
	"strings"
)

// ClockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat:
// 100 on every Linux architecture Go supports.
const ClockTicks = 100

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

// CPUTicks is utime+stime of /proc/PID/stat: the CPU time of every
// thread, live or ended, in ClockTicks.
func CPUTicks(stat string) (uint64, error) {
	// the command (field 2) is in parentheses and may hold spaces
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no ')' after the command")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the command, want at least 13", len(f))
	}
	u, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stat utime: %w", err)
	}
	s, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stat stime: %w", err)
	}
	return u + s, nil
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

// Millicores is CPU ticks spent over a wall-clock window, in thousandths
// of one CPU.
func Millicores(ticks uint64, windowSeconds float64) float64 {
	return float64(ticks) / ClockTicks / windowSeconds * 1000
}
