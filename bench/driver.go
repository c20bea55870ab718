package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// Driver runs the passes and gathers the report.
type Driver struct {
	Root    string    // the repository
	Go      string    // the go command
	VMExec  string    // bin/moat-vmexec
	Out     string    // output folder (out/bench)
	Docs    string    // docs/benchmarks.md; "" leaves it
	Rounds  int       // VM rounds, at least 7
	Passes  []string  // which passes to run; nil for all
	Verbose io.Writer // streams the passes' output when set

	report Report
}

// Pass is one part of make bench.
type Pass struct {
	Name string
	Run  func(*Driver, context.Context) ([]Row, error)
}

// Passes are the parts of make bench, in order.
var Passes = []Pass{
	{"hooks", (*Driver).hooks},
	{"admission", (*Driver).admission},
	{"attest", (*Driver).attest},
	{"footprint", (*Driver).footprint},
}

// Run runs every selected pass; a pass that fails becomes an error row,
// and Run returns the report with the errors joined.
func (d *Driver) Run(ctx context.Context) (Report, error) {
	if err := os.MkdirAll(d.Out, 0o755); err != nil {
		return d.report, err
	}
	d.report.Machine = hostMachine()
	d.report.Started = time.Now().UTC()
	var failed []string
	for _, p := range Passes {
		if !d.selected(p.Name) {
			continue
		}
		t0 := time.Now()
		rows, err := p.Run(d, ctx)
		if err != nil {
			failed = append(failed, p.Name)
			rows = append(rows, Row{What: p.Name + " pass", Config: "—", Target: "—", Met: "error", Note: firstLine(err.Error())})
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", p.Name, err)
		}
		d.report.Rows = append(d.report.Rows, rows...)
		d.report.Passes = append(d.report.Passes, PassTime{p.Name, time.Since(t0).Round(time.Second).String()})
	}
	if len(failed) > 0 {
		return d.report, fmt.Errorf("passes failed: %v", failed)
	}
	return d.report, nil
}

func (d *Driver) selected(name string) bool {
	if d.Passes == nil {
		return true
	}
	for _, p := range d.Passes {
		if p == name {
			return true
		}
	}
	return false
}

func (d *Driver) note(s string) { d.report.Notes = append(d.report.Notes, s) }

func (d *Driver) path() string { return os.Getenv("PATH") }

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
