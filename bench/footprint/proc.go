package footprint

import (
	"fmt"
	"strconv"
	"strings"
)

// StatusKB is a "Name:   N kB" field of /proc/PID/status, in kB.
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

// Millicores is CPU microseconds spent over a wall-clock window, in
// thousandths of one CPU.
func Millicores(usec uint64, windowSeconds float64) float64 {
	return float64(usec) / 1e3 / windowSeconds
}
