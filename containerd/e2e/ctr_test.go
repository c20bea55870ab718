package e2e

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	moatruntime "github.com/moat-sh/moat/containerd/runtime"
	"github.com/moat-sh/moat/policy"
)

var seq atomic.Int64

// id returns a container id unique in the suite and across suites
// running at once (ctr's containers share runc's default root).
func id(prefix string) string { return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), seq.Add(1)) }

// ctrRun starts a detached container with the default seccomp profile
// (a container without seccomp needs ALL) and extra ctr run flags.
func ctrRun(name string, flags ...string) (string, error) {
	args := append([]string{"run", "--detach", "--seccomp"}, flags...)
	args = append(args, busyboxImage, name, "/bin/sleep", "300")
	return e.ctr("default", args...)
}

func ctrKill(t *testing.T, name string) {
	t.Helper()
	if out, err := e.ctr("default", "tasks", "kill", "--signal", "SIGKILL", name); err != nil {
		t.Fatalf("kill %s: %v\n%s", name, err, out)
	}
}

func ctrRemove(name string) {
	e.ctr("default", "tasks", "kill", "--signal", "SIGKILL", name)
	e.ctr("default", "tasks", "delete", "--force", name)
	e.ctr("default", "containers", "delete", name)
}

// running says whether ctr lists the task as RUNNING.
func running(t *testing.T, name string) bool {
	t.Helper()
	return taskStatus(name) == "RUNNING"
}

// taskStatus is the status ctr lists for a task, empty for none.
func taskStatus(name string) string {
	out, _ := e.ctr("default", "tasks", "list")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == name {
			return f[2]
		}
	}
	return ""
}

// exists says whether containerd has a container of that name.
func exists(name string) bool {
	out, _ := e.ctr("default", "containers", "list", "--quiet")
	return strings.Contains("\n"+out, "\n"+name+"\n")
}

func TestCtrPlainTaskStarts(t *testing.T) {
	m := startMoatd(t, policy.Settings{Name: "e2e"})
	name := id("plain")
	t.Cleanup(func() { ctrRemove(name) })
	if out, err := ctrRun(name); err != nil {
		t.Fatalf("plain task: %v\n%s", err, out)
	}
	if !running(t, name) {
		t.Fatal("plain task is not running")
	}
	m.waitLive(t, name, 1)
	pid := taskPid(t, "default", name)
	checkRegistered(t, m, "default", name, pid, 0)
	if out, err := e.ctr("default", "tasks", "exec", "--exec-id", "e1", name, "/bin/true"); err != nil {
		t.Errorf("exec in the plain task: %v\n%s", err, out)
	}
	ctrKill(t, name)
	m.waitLive(t, name, 0)
}

// taskPid returns the pid ctr lists for a task.
func taskPid(t *testing.T, ns, name string) int {
	t.Helper()
	out, _ := e.ctr(ns, "tasks", "list")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == name {
			var pid int
			fmt.Sscan(f[1], &pid)
			return pid
		}
	}
	t.Fatalf("no task %s in namespace %s:\n%s", name, ns, out)
	return 0
}

// checkRegistered: the gate holds the container with its init pid and the
// cgroup v2 id of that pid, with the capability mask.
func checkRegistered(t *testing.T, m *moatd, ns, name string, pid int, mask uint64) {
	t.Helper()
	c, ok := m.gate.get(ns, name)
	if !ok {
		t.Fatalf("%s/%s is not registered with the gate", ns, name)
	}
	want, dir, err := moatruntime.CgroupID(pid)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dir, name) {
		t.Errorf("cgroup of %s is %s, not its own", name, dir)
	}
	if c.Pid != pid || c.CgroupID != want || c.CapMask != mask {
		t.Errorf("registered %+v; want pid %d, cgroup %d (%s), mask %#x", c, pid, want, dir, mask)
	}
}
