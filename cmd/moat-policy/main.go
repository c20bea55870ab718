// Command moat-policy compiles moat's SELinux policy (the CIL sources built
// into it, policy/selinux/cil) with secilc: moat-policy compile OUT.
package main

import (
	"fmt"
	"os"

	"github.com/moat-sh/moat/policy/selinux"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] != "compile" {
		fmt.Fprintln(os.Stderr, "usage: moat-policy compile OUT")
		os.Exit(2)
	}
	digest, err := selinux.CompileEmbedded(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "moat-policy: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s: moat policy, sources %s\n", os.Args[2], digest)
}
