package bench

import (
	"strings"
	"testing"

	"github.com/moat-sh/moat/bench/sample"
)

func TestFootprintRows(t *testing.T) {
	m := func(what string, v float64, unit string) sample.Metric {
		return sample.Metric{What: what, Config: "moatd, 20 containers", Value: v, Unit: unit}
	}
	ms := []sample.Metric{
		m("moatd RSS", 40, "MB"), m("moatd RSS", 28, "MB"), m("moatd RSS", 29, "MB"),
		m("moatd idle CPU slice", 0.2, "millicores"), m("moatd idle CPU slice", 3, "millicores"),
		m("moatd idle CPU", 0.8, "millicores"),
		m("moatd CPU starting the containers", 800, "ms"),
	}
	rows := footprintRows(ms, true)
	want := []struct {
		what        string
		med, lo, hi float64
		met         string
		tcgNote     bool
	}{
		{"moatd RSS", 29, 28, 40, "yes", false},
		{"moatd idle CPU", 0.8, 0.2, 3, "yes", true},
		{"moatd CPU starting the containers", 800, 800, 800, "n/a", false},
		{"moatd idle CPU, median slice", 1.6, 0.2, 3, "n/a", false},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.What != w.what || r.Median != w.med || r.Min != w.lo || r.Max != w.hi || r.Met != w.met {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
		if got := strings.Contains(r.Note, "TCG"); got != w.tcgNote {
			t.Errorf("row %s note %q: TCG warning %v, want %v", r.What, r.Note, got, w.tcgNote)
		}
	}
	over := footprintRows([]sample.Metric{m("moatd idle CPU", 8.3, "millicores")}, false)
	if over[0].Met != "no (730.0% over)" {
		t.Errorf("idle CPU 8.3 millicores: met %q, want 730%% over", over[0].Met)
	}
}

func TestMapMemoryRowFromHooks(t *testing.T) {
	d := &Driver{}
	if r := d.mapMemoryRow(); r.Met != "n/a" || r.Unit != "" {
		t.Errorf("without the hooks pass: %+v, want n/a", r)
	}
	d.report.Rows = []Row{{What: "BPF map memory (memlock)", Config: "moat", Median: 397312, Min: 397312, Max: 397312, Unit: "bytes"}}
	if r := d.mapMemoryRow(); r.Median != 397312 || r.Unit != "bytes" || r.Met != "yes" {
		t.Errorf("with the hooks pass: %+v, want 397312 bytes, met", r)
	}
}
