// Command moat-runtime is moat's OCI runtime wrapper: containerd runs it in
// place of runc (BinaryName in the runc runtime's options). See package
// github.com/moat-sh/moat/containerd/runtime.
package main

import (
	"os"

	"github.com/moat-sh/moat/containerd/runtime"
)

func main() {
	os.Exit(runtime.Main(os.Args[1:]))
}
