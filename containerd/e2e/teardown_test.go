package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// teardown removes every pod and task, stops containerd and the shims it
// started for this suite, and removes the folder.
func (x *env) teardown() {
	if x.cmd != nil && x.cmd.Process != nil {
		x.crictl("rmp", "--all", "--force")
		for _, ns := range []string{"default", "k8s.io"} {
			x.removeAll(ns)
		}
		x.stopContainerd()
	}
	x.killShims()
	if x.dir != "" && os.Getenv("MOAT_E2E_KEEP") == "" {
		unmountUnder(x.dir)
		os.RemoveAll(x.dir)
	}
}

// stopContainerd stops containerd; the shims and their tasks live on.
func (x *env) stopContainerd() {
	x.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { x.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		x.cmd.Process.Kill()
		<-done
	}
}

func (x *env) removeAll(ns string) {
	out, _ := x.ctr(ns, "containers", "list", "--quiet")
	for _, id := range strings.Fields(out) {
		x.ctr(ns, "tasks", "kill", "--signal", "SIGKILL", id)
		x.ctr(ns, "tasks", "delete", "--force", id)
		x.ctr(ns, "containers", "delete", id)
	}
}

// killShims kills the shims whose command line names this suite's
// containerd socket: only processes this suite started.
func (x *env) killShims() {
	if x.address == "" {
		return
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte("containerd-shim")) || !bytes.Contains(b, []byte(x.address)) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// unmountUnder lazily unmounts whatever is still mounted below dir.
func unmountUnder(dir string) {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var points []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir) {
			points = append(points, f[4])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		syscall.Unmount(points[i], syscall.MNT_DETACH)
	}
}
