package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/moat-sh/moat/bench/sample"
)

// admission: create+start+delete through the wrapper against plain runc
// with real containerd, and the admission decision's p99.
func (d *Driver) admission(ctx context.Context) ([]Row, error) {
	var rows []Row
	res, _, err := d.goTest(ctx, filepath.Join(d.Out, "containerd.log"), nil,
		"-run", "^$", "-bench", "^BenchmarkCreateStartDelete$", "-benchtime", "1x", "-timeout", "10m", "./containerd/e2e")
	d.note("Admission: ctr run --rm of busybox /bin/true against real containerd " +
		"(containerd/e2e's harness), through moat-runtime with moatd's local API and the real decision, against " +
		"the shim calling Debian's runc directly; 50 rounds, the order alternating. The watcher's event loop is " +
		"off: it would kill the runc baseline's containers as a bypass.")
	if err == nil {
		rows = ratioRows(res.Samples, []string{"create+start+delete"}, []string{"runc", "moat-runtime"}, "runc",
			func(string, string) *Goal { return &Goal{Max: 1.05, Text: "≤ 1.05"} })
	}
	p99, err2 := d.admitP99(ctx)
	if err2 == nil {
		r := Row{What: "admission decision p99", Config: "policy.Admit", Median: p99, Min: p99, Max: p99, Unit: "ns"}
		r.judge(&Goal{Max: 1e6, OnValue: true, Text: "< 1 ms"})
		rows = append(rows, r)
	}
	if err != nil {
		return rows, err
	}
	return rows, err2
}

var p99Metric = regexp.MustCompile(`BenchmarkAdmitLatency\S*\s.*\s([\d.]+) p99-ns`)

func (d *Driver) admitP99(ctx context.Context) (float64, error) {
	_, out, err := d.goTest(ctx, filepath.Join(d.Out, "admit.log"), nil,
		"-run", "^$", "-bench", "^BenchmarkAdmitLatency$", "-benchtime", "200000x", "./policy")
	if err != nil {
		return 0, err
	}
	m := p99Metric.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no p99-ns in BenchmarkAdmitLatency's output")
	}
	return strconv.ParseFloat(m[1], 64)
}

// attest: the server's throughput and latency on SQLite and PostgreSQL,
// with the bare verification loop as the ceiling.
func (d *Driver) attest(ctx context.Context) ([]Row, error) {
	d.note("Attestation: 10,000 enrolled instances (Ed25519), one report each per pass, signed before the clock " +
		"starts; 128 clients over loopback HTTP to moat-attestd's handler in the same process; every 200 is a " +
		"verified and committed report. The ratio is to the bare verification loop on the same cores.")
	res, _, err := d.goTest(ctx, filepath.Join(d.Out, "attest.log"), nil,
		"-run", "^$", "-bench", "^(BenchmarkVerifyCeiling|BenchmarkFleet)$", "-benchtime", "1x", "-timeout", "10m", "./attest/server")
	return attestRows(res.Metrics), err
}

func attestGoal(what, config string) *Goal {
	switch {
	case what == "attest reports/s" && config == "sqlite":
		return &Goal{Min: 5000, OnValue: true, Text: "≥ 5,000 (stretch 10,000)"}
	case what == "attest reports/s" && config == "postgres":
		return &Goal{Min: 10000, OnValue: true, Text: "≥ 10,000"}
	case strings.HasPrefix(what, "attest p99 paced"):
		return &Goal{Max: 50, OnValue: true, Text: "≤ 50 ms at 5,000/s"}
	}
	return nil
}

func attestRows(ms []sample.Metric) []Row {
	var ceiling float64
	for _, m := range ms {
		if m.What == "verify ceiling" {
			ceiling = m.Value
		}
	}
	var rows []Row
	for _, m := range ms {
		r := Row{What: m.What, Config: m.Config, Median: m.Value, Min: m.Value, Max: m.Value, Unit: m.Unit}
		if m.Unit == "reports/s" && m.What != "verify ceiling" && ceiling > 0 {
			r.Ratio, r.RatioMin, r.RatioMax, r.Baseline = m.Value/ceiling, m.Value/ceiling, m.Value/ceiling, "verify ceiling"
		}
		r.judge(attestGoal(m.What, m.Config))
		rows = append(rows, r)
	}
	return rows
}
