// Command moat-supervise is a moat instance's init: stage 1 in the
// initramfs, then PID 1 supervising containerd and moatd as units (see
// vmtests/instance/guest and docs/instance.md).
package main

import (
	"os"

	"github.com/moat-sh/moat/vmtests/instance/guest"
)

func main() { os.Exit(guest.Main(os.Args[1:])) }
