package bench

import (
	"testing"

	"github.com/moat-sh/moat/bench/sample"
)

func TestSpread(t *testing.T) {
	for _, c := range []struct {
		in            []float64
		med, min, max float64
	}{
		{[]float64{3}, 3, 3, 3},
		{[]float64{5, 1, 3}, 3, 1, 5},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
	} {
		med, lo, hi := spread(c.in)
		if med != c.med || lo != c.min || hi != c.max {
			t.Errorf("spread(%v) = %v %v %v, want %v %v %v", c.in, med, lo, hi, c.med, c.min, c.max)
		}
	}
}

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		name string
		row  Row
		goal *Goal
		met  string
	}{
		{"no goal", Row{Ratio: 2}, nil, "n/a"},
		{"ratio under max", Row{Ratio: 1.01}, &Goal{Max: 1.02}, "yes"},
		{"ratio over max", Row{Ratio: 1.1}, &Goal{Max: 1.0}, "no (10.0% over)"},
		{"value short of min", Row{Median: 2500}, &Goal{Min: 5000, OnValue: true}, "no (50.0% short)"},
		{"control in band", Row{Ratio: 1.005}, &Goal{Min: 0.99, Max: 1.01}, "yes"},
		{"control below band", Row{Ratio: 0.95}, &Goal{Min: 0.99, Max: 1.01}, "no (4.0% short)"},
	} {
		r := c.row
		r.judge(c.goal)
		if r.Met != c.met {
			t.Errorf("%s: met %q, want %q", c.name, r.Met, c.met)
		}
	}
}

func samples(op, cfg string, vals ...float64) []sample.Sample {
	var out []sample.Sample
	for i, v := range vals {
		out = append(out, sample.Sample{Op: op, Config: cfg, Round: i, Value: v, Unit: "ns"})
	}
	return out
}

func TestRatioRowsPairRounds(t *testing.T) {
	// Round 1 is slow for both configurations: the per-round ratio
	// stays 1.1 although the medians of the figures alone would not say so.
	ss := append(samples("stat", "none", 100, 200, 100), samples("stat", "moat", 110, 220, 110)...)
	rows := ratioRows(ss, []string{"stat"}, []string{"none", "moat"}, "none", hookGoal)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	base, moat := rows[0], rows[1]
	if base.Met != "n/a" || base.Ratio != 0 {
		t.Errorf("baseline row %+v", base)
	}
	if moat.Ratio < 1.0999 || moat.Ratio > 1.1001 || moat.RatioMin > 1.1001 || moat.RatioMax < 1.0999 {
		t.Errorf("moat ratio %v (%v–%v), want 1.1", moat.Ratio, moat.RatioMin, moat.RatioMax)
	}
	if moat.Met != "no (7.8% over)" {
		t.Errorf("moat met %q", moat.Met)
	}
}

func TestNoisyControlMarksItsConfiguration(t *testing.T) {
	ss := append(samples("getppid", "none", 100, 100), samples("getppid", "moat", 103, 103)...)
	ss = append(ss, samples("stat", "none", 100, 100)...)
	ss = append(ss, samples("stat", "moat", 101, 101)...)
	rows := hookRows(sample.Results{Samples: ss})
	for _, r := range rows {
		if r.What == "stat" && r.Config == "moat" && r.Met != "noise" {
			t.Errorf("stat under moat: met %q, want noise", r.Met)
		}
	}
}

func TestAttestRowsAgainstCeiling(t *testing.T) {
	rows := attestRows([]sample.Metric{
		{What: "verify ceiling", Config: "2 cores", Value: 4000, Unit: "reports/s"},
		{What: "attest reports/s", Config: "sqlite", Value: 1000, Unit: "reports/s"},
	})
	if rows[1].Ratio != 0.25 || rows[1].Met != "no (80.0% short)" {
		t.Errorf("sqlite row %+v", rows[1])
	}
}
