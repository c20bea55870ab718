// Command moat-nri is moat's NRI plugin for containerd's CRI path. See
// package github.com/moat-sh/moat/containerd/nriplugin.
package main

import (
	"os"

	"github.com/moat-sh/moat/containerd/nriplugin"
)

func main() {
	os.Exit(nriplugin.Main(os.Args[1:]))
}
