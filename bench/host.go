package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
)

// admission: create+start+delete through the wrapper against plain runc
// with real containerd, and the admission decision's p99.
func (d *Driver) admission(ctx context.Context) ([]Row, error) {
	var rows []Row
	res, _, err := d.goTest(ctx, filepath.Join(d.Out, "containerd.log"), nil,
		"-run", "^$", "-bench", "^BenchmarkCreateStartDelete$", "-benchtime", "1x", "-timeout", "10m", "./containerd/e2e")
	d.note("Admission: ctr run --rm of busybox /bin/true against real containerd " +
		"(containerd/e2e's harness), through moat's runtime (the moat-runc front, which has moatd admit, label and " +
		"register the container over its local API with the real decision), against " +
		"the shim calling Debian's runc directly; 150 rounds, the order alternating. The watcher's event loop is " +
		"off: it would kill the runc baseline's containers as a bypass.")
	if err == nil {
		rows = ratioRows(res.Samples, []string{"create+start+delete"}, []string{"runc", "moat"}, "runc",
			func(string, string) *Goal { return &Goal{Max: 1.05, Text: "≤ 1.05"} })
		for i := range rows {
			if rows[i].Config == "moat" {
				rows[i].Note = "what moat adds is fixed, not proportional: the exec of the moat-runc front (C, musl) " +
					"before each of the shim's four runc calls, and on create its two calls to moatd, which reads, " +
					"decides on and labels the spec, then registers the cgroup; no Go program starts on the shim's calls"
			}
		}
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
		"starts; over loopback HTTP/1.1 (kept-alive connections, requests written as bytes) to moat-attestd's " +
		"handler in the same process, with moat-attestd's GC setting (the load generator keeps only its instances' " +
		"seeds between passes, so that the collector they share traces little more than the server's heap); " +
		"every 200 is a verified and committed " +
		"report, fsync'd on both backends (SQLite synchronous=FULL, PostgreSQL fsync=on). A first pass warms the " +
		"server's key cache (its own row); then 7 rounds, each a saturated pass just after the bare verification " +
		"loop (attest.Verify, the ceiling the ratio is to, round by round) and a paced pass; medians of the rounds " +
		"with min and max. Saturated: 512 clients in flight. Paced: 5,000 reports/s offered open loop, each " +
		"report's latency counted from when it was due; the p99 is judged only if the server kept up with that rate. " +
		"The paced pass also times each request inside the server's handler, and the store's group transaction " +
		"each report waited on (the database's share), rows of their own and not judged. Beside each paced pass a " +
		"control times the disk, as getppid times the CPU beside the hooks: every 5 ms it writes 4 KiB to a file on " +
		"the databases' filesystem and fdatasyncs it. In a round where one of its flushes took over 20 ms (the time " +
		"in which 1% of the pass's reports arrive) the commits in flight waited with it, and that round's p99 is the disk's: " +
		"a p99 over its target only because of such rounds is noise, and its row says so with the other rounds' median.")
	res, _, err := d.goTest(ctx, filepath.Join(d.Out, "attest.log"), nil,
		"-run", "^$", "-bench", "^(BenchmarkVerifyCeiling|BenchmarkFleet)$", "-benchtime", "1x", "-timeout", "10m", "./attest/server")
	return attestRows(res.Metrics), err
}
