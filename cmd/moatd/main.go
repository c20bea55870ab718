// Command moatd is moat's instance daemon (see package daemon).
package main

import (
	"os"

	"github.com/moat-sh/moat/daemon"
)

func main() { os.Exit(daemon.Main(os.Args[1:], os.Stdout, os.Stderr)) }
