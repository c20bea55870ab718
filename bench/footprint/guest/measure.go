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

// Cgroup is moatd's own cgroup (the unit puts it there, as systemd
// would): its cpu.stat counts moatd's CPU in microseconds without
// reading /proc/PID/stat, which asks for PTRACE_MODE_READ on moatd, an
// access the tamper rule refuses and moatd then logs, at a cost.
const cgroup = "/sys/fs/cgroup/moatd"

func cgroupField(file, key string) (uint64, error) {
	b, err := os.ReadFile(cgroup + "/" + file)
	if err != nil {
		return 0, err
	}
	return footprint.CgroupField(string(b), key)
}

func cpuUsec() (uint64, error) {
	c, err := readCPU()
	return c.usage, err
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
	// kernel memory charged to moatd's cgroup: its BPF maps, page
	// tables, stacks and slab (when the memory controller is on)
	if kernel, err := cgroupField("memory.stat", "kernel"); err == nil {
		emit("moatd cgroup kernel memory", float64(kernel)/1e6, "MB")
	}
	return nil
}

// cpuSplit is moatd's cgroup CPU time so far, in microseconds.
type cpuSplit struct{ usage, user, system uint64 }

func readCPU() (c cpuSplit, err error) {
	b, err := os.ReadFile(cgroup + "/cpu.stat")
	if err != nil {
		return c, err
	}
	for _, f := range []struct {
		key string
		to  *uint64
	}{{"usage_usec", &c.usage}, {"user_usec", &c.user}, {"system_usec", &c.system}} {
		if *f.to, err = footprint.CgroupField(string(b), f.key); err != nil {
			return c, err
		}
	}
	return c, nil
}

// idleCPU measures moatd's CPU over the window in six slices, sampling
// its memory after each: the whole window's CPU figure, then each
// slice's (for the spread).
func idleCPU(pid int, window time.Duration, say sayFunc) error {
	const slices = 6
	first, err := readCPU()
	if err != nil {
		return err
	}
	t0, prev := time.Now(), first
	for i := range slices {
		time.Sleep(time.Until(t0.Add(window * time.Duration(i+1) / slices)))
		now, err := readCPU()
		if err != nil {
			return err
		}
		slice := footprint.Millicores(now.usage-prev.usage, (window / slices).Seconds())
		emit("moatd idle CPU slice", slice, "millicores")
		say("slice %d: %.2f millicores (user %d µs, system %d µs)", i+1, slice, now.user-prev.user, now.system-prev.system)
		if err := memory(pid); err != nil {
			return err
		}
		prev = now
	}
	emit("moatd idle CPU", footprint.Millicores(prev.usage-first.usage, time.Since(t0).Seconds()), "millicores")
	return nil
}
