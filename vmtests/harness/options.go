package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Options says how to boot the VM. FromEnv fills it from MOAT_VM_*.
type Options struct {
	KernelDir string        // holds vmlinuz and modules/ (scripts/deps)
	CacheDir  string        // for the accelerator probe
	MemoryMB  int           // guest memory
	CPUs      int           // guest CPUs
	Timeout   time.Duration // whole run, boot included
	Accel     string        // "", "tcg" or "kvm"; "" probes
	Icount    bool          // deterministic instruction counting (TCG)
	Verbose   bool          // stream the kernel console too
}

const defaultTimeout = 10 * time.Minute

// FromEnv reads the options from the environment:
// MOAT_KERNEL_DIR, MOAT_CACHE, MOAT_VM_MEMORY (MiB), MOAT_VM_CPUS,
// MOAT_VM_TIMEOUT (a Go duration), MOAT_VM_ACCEL (tcg|kvm),
// MOAT_VM_ICOUNT=1 and MOAT_VM_CONSOLE=1.
func FromEnv() (Options, error) {
	o := Options{MemoryMB: 2048, CPUs: 2, Timeout: defaultTimeout}
	o.CacheDir = os.Getenv("MOAT_CACHE")
	if o.CacheDir == "" {
		root, err := repoRoot()
		if err != nil {
			return o, err
		}
		o.CacheDir = filepath.Join(root, ".cache")
	}
	o.KernelDir = os.Getenv("MOAT_KERNEL_DIR")
	if o.KernelDir == "" {
		o.KernelDir = filepath.Join(o.CacheDir, "kernel", "current")
	}
	var err error
	if o.MemoryMB, err = envInt("MOAT_VM_MEMORY", o.MemoryMB); err != nil {
		return o, err
	}
	if o.CPUs, err = envInt("MOAT_VM_CPUS", o.CPUs); err != nil {
		return o, err
	}
	if v := os.Getenv("MOAT_VM_TIMEOUT"); v != "" {
		if o.Timeout, err = time.ParseDuration(v); err != nil {
			return o, fmt.Errorf("MOAT_VM_TIMEOUT=%q: %w", v, err)
		}
	}
	switch o.Accel = os.Getenv("MOAT_VM_ACCEL"); o.Accel {
	case "", "tcg", "kvm":
	default:
		return o, fmt.Errorf("MOAT_VM_ACCEL=%q: want tcg or kvm", o.Accel)
	}
	o.Icount = os.Getenv("MOAT_VM_ICOUNT") == "1"
	o.Verbose = os.Getenv("MOAT_VM_CONSOLE") == "1"
	return o, nil
}

func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	return n, nil
}

// repoRoot walks up from the working directory (go test runs a test
// binary in its package folder) to the folder that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			strings.Contains(string(b), "module github.com/moat-sh/moat\n") {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", errors.New("cannot find moat's go.mod above " + dir + ": set MOAT_CACHE")
		}
	}
}

// testTimeout returns the -test.timeout the binary was given, if any.
func testTimeout(args []string) time.Duration {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "-test.timeout="); ok {
			if d, err := time.ParseDuration(v); err == nil {
				return d
			}
		}
	}
	return 0
}
