// Command moat is the operator's CLI for moatd: moat status, moat events.
package main

import (
	"os"

	"github.com/moat-sh/moat/daemon/status"
)

func main() { os.Exit(status.CLI(os.Args[1:], os.Stdout, os.Stderr)) }
