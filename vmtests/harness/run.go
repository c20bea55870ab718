package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moat-sh/moat/vmtests/rootfs"
)

// Main is the whole program behind cmd/moat-vmexec: the VM's init when it
// runs as PID 1, else the host side that boots a VM for one test binary.
func Main(args []string) int {
	if os.Getpid() == 1 {
		return initMain()
	}
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: moat-vmexec TEST-BINARY [ARGS...]  (go test -exec moat-vmexec ./pkg)")
		return 2
	}
	code, err := Run(context.Background(), args[0], args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vm: %v\n", err)
		return 1
	}
	return code
}

// Run boots a VM that runs binary with args and returns its exit code.
func Run(ctx context.Context, binary string, args []string, out io.Writer) (int, error) {
	opts, err := FromEnv()
	if err != nil {
		return 0, err
	}
	k, err := FindKernel(opts.KernelDir)
	if err != nil {
		return 0, err
	}
	if t := testTimeout(args); t > 0 && t+2*time.Minute > opts.Timeout {
		opts.Timeout = t + 2*time.Minute
	}
	tmp, err := os.MkdirTemp("", "moat-vm-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	initrd := filepath.Join(tmp, "initramfs.cpio")
	if err := buildImage(tmp, k, binary, args, initrd); err != nil {
		return 0, fmt.Errorf("build initramfs: %w", err)
	}
	accel := opts.Accel
	if accel == "" {
		accel = probeAccel(ctx, opts, k, tmp)
	}
	return boot(ctx, opts, k, accel, initrd, filepath.Join(tmp, "console.log"), out)
}

func buildImage(tmp string, k Kernel, binary string, args []string, initrd string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if rootfs.Dynamic(self) {
		return fmt.Errorf("%s is dynamically linked; build it with CGO_ENABLED=0 (make bin/moat-vmexec)", self)
	}
	m, err := newImage(tmp)
	if err != nil {
		return err
	}
	if err := m.copyFile(self, "/init"); err != nil {
		return err
	}
	if err := m.AddBusybox(); err != nil {
		return err
	}
	spec := runSpec{Binary: "/moat/test.bin", Args: args, Env: guestEnv()}
	if binary != "" {
		if rootfs.Dynamic(binary) {
			return fmt.Errorf("%s is dynamically linked, and the VM has no C library: run go test with CGO_ENABLED=0 (make vmtest does)", binary)
		}
		if err := m.copyFile(binary, spec.Binary); err != nil {
			return err
		}
		if err := addPackage(m, k, &spec); err != nil {
			return err
		}
	} else {
		spec.Binary = ""
	}
	if err := m.writeSpec(spec); err != nil {
		return err
	}
	return m.pack(initrd)
}

// addPackage brings the package folder's testdata, tools and modules.
func addPackage(m *image, k Kernel, spec *runSpec) error {
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	spec.Dir = dir
	if err := os.MkdirAll(m.Path(filepath.Join(pkgRoot, dir)), 0o755); err != nil {
		return err
	}
	td := filepath.Join(dir, "testdata")
	if _, err := os.Stat(td); err == nil {
		if err := m.CopyDir(td, filepath.Join(pkgRoot, td)); err != nil {
			return fmt.Errorf("copy testdata: %w", err)
		}
	}
	tools, err := readList(filepath.Join(td, "vm-tools"))
	if err != nil {
		return err
	}
	for _, t := range tools {
		if err := m.AddTool(t); err != nil {
			return err
		}
	}
	mods, err := readList(filepath.Join(td, "vm-modules"))
	if err != nil {
		return err
	}
	paths, err := k.ModulePaths(mods)
	if err != nil {
		return fmt.Errorf("testdata/vm-modules: %w", err)
	}
	for _, rel := range paths {
		dst := filepath.Join("/lib/modules", k.Release, rel)
		if err := m.copyFile(filepath.Join(k.Modules, rel), dst); err != nil {
			return err
		}
		spec.Modules = append(spec.Modules, dst)
	}
	return nil
}

// guestEnv is the test's environment in the VM: moat's and Go's knobs
// from the host, and a plain root environment.
func guestEnv() []string {
	env := []string{
		"MOAT_VM=1", "HOME=/root", "TMPDIR=/tmp", "USER=root",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "MOAT_VM" {
			continue
		}
		if strings.HasPrefix(name, "MOAT_") || name == "GOTRACEBACK" || name == "GODEBUG" || name == "GOMAXPROCS" {
			env = append(env, kv)
		}
	}
	return env
}

var errNoExit = errors.New("the VM stopped before the test finished (kernel panic or init failure)")
