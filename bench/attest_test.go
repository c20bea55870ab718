package bench

import (
	"strings"
	"testing"

	"github.com/moat-sh/moat/bench/sample"
)

// TestAttestRowsBesideCeiling: a ceiling measured beside a backend's
// pass is that backend's baseline; others keep the run's ceiling.
func TestAttestRowsBesideCeiling(t *testing.T) {
	rows := attestRows([]sample.Metric{
		{What: "verify ceiling", Config: "2 cores", Value: 9000, Unit: "reports/s"},
		{What: "verify ceiling beside", Config: "sqlite", Value: 3000, Unit: "reports/s"},
		{What: "attest reports/s", Config: "sqlite", Value: 1500, Unit: "reports/s"},
		{What: "attest reports/s", Config: "postgres", Value: 4500, Unit: "reports/s"},
		{What: "verify per CPU-second", Config: "sqlite", Value: 4000, Unit: "reports/CPU-s"},
		{What: "attest per CPU-second", Config: "sqlite", Value: 2000, Unit: "reports/CPU-s"},
	})
	if r := rows[2]; r.Ratio != 0.5 || r.Baseline != "verify ceiling beside" {
		t.Errorf("sqlite row %+v", r)
	}
	if r := rows[3]; r.Ratio != 0.5 || r.Baseline != "verify ceiling" || !strings.Contains(r.Note, "9000/s") {
		t.Errorf("postgres row %+v", r)
	}
	if r := rows[5]; r.Ratio != 0.5 || r.Baseline != "verify per CPU-second" || r.Note == "" {
		t.Errorf("per CPU-second row %+v", r)
	}
	if rows[1].Ratio != 0 || rows[1].Met != "n/a" || rows[4].Ratio != 0 {
		t.Errorf("the ceiling beside is a baseline, not judged: %+v", rows[1])
	}
}

func TestAttestRowsJudgement(t *testing.T) {
	ceiling := sample.Metric{What: "verify ceiling", Config: "2 cores", Value: 9000, Unit: "reports/s"}
	for _, tc := range []struct {
		name    string
		served  float64 // the paced pass's rate
		m       sample.Metric
		met     string
		noteHas string
		ratio   float64
	}{
		{"sqlite above target", 5000, sample.Metric{What: "attest reports/s", Config: "sqlite", Value: 6000, Unit: "reports/s"},
			"yes", "", 6000.0 / 9000},
		{"postgres target above the ceiling", 5000, sample.Metric{What: "attest reports/s", Config: "postgres", Value: 7200, Unit: "reports/s"},
			"no (28.0% short)", "above this machine's physical limit", 0.8},
		{"p99 at the offered rate", 4990, sample.Metric{What: "attest p99 paced at 5000/s", Config: "sqlite", Value: 20, Unit: "ms"},
			"yes", "", 0},
		{"p99 low but the rate not reached", 3000, sample.Metric{What: "attest p99 paced at 5000/s", Config: "postgres", Value: 20, Unit: "ms"},
			"no (rate not reached)", "only 3000/s of the 5000/s", 0},
		{"p99 over at the offered rate", 5000, sample.Metric{What: "attest p99 paced at 5000/s", Config: "sqlite", Value: 80, Unit: "ms"},
			"no (60.0% over)", "", 0},
		{"p99 in the handler, a diagnosis", 5000, sample.Metric{What: "attest p99 in the handler, paced at 5000/s", Config: "sqlite", Value: 80, Unit: "ms"},
			"n/a", "scheduler", 0},
		{"p99 in the store, a diagnosis", 5000, sample.Metric{What: "attest p99 in the store's group transaction, paced at 5000/s", Config: "postgres", Value: 60, Unit: "ms"},
			"n/a", "PostgreSQL's WAL flush", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			served := sample.Metric{What: "attest served paced at 5000/s", Config: tc.m.Config, Value: tc.served, Unit: "reports/s"}
			rows := attestRows([]sample.Metric{ceiling, served, tc.m})
			r := rows[2]
			if r.Met != tc.met || !strings.Contains(r.Note, tc.noteHas) || r.Ratio != tc.ratio {
				t.Errorf("row %+v: want met %q, note with %q, ratio %v", r, tc.met, tc.noteHas, tc.ratio)
			}
		})
	}
}

// A throughput target that the process's own CPU a report rules out on
// this machine's cores says so, with the figures.
func TestAttestRowsCPUBound(t *testing.T) {
	defer func(n int) { cores = n }(cores)
	cores = 2
	rows := attestRows([]sample.Metric{
		{What: "verify ceiling", Config: "2 cores", Value: 16000, Unit: "reports/s"},
		{What: "attest reports/s", Config: "postgres", Value: 6000, Unit: "reports/s"},
		{What: "attest per CPU-second", Config: "postgres", Value: 4000, Unit: "reports/CPU-s"},
		{What: "attest reports/s", Config: "sqlite", Value: 4000, Unit: "reports/s"},
		{What: "attest per CPU-second", Config: "sqlite", Value: 3000, Unit: "reports/CPU-s"},
	})
	if n := rows[1].Note; !strings.Contains(n, "at most 8000/s") || !strings.Contains(n, "20% less CPU") || !strings.Contains(n, "PostgreSQL's own CPU") {
		t.Errorf("postgres note %q", n)
	}
	if n := rows[3].Note; n != "" { // 2 × 3000 ≥ 5000: the CPU does not rule it out
		t.Errorf("sqlite note %q, want none", n)
	}
}

// Over rounds, a figure is the median of its rounds, and its ratio is
// taken round by round to the ceiling measured in the same round.
func TestAttestRowsRounds(t *testing.T) {
	var ms []sample.Metric
	for round, v := range []struct{ ceiling, rate float64 }{{10000, 5000}, {20000, 6000}, {12000, 9000}} {
		ms = append(ms,
			sample.Metric{What: "verify ceiling beside", Config: "sqlite", Round: round, Value: v.ceiling, Unit: "reports/s"},
			sample.Metric{What: "attest reports/s", Config: "sqlite", Round: round, Value: v.rate, Unit: "reports/s"})
	}
	rows := attestRows(ms)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want one a figure: %+v", len(rows), rows)
	}
	r := rows[1]
	if r.Median != 6000 || r.Min != 5000 || r.Max != 9000 || r.Met != "yes" {
		t.Errorf("row %+v: want median 6000 (5000–9000), met", r)
	}
	// ratios 0.5, 0.3, 0.75: the median is the second round's, not 6000/12000
	if r.Ratio != 0.5 || r.RatioMin != 0.3 || r.RatioMax != 0.75 || r.Baseline != "verify ceiling beside" {
		t.Errorf("ratio %v (%v–%v) to %q, want 0.5 (0.3–0.75) to the ceiling beside", r.Ratio, r.RatioMin, r.RatioMax, r.Baseline)
	}
}

// A paced p99 over its target is judged again without the rounds whose
// disk control flushed slower than its bound: noise when the others
// meet the target, a miss when they do not; the control is a row of its
// own, judged against its bound.
func TestAttestRowsDiskControl(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p99     []float64 // a round each
		flush   []float64
		met     string
		noteHas []string
	}{
		{"met, stalls or not", []float64{20, 30, 70, 25}, []float64{5, 6, 60, 4}, "yes", nil},
		{"missed in the stalled rounds only", []float64{20, 90, 80, 60, 30}, []float64{5, 70, 45, 21, 8}, "noise",
			[]string{"in 3 of 5 rounds", "up to 70 ms", "the other 2 rounds is 25.0 ms"}},
		{"missed in clean rounds too", []float64{60, 90, 70}, []float64{5, 70, 8}, "no (40.0% over)",
			[]string{"in 1 of 3 rounds", "the other 2 rounds is 65.0 ms"}},
		{"missed with every round stalled", []float64{60, 90, 70}, []float64{25, 70, 30}, "noise",
			[]string{"in 3 of 3 rounds", "the disk's, not the server's"}},
		{"missed without stalls", []float64{60, 90, 70}, []float64{5, 20, 8}, "no (40.0% over)", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ms []sample.Metric
			for round := range tc.p99 {
				ms = append(ms,
					sample.Metric{What: pacedP99, Config: "postgres", Round: round, Value: tc.p99[round], Unit: "ms"},
					sample.Metric{What: "attest served paced at 5000/s", Config: "postgres", Round: round, Value: 5000, Unit: "reports/s"},
					sample.Metric{What: flushCtl, Config: "postgres", Round: round, Value: tc.flush[round], Unit: "ms"})
			}
			rows := attestRows(ms)
			r := rows[0]
			if r.Met != tc.met {
				t.Errorf("met %q, want %q (row %+v)", r.Met, tc.met, r)
			}
			for _, want := range tc.noteHas {
				if !strings.Contains(r.Note, want) {
					t.Errorf("note %q lacks %q", r.Note, want)
				}
			}
			if len(tc.noteHas) == 0 && r.Note != "" {
				t.Errorf("note %q, want none", r.Note)
			}
			if c := rows[2]; c.What != flushCtl || c.Target != "≤ 20 ms (control)" || c.Met == "n/a" {
				t.Errorf("control row %+v", c)
			}
		})
	}
}
