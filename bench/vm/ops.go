package vm

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Files the operations touch. ProtectedFile and ExecFile live on the
// VM's root filesystem (protected under moat); WriteFile on tmpfs.
const (
	ProtectedFile = "/bench/protected"
	ExecFile      = "/bench/true" // a copy of busybox-static, run as "true"
	WriteFile     = "/tmp/bench-write"
)

// Op is one measured operation: Run does it once.
type Op struct {
	Name  string
	Iters int // per configuration and round
	Run   func() error
	// Varies: the operation's own cost changes from call to call (an
	// exec's address-space layout and page faults), so its fastest chunk,
	// two calls, is luck rather than a clean measure (measure).
	Varies bool
}

// Ops returns the operations in the order they are measured; getppid is
// the control that no hook touches.
func Ops() []Op {
	return []Op{
		{Name: "getppid", Iters: 18000, Run: getppid},
		{Name: "open+close ro protected", Iters: 5400, Run: openRead},
		{Name: "open wr tmpfs", Iters: 5400, Run: openWrite},
		{Name: "stat", Iters: 5400, Run: stat},
		{Name: "fork+exec static", Iters: 90, Run: forkExec, Varies: true},
	}
}

// Prepare lays out the files, before any rule set is loaded.
func Prepare() error {
	if err := os.MkdirAll(filepath.Dir(ProtectedFile), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(ProtectedFile, []byte("moat\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(WriteFile, nil, 0o644); err != nil {
		return err
	}
	return copyFile("/bin/busybox", ExecFile)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func getppid() error {
	syscall.Getppid()
	return nil
}

func openClose(path string, flags int) error {
	fd, err := syscall.Open(path, flags|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	return syscall.Close(fd)
}

func openRead() error  { return openClose(ProtectedFile, syscall.O_RDONLY) }
func openWrite() error { return openClose(WriteFile, syscall.O_WRONLY) }

func stat() error {
	var st syscall.Stat_t
	return syscall.Stat(ProtectedFile, &st)
}

var execAttr = &syscall.ProcAttr{Env: []string{}, Files: []uintptr{0, 1, 2}}

func forkExec() error {
	pid, err := syscall.ForkExec(ExecFile, []string{"true"}, execAttr)
	if err != nil {
		return fmt.Errorf("exec %s: %w", ExecFile, err)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		return fmt.Errorf("wait %s: %w", ExecFile, err)
	}
	if ws.ExitStatus() != 0 {
		return fmt.Errorf("%s true: exit %d", ExecFile, ws.ExitStatus())
	}
	return nil
}
