package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Main is cmd/moat-bench: flags, the passes, then the table on stdout,
// report.json in the output folder and the docs page.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	d, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rep, runErr := d.Run(ctx)
	if err := WriteTable(stdout, rep); err != nil {
		return err
	}
	if err := WriteJSON(filepath.Join(d.Out, "report.json"), rep); err != nil {
		return err
	}
	if d.Docs != "" {
		if err := writeDocs(d.Docs, rep); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\nJSON: %s\n", filepath.Join(d.Out, "report.json"))
	return runErr
}

func parseFlags(args []string, stderr io.Writer) (*Driver, error) {
	fs := flag.NewFlagSet("moat-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := &Driver{}
	var passes string
	var verbose bool
	fs.StringVar(&d.Root, "root", ".", "the repository")
	fs.StringVar(&d.Go, "go", "go", "the go command")
	fs.StringVar(&d.VMExec, "vmexec", "bin/moat-vmexec", "the VM harness (make builds it)")
	fs.StringVar(&d.Out, "out", "out/bench", "output folder (git-ignored)")
	fs.StringVar(&d.Docs, "docs", "docs/benchmarks.md", "page to regenerate; empty to leave it")
	fs.IntVar(&d.Rounds, "rounds", 15, "interleaved rounds in the VM (at least 7)")
	fs.StringVar(&passes, "passes", "", "comma-separated passes (hooks,admission,attest,footprint); empty for all")
	fs.BoolVar(&verbose, "v", false, "stream the passes' output to stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if d.Rounds < 7 {
		return nil, fmt.Errorf("-rounds %d: the issue asks for at least 7", d.Rounds)
	}
	if passes != "" {
		d.Passes = strings.Split(passes, ",")
		for _, p := range d.Passes {
			if !known(p) {
				return nil, fmt.Errorf("-passes: unknown pass %q (want hooks, admission, attest, footprint)", p)
			}
		}
	}
	if verbose {
		d.Verbose = stderr
	}
	return d, absPaths(d)
}

func known(name string) bool {
	for _, p := range Passes {
		if p.Name == name {
			return true
		}
	}
	return false
}

func absPaths(d *Driver) error {
	for _, p := range []*string{&d.Root, &d.VMExec, &d.Out} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	return nil
}

func writeDocs(path string, rep Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	WriteMarkdown(f, rep)
	return f.Close()
}
