// Command moatd is moat's instance daemon (see package daemon).
package main

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/moat-sh/moat/daemon"
)

func main() {
	// No transparent huge pages for moatd: with the Debian kernel's THP
	// "always", khugepaged refills the 2 MiB regions the Go scavenger
	// returns, and a 1 MiB live heap kept 22 MiB resident (make bench's
	// footprint pass; 5 MiB without THP). Best effort: a kernel without
	// THP refuses the call, and has nothing to disable.
	unix.Prctl(unix.PR_SET_THP_DISABLE, 1, 0, 0, 0)
	os.Exit(daemon.Main(os.Args[1:], os.Stdout, os.Stderr))
}
