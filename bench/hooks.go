package bench

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/moat-sh/moat/bench/sample"
)

// The VM pass's operations and configurations, in table order.
var (
	hookOps     = []string{"getppid", "open+close ro protected", "open wr tmpfs", "stat", "fork+exec static"}
	hookConfigs = []string{"none", "empty programs", "moat"}
)

const control = "getppid"

// hookGoal is the target for moat against no programs.
func hookGoal(op, config string) *Goal {
	if op == control {
		return &Goal{Min: 0.99, Max: 1.01, Text: "1.00 ±1% (control)"}
	}
	if config != "moat" {
		return nil
	}
	switch op {
	case "open+close ro protected":
		return &Goal{Max: 1.05, Text: "≤ 1.05"}
	case "stat", "fork+exec static":
		return &Goal{Max: 1.02, Text: "≤ 1.02"}
	}
	return nil
}

var vmLine = regexp.MustCompile(`vm: kernel (\S+) lsm=\S+ accel=(\S+)`)

// hooks runs bench/vm in one boot with icount and tabulates it.
func (d *Driver) hooks(ctx context.Context) ([]Row, error) {
	// icount keeps counts deterministic; with it QEMU runs one TCG thread,
	// so the guest gets one CPU (two never finished booting).
	env := []string{"PATH=" + d.path(), "MOAT_VM_ICOUNT=1", "MOAT_VM_CPUS=1",
		fmt.Sprintf("MOAT_BENCH_ROUNDS=%d", d.Rounds)}
	res, out, err := d.goTest(ctx, filepath.Join(d.Out, "vm.log"), env,
		"-v", "-tags", "vmtest", "-exec", d.VMExec, "-run", "^TestHookOverhead$", "./bench/vm")
	if m := vmLine.FindStringSubmatch(out); m != nil {
		d.report.Machine.GuestKernel, d.report.Machine.Accel = m[1], m[2]
	}
	if err != nil {
		return nil, err
	}
	d.note("Hooks: virtual nanoseconds of one QEMU boot under TCG with -icount shift=0,sleep=off (one " +
		"instruction, one nanosecond: deterministic counts), one guest CPU; each figure is the fastest of 45 " +
		"chunks of a turn (whatever else runs on that CPU only adds time to a chunk; for fork+exec, whose own cost " +
		"varies from call to call, the first quartile), after an unrecorded " +
		"warm-up round. bpf_stats rows are a separate pass with " +
		"kernel.bpf_stats_enabled=1: mean run time per program.")
	return hookRows(res), nil
}

func hookRows(res sample.Results) []Row {
	rows := ratioRows(res.Samples, hookOps, hookConfigs, "none", hookGoal)
	markNoise(rows)
	rows = append(rows, moatVsEmpty(res.Samples)...)
	progs := slices.Clone(res.Progs)
	slices.SortFunc(progs, func(a, b sample.ProgStat) int {
		return cmp.Or(cmp.Compare(a.Config, b.Config), cmp.Compare(a.Program, b.Program))
	})
	for _, p := range progs {
		rows = append(rows, Row{What: "bpf_stats " + p.Program, Config: p.Config, Median: p.MeanNs, Min: p.MeanNs,
			Max: p.MeanNs, Unit: "ns/run", Target: "—", Met: "n/a", Note: fmt.Sprintf("%d runs", p.Runs)})
	}
	for _, m := range res.MapMems {
		r := Row{What: "BPF map memory (memlock)", Config: m.Config, Median: float64(m.Bytes), Min: float64(m.Bytes),
			Max: float64(m.Bytes), Unit: "bytes", Note: fmt.Sprintf("%d maps", m.Maps)}
		r.judge(&Goal{Max: 2 << 20, OnValue: true, Text: "≤ 2 MiB"})
		rows = append(rows, r)
	}
	return rows
}

// markNoise: when the control moved more than 1% in a configuration,
// that configuration's figures are noise, and their rows say so.
func markNoise(rows []Row) {
	noisy := map[string]bool{}
	for _, r := range rows {
		if r.What == control && strings.HasPrefix(r.Met, "no") {
			noisy[r.Config] = true
		}
	}
	for i := range rows {
		if noisy[rows[i].Config] && rows[i].What != control {
			rows[i].Met = "noise"
			rows[i].Note = "the control moved more than 1%: this run is noise"
		}
	}
}

// moatVsEmpty is open+close under moat against empty programs.
func moatVsEmpty(ss []sample.Sample) []Row {
	goal := func(string, string) *Goal { return &Goal{Max: 1.02, Text: "≤ 1.02 vs empty"} }
	rows := ratioRows(ss, []string{"open+close ro protected"}, []string{"moat"}, "empty programs", goal)
	for i := range rows {
		rows[i].Config = "moat vs empty programs"
	}
	return rows
}
