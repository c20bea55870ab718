package bench

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/moat-sh/moat/bench/sample"
)

// attestPace is the rate the paced pass offers, and the p99 target's.
const attestPace = 5000

// flushLimit, in ms, is the disk control's bound: the paced pass offers
// 10,000 reports at 5,000/s, so 1% of them arrive in 20 ms, and a disk
// that holds every commit that long decides the pass's p99 by itself.
const flushLimit = 20

var (
	pacedP99 = fmt.Sprintf("attest p99 paced at %d/s", attestPace)
	flushCtl = fmt.Sprintf("disk flush beside, paced at %d/s, longest", attestPace)
)

func attestGoal(what, config string) *Goal {
	switch {
	case what == "attest reports/s" && config == "sqlite":
		return &Goal{Min: 5000, OnValue: true, Text: "≥ 5,000 (stretch 10,000)"}
	case what == "attest reports/s" && config == "postgres":
		return &Goal{Min: 10000, OnValue: true, Text: "≥ 10,000 (batching)"}
	case what == pacedP99:
		return &Goal{Max: 50, OnValue: true, Text: "≤ 50 ms at 5,000/s"}
	case what == flushCtl:
		return &Goal{Max: flushLimit, OnValue: true, Text: fmt.Sprintf("≤ %d ms (control)", flushLimit)}
	case strings.HasPrefix(what, "attest served paced"):
		return &Goal{Min: 0.95 * attestPace, OnValue: true, Text: "≈ 5,000 offered"}
	}
	return nil
}

// median is the median of a figure's rounds; 0 for none.
func median(rounds map[int]float64) float64 {
	if len(rounds) == 0 {
		return 0
	}
	m, _, _ := spread(values(rounds))
	return m
}

// attestRows judges the attestation figures: each is the median of its
// rounds, with min and max. Throughput is also a ratio, round by round,
// to the bare verification ceiling measured just before it in the same
// round (or the run's ceiling, when none was); per CPU-second of the
// process, to the verification loop's (a ratio that moves less with
// what else the machine runs). A target above that ceiling, or above
// what the process's CPU a report allows on these cores, is said to be
// out of this machine's reach. The paced p99 counts as met only when
// the server kept up with the offered rate: a p99 at a lower rate is
// not the p99 at 5,000/s.
func attestRows(ms []sample.Metric) []Row {
	ss := make([]sample.Sample, len(ms))
	for i, m := range ms {
		ss[i] = sample.Sample{Op: m.What, Config: m.Config, Round: m.Round, Value: m.Value, Unit: m.Unit}
	}
	idx := byRound(ss)
	var global float64
	for _, m := range ms {
		if m.What == "verify ceiling" {
			global = median(idx[key{m.What, m.Config}])
		}
	}
	var rows []Row
	seen := map[key]bool{}
	for _, m := range ms { // one row a figure, in the order first printed
		k := key{m.What, m.Config}
		if seen[k] {
			continue
		}
		seen[k] = true
		r := Row{What: m.What, Config: m.Config, Unit: m.Unit}
		r.Median, r.Min, r.Max = spread(values(idx[k]))
		if strings.HasPrefix(m.Unit, "reports/") && !strings.HasPrefix(m.What, "verify ") {
			ratios(&r, idx[k], idx, global)
		}
		g := attestGoal(m.What, m.Config)
		r.judge(g)
		ceiling := max(median(idx[key{"verify ceiling beside", m.Config}]), global)
		attestNote(&r, g, ceiling, median(idx[key{fmt.Sprintf("attest served paced at %d/s", attestPace), m.Config}]))
		if r.Note == "" {
			cpuBound(&r, g, median(idx[key{"attest per CPU-second", m.Config}]))
		}
		if m.What == pacedP99 && strings.HasSuffix(r.Met, "over)") {
			diskNoise(&r, g, idx[k], idx[key{flushCtl, m.Config}])
		}
		rows = append(rows, r)
	}
	return rows
}

// ratios fills r's ratio, round by round, to the verification measured
// beside it (per CPU-second for a per-CPU-second figure); without one,
// to the run's ceiling.
func ratios(r *Row, vals map[int]float64, idx map[key]map[int]float64, global float64) {
	baseline := "verify ceiling beside"
	if r.Unit == "reports/CPU-s" {
		baseline = "verify per CPU-second"
	}
	rs := roundRatios(vals, idx[key{baseline, r.Config}])
	if len(rs) == 0 && global > 0 && baseline == "verify ceiling beside" {
		for _, v := range vals {
			rs = append(rs, v/global)
		}
		baseline = "verify ceiling"
	}
	if len(rs) > 0 {
		r.Ratio, r.RatioMin, r.RatioMax = spread(rs)
		r.Baseline = baseline
	}
}

func attestNote(r *Row, g *Goal, ceiling, served float64) {
	switch {
	case r.What == "attest reports/s" && g != nil && ceiling > 0 && g.Min > ceiling:
		r.Note = fmt.Sprintf("the target is above this machine's physical limit: verification alone reached at most "+
			"%.0f/s on these cores in this run (the ratio column is to %s)", ceiling, r.Baseline)
	case r.What == "attest per CPU-second" && r.Config == "postgres":
		r.Note = "CPU of the server and of the in-process load generator; PostgreSQL's own processes not counted"
	case r.What == "attest per CPU-second":
		r.Note = "CPU of the server (SQLite in process) and of the in-process load generator"
	case strings.HasPrefix(r.What, "attest p99 in the handler"):
		r.Note = "the paced requests' time in moat-attestd's handler (body read, verification, wait for the commit, " +
			"answer), not judged: the rest of the p99 above is the wait for the two cores' scheduler before the " +
			"handler and after it, shared with the load generator's goroutines"
	case strings.HasPrefix(r.What, "attest p99 in the store's group transaction"):
		flush := "SQLite's fsync"
		if r.Config == "postgres" {
			flush = "PostgreSQL's WAL flush"
		}
		r.Note = "the group transaction each paced report waited on, from BEGIN to the answer to COMMIT, which " +
			"waits for " + flush + " on the machine's disk; part of the handler's time, not judged"
	case r.What == pacedP99 && served < 0.95*attestPace:
		r.Met = "no (rate not reached)"
		r.Note = fmt.Sprintf("the server kept up with only %.0f/s of the %d/s offered (median of the rounds): "+
			"this p99 is not at the target rate", served, attestPace)
	}
}

// diskNoise judges a paced p99 over its target again without the
// rounds whose disk control flushed slower than flushLimit: their p99
// is the disk's. When the other rounds meet the target, the miss is
// noise, and the row says so with the figures; when they miss it too,
// the miss stands, and the note gives their median as well.
func diskNoise(r *Row, g *Goal, p99s, flush map[int]float64) {
	var clean []float64
	stalled, longest := 0, 0.0
	for round, v := range p99s {
		if f, ok := flush[round]; ok && f > flushLimit {
			stalled++
			longest = max(longest, f)
			continue
		}
		clean = append(clean, v)
	}
	if stalled == 0 {
		return
	}
	r.Note = fmt.Sprintf("in %d of %d rounds the disk control beside the pass waited up to %.0f ms for one flush "+
		"(over its %d ms bound), and the commits in flight waited with it", stalled, len(p99s), longest, flushLimit)
	if len(clean) == 0 {
		r.Met = "noise"
		r.Note += ": this run's p99 is the disk's, not the server's"
		return
	}
	m, _, _ := spread(clean)
	r.Note += fmt.Sprintf("; the median of the other %d rounds is %.1f ms", len(clean), m)
	if m <= g.Max {
		r.Met = "noise"
	}
}

// cores is the number of CPUs the attestation pass ran on.
var cores = runtime.NumCPU()

// cpuBound notes a missed throughput target that the process's own CPU
// a report rules out on this machine's cores: perCPU reports per
// CPU-second of the server and the load generator (a PostgreSQL server
// on the same cores takes its share on top).
func cpuBound(r *Row, g *Goal, perCPU float64) {
	if r.What != "attest reports/s" || g == nil || perCPU <= 0 || perCPU*float64(cores) >= g.Min {
		return
	}
	r.Note = fmt.Sprintf("at %.0f reports per CPU-second of the server and the load generator, %d cores hold at most "+
		"%.0f/s before anything else runs: %.0f/s needs %.0f%% less CPU a report", perCPU, cores, perCPU*float64(cores),
		g.Min, 100*(1-perCPU*float64(cores)/g.Min))
	if r.Config == "postgres" {
		r.Note += ", and PostgreSQL's own CPU comes on top"
	}
}
