// Command moat-runtime is moat's OCI runtime wrapper: containerd runs it in
// place of runc (BinaryName in the runc runtime's options). See package
// github.com/moat-sh/moat/containerd/runtime.
//
// It starts for every runc call containerd's shim makes, and most of those
// exec runc within a millisecond or two: updatemaxprocs=0 spares each of
// them the goroutine (and thread) the Go runtime otherwise starts to follow
// changes of the CPU limit.
//
//go:debug updatemaxprocs=0
package main

import (
	"os"

	"github.com/moat-sh/moat/containerd/runtime"
)

func main() {
	os.Exit(runtime.Main(os.Args[1:]))
}
