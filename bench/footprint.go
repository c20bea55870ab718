package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/moat-sh/moat/bench/sample"
)

var accelLine = regexp.MustCompile(`footprint: accel (\S+)`)

// footprint boots the instance with moatd enforcing every BPF family and
// 20 live containers (bench/footprint) and tabulates moatd's RSS and idle
// CPU; the BPF map memory comes from the hooks pass when it ran.
func (d *Driver) footprint(ctx context.Context) ([]Row, error) {
	res, out, err := d.goTest(ctx, filepath.Join(d.Out, "footprint.log"), []string{"PATH=" + d.path()},
		"-v", "-tags", "vmtest", "-run", "^TestFootprint$", "-timeout", "15m", "./bench/footprint")
	accel := "unknown"
	if m := accelLine.FindStringSubmatch(out); m != nil {
		accel = m[1]
	}
	d.note("Footprint: one boot of the managed instance (vmtests/instance: containerd, moat-runtime, moatd under " +
		"moat-supervise in a cgroup of its own) with every BPF family and SELinux enforcing; 20 busybox " +
		"`sleep` tasks started with ctr through admission, 20 s to settle, then a 60 s idle window in six slices. " +
		"RSS is VmRSS of /proc/PID/status, sampled after each slice; CPU is the cgroup's cpu.stat usage_usec, " +
		"as systemd accounts it (smaps_rollup asks for PTRACE_MODE_READ on moatd, which the tamper rule refuses: " +
		"no Pss). Accelerator: " + accel + ".")
	rows := footprintRows(res.Metrics, accel == "tcg")
	rows = append(rows, d.mapMemoryRow())
	return rows, err
}

// footprintRows turns the guest's metrics into rows: the figure's median
// over its samples, with their min and max; idle CPU's median is the whole
// window and its spread the slices'.
func footprintRows(ms []sample.Metric, tcg bool) []Row {
	by := map[string][]float64{}
	var order []string
	for _, m := range ms {
		if _, ok := by[m.What]; !ok {
			order = append(order, m.What)
		}
		by[m.What] = append(by[m.What], m.Value)
	}
	var rows []Row
	for _, what := range order {
		if what == "moatd idle CPU slice" {
			continue
		}
		rows = append(rows, footprintRow(what, unitOf(ms, what), by, tcg))
	}
	if s := by["moatd idle CPU slice"]; len(s) > 0 {
		// the typical slice: the window less a one-off (the first forced
		// GC returning the start's heap to the kernel), for the reader
		r := Row{What: "moatd idle CPU, median slice", Config: "moatd, 20 containers", Unit: "millicores",
			Note: fmt.Sprintf("median of %d slices of 10 s", len(s))}
		r.Median, r.Min, r.Max = spread(s)
		r.judge(nil)
		rows = append(rows, r)
	}
	return rows
}

func footprintRow(what, unit string, by map[string][]float64, tcg bool) Row {
	r := Row{What: what, Config: "moatd, 20 containers", Unit: unit}
	r.Median, r.Min, r.Max = spread(by[what])
	switch what {
	case "moatd RSS":
		r.judge(&Goal{Max: 30, OnValue: true, Text: "≤ 30 MB"})
		r.Note = fmt.Sprintf("%d samples over the idle window; Pss unreadable (tamper refuses PTRACE_MODE_READ)", len(by[what]))
	case "moatd idle CPU":
		if s := by["moatd idle CPU slice"]; len(s) > 0 {
			_, r.Min, r.Max = spread(s)
		}
		r.judge(&Goal{Max: 1, OnValue: true, Text: "≤ 1 millicore"})
		r.Note = "whole window; min and max of its 10 s slices"
		if tcg {
			r.Note += "; TCG: CPU time is emulated, many times native"
		}
	default:
		r.judge(nil)
	}
	return r
}

func unitOf(ms []sample.Metric, what string) string {
	for _, m := range ms {
		if m.What == what {
			return m.Unit
		}
	}
	return ""
}

// mapMemoryRow repeats the hooks pass's map memory: on Linux 6.1 a map's
// memlock follows its max_entries, not its live entries, so 20 containers
// do not change it; moatd's maps cannot be read from outside moatd (the
// tamper rule).
func (d *Driver) mapMemoryRow() Row {
	r := Row{What: "BPF map memory (memlock)", Config: "moatd, 20 containers"}
	for _, h := range d.report.Rows {
		if h.What == r.What && h.Config == "moat" {
			r.Median, r.Min, r.Max, r.Unit = h.Median, h.Min, h.Max, h.Unit
			r.judge(&Goal{Max: 2 << 20, OnValue: true, Text: "≤ 2 MiB"})
			r.Note = "the hooks pass's figure: memlock follows max_entries, not the containers"
			return r
		}
	}
	r.Target, r.Met, r.Note = "≤ 2 MiB", "n/a", "measured by the hooks pass (-passes hooks,footprint)"
	return r
}
