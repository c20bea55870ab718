package bench

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/moat-sh/moat/bench/sample"
)

// attestPace is the rate the paced pass offers, and the p99 target's.
const attestPace = 5000

func attestGoal(what, config string) *Goal {
	switch {
	case what == "attest reports/s" && config == "sqlite":
		return &Goal{Min: 5000, OnValue: true, Text: "≥ 5,000 (stretch 10,000)"}
	case what == "attest reports/s" && config == "postgres":
		return &Goal{Min: 10000, OnValue: true, Text: "≥ 10,000 (batching)"}
	case strings.HasPrefix(what, "attest p99 paced"):
		return &Goal{Max: 50, OnValue: true, Text: "≤ 50 ms at 5,000/s"}
	case strings.HasPrefix(what, "attest served paced"):
		return &Goal{Min: 0.95 * attestPace, OnValue: true, Text: "≈ 5,000 offered"}
	}
	return nil
}

// series is one attestation figure over the rounds of a run.
type series struct {
	sample.Metric                 // the first round's: What, Config, Unit
	rounds        map[int]float64 // round → value
}

// median is the series' median; 0 for none.
func (s *series) median() float64 {
	if s == nil || len(s.rounds) == 0 {
		return 0
	}
	m, _, _ := spread(s.values())
	return m
}

func (s *series) values() []float64 {
	var xs []float64
	for _, v := range s.rounds {
		xs = append(xs, v)
	}
	return xs
}

// collect groups the metrics by figure and configuration, in the order
// first printed.
func collect(ms []sample.Metric) ([]*series, map[key]*series) {
	var order []*series
	idx := map[key]*series{}
	for _, m := range ms {
		k := key{m.What, m.Config}
		s := idx[k]
		if s == nil {
			s = &series{Metric: m, rounds: map[int]float64{}}
			idx[k] = s
			order = append(order, s)
		}
		s.rounds[m.Round] = m.Value
	}
	return order, idx
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
	order, idx := collect(ms)
	var global float64
	for _, s := range order {
		if s.What == "verify ceiling" {
			global = s.median()
		}
	}
	var rows []Row
	for _, s := range order {
		base, baseline := idx[key{"verify ceiling beside", s.Config}], "verify ceiling beside"
		if s.Unit == "reports/CPU-s" {
			base, baseline = idx[key{"verify per CPU-second", s.Config}], "verify per CPU-second"
		}
		r := Row{What: s.What, Config: s.Config, Unit: s.Unit}
		r.Median, r.Min, r.Max = spread(s.values())
		if strings.HasPrefix(s.Unit, "reports/") && !strings.HasPrefix(s.What, "verify ") {
			ratios(&r, s, base, baseline, global)
		}
		g := attestGoal(s.What, s.Config)
		r.judge(g)
		ceiling := max(idx[key{"verify ceiling beside", s.Config}].median(), global)
		attestNote(&r, g, ceiling, idx[key{fmt.Sprintf("attest served paced at %d/s", attestPace), s.Config}].median())
		if r.Note == "" {
			cpuBound(&r, g, idx[key{"attest per CPU-second", s.Config}].median())
		}
		rows = append(rows, r)
	}
	return rows
}

// ratios fills r's ratio to base round by round; without base, to the
// run's ceiling.
func ratios(r *Row, s, base *series, baseline string, global float64) {
	var rs []float64
	for round, v := range s.rounds {
		if b, ok := base.round(round); ok && b > 0 {
			rs = append(rs, v/b)
		}
	}
	if len(rs) == 0 && global > 0 && baseline == "verify ceiling beside" {
		for _, v := range s.rounds {
			rs = append(rs, v/global)
		}
		baseline = "verify ceiling"
	}
	if len(rs) > 0 {
		r.Ratio, r.RatioMin, r.RatioMax = spread(rs)
		r.Baseline = baseline
	}
}

func (s *series) round(n int) (float64, bool) {
	if s == nil {
		return 0, false
	}
	v, ok := s.rounds[n]
	return v, ok
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
	case strings.HasPrefix(r.What, "attest p99 paced") && served < 0.95*attestPace:
		r.Met = "no (rate not reached)"
		r.Note = fmt.Sprintf("the server kept up with only %.0f/s of the %d/s offered (median of the rounds): "+
			"this p99 is not at the target rate", served, attestPace)
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
