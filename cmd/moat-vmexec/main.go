// Command moat-vmexec runs a Go test binary inside a QEMU VM with BPF LSM
// and SELinux: go test -exec moat-vmexec ./bpf/... (see vmtests/harness).
package main

import (
	"os"

	"github.com/moat-sh/moat/vmtests/harness"
)

func main() { os.Exit(harness.Main(os.Args[1:])) }
