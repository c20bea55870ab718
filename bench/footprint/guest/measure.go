package main

import (
	"fmt"
	"os"
	"time"

	"github.com/moat-sh/moat/bench/footprint"
)

func procFile(pid int, name string) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, name))
	return string(b), err
}

func cpuTicks(pid int) (uint64, error) {
	stat, err := procFile(pid, "stat")
	if err != nil {
		return 0, err
	}
	return footprint.CPUTicks(stat)
}

// memory emits VmRSS and its anonymous and file-backed parts, in MB
// (10^6 bytes, as the target says). Pss would need smaps_rollup, which
// the tamper rule refuses (PTRACE_MODE_READ on moatd); moatd is static
// and shares no library, so its Pss is its RSS less the few pages of its
// binary that another process maps.
func memory(pid int) error {
	status, err := procFile(pid, "status")
	if err != nil {
		return err
	}
	for _, f := range []struct{ field, what string }{
		{"VmRSS", "moatd RSS"}, {"RssAnon", "moatd RSS anonymous"}, {"RssFile", "moatd RSS file-backed"},
	} {
		kb, err := footprint.StatusKB(status, f.field)
		if err != nil {
			return err
		}
		emit(f.what, float64(kb)*1024/1e6, "MB")
	}
	return nil
}

// idleCPU measures moatd's CPU over the window in six slices: the whole
// window's figure, then each slice's (for the spread).
func idleCPU(pid int, window time.Duration, say sayFunc) error {
	const slices = 6
	first, err := cpuTicks(pid)
	if err != nil {
		return err
	}
	t0, prev := time.Now(), first
	for i := range slices {
		time.Sleep(time.Until(t0.Add(window * time.Duration(i+1) / slices)))
		now, err := cpuTicks(pid)
		if err != nil {
			return err
		}
		slice := footprint.Millicores(now-prev, (window / slices).Seconds())
		emit("moatd idle CPU slice", slice, "millicores")
		say("slice %d: %d ticks, %.2f millicores", i+1, now-prev, slice)
		prev = now
	}
	emit("moatd idle CPU", footprint.Millicores(prev-first, time.Since(t0).Seconds()), "millicores")
	return nil
}
