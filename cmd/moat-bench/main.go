// Command moat-bench is make bench: it measures moat's overhead and
// throughput as ratios to baselines of the same run (package bench).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/moat-sh/moat/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Main(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "moat-bench:", err)
		os.Exit(1)
	}
}
