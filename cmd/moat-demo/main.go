// Command moat-demo is `make demo`: it boots a managed instance in a VM
// and shows every promise of moat holding (package demo, docs/demo.md).
// Flags: -keep keeps the temporary folder; the VM options come from
// MOAT_CACHE, MOAT_VM_* (vmtests/harness).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/moat-sh/moat/demo"
	"github.com/moat-sh/moat/vmtests/harness"
)

func main() {
	keep := flag.Bool("keep", false, "keep the temporary folder (attestd's database and log, the VM console)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	vm, err := harness.FromEnv()
	root, werr := os.Getwd()
	if err != nil || werr != nil {
		fmt.Fprintln(os.Stderr, "moat-demo:", err, werr)
		os.Exit(2)
	}
	out, err := demo.Run(ctx, demo.Options{Root: root, VM: vm, Out: os.Stdout, Keep: *keep})
	if len(out.Results) > 0 {
		demo.PrintSummary(os.Stdout, out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "moat-demo:", err)
		os.Exit(1)
	}
	if out.Failed() > 0 {
		os.Exit(1)
	}
}
