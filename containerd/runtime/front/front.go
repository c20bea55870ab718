package front

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

//go:embed src/moat-runc.c
var source []byte

// Compiler is musl's gcc wrapper (Debian's musl-tools), the Makefile's
// FRONT_CC too. glibc's start-up reads the CPU's cache sizes with CPUID
// (29 of them in a static build), and in a virtual machine, as these
// instances are, each one exits to the hypervisor: the front built with
// glibc took 0.3 to 0.4 ms more on each of the shim's calls than built
// with musl, whose start-up asks the CPU nothing.
const Compiler = "musl-gcc"

// CFlags are the compiler flags, the Makefile's too: static, so that no
// dynamic loader runs on each of the shim's calls.
var CFlags = []string{"-O2", "-static", "-Wall", "-Wextra", "-Werror"}

// Name is the front's file name in bin/; installed, it is "runc".
const Name = "moat-runc"

// Build compiles moat-runc into out with Compiler.
func Build(ctx context.Context, out string) error {
	if _, err := exec.LookPath(Compiler); err != nil {
		return fmt.Errorf("build %s: no %s: install musl-tools (make deps)", Name, Compiler)
	}
	dir, err := os.MkdirTemp("", "moat-runc-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "moat-runc.c")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		return err
	}
	args := append(append([]string{}, CFlags...), "-o", out, src)
	b, err := exec.CommandContext(ctx, Compiler, args...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("build %s: %s failed: %s", Name, Compiler, b)
	}
	if err != nil {
		return fmt.Errorf("build %s: %w", Name, err)
	}
	return nil
}
