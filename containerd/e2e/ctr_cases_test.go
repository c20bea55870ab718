package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/policy"
)

// refused checks a refused ctr run: the error carries moatd's words, and
// no task (no runc container) exists.
func refused(t *testing.T, name string, err error, out string, parts ...string) {
	t.Helper()
	mustContain(t, "ctr run "+name, err, out, append([]string{"OCI runtime create failed", "moat: container " + name}, parts...)...)
	if _, err := exec.Command(realRunc, "--root", "/run/containerd/runc/default", "state", name).CombinedOutput(); err == nil {
		t.Errorf("runc has a container %s after a refusal", name)
	}
	if running(t, name) {
		t.Errorf("task %s runs after a refusal", name)
	}
}

func TestCtrNetAdminNeedsOptIn(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e"})
	denied := id("netadmin")
	t.Cleanup(func() { ctrRemove(denied) })
	out, err := ctrRun(denied, "--cap-add", "CAP_NET_ADMIN")
	refused(t, denied, err, out, "refused by moatd", "CAP_NET_ADMIN", `"e2e"`, "privilegedCapabilities")

	m := startMoatd(t, policy.Settings{Name: "e2e", PrivilegedCapabilities: policy.CapSetOf(policy.CapNetAdmin)})
	allowed := id("netadmin")
	t.Cleanup(func() { ctrRemove(allowed) })
	if out, err := ctrRun(allowed, "--cap-add", "CAP_NET_ADMIN"); err != nil {
		t.Fatalf("with the opt-in: %v\n%s", err, out)
	}
	checkRegistered(t, m, "default", allowed, taskPid(t, "default", allowed), 1<<uint(policy.CapNetAdmin))
}

func TestCtrPrivilegedNeedsAll(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e", PrivilegedCapabilities: policy.CapSetOf(policy.CapNetAdmin, policy.CapSysAdmin)})
	denied := id("privileged")
	t.Cleanup(func() { ctrRemove(denied) })
	out, err := ctrRun(denied, "--privileged")
	refused(t, denied, err, out, "refused by moatd", "ALL")

	startMoatd(t, policy.Settings{Name: "e2e", AllowAll: true})
	allowed := id("privileged")
	t.Cleanup(func() { ctrRemove(allowed) })
	if out, err := ctrRun(allowed, "--privileged"); err != nil {
		t.Fatalf("with ALL: %v\n%s", err, out)
	}
}

func TestCtrUnknownCapabilityRefused(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e", PrivilegedCapabilities: policy.CapSetOf(policy.CapNetAdmin)})
	name := id("bogus")
	t.Cleanup(func() { ctrRemove(name) })
	out, err := ctrRun(name, "--cap-add", "CAP_NET_ADMNI")
	refused(t, name, err, out, "CAP_NET_ADMNI")
}

func TestCtrSingleTaskPlacement(t *testing.T) {
	m := startMoatd(t, policy.Settings{Name: "e2e", TaskPlacement: policy.PlacementSingle})
	a1, a2, b := id("task-a"), id("task-a"), id("task-b")
	t.Cleanup(func() { ctrRemove(a1); ctrRemove(a2); ctrRemove(b) })
	for _, name := range []string{a1, a2} {
		if out, err := ctrRun(name, "--annotation", TaskKey+"=A"); err != nil {
			t.Fatalf("container %s of task A: %v\n%s", name, err, out)
		}
	}
	out, err := ctrRun(b, "--annotation", TaskKey+"=B")
	refused(t, b, err, out, `task "A" has 2 live containers`, "taskPlacement")
	e.ctr("default", "containers", "delete", b)

	ctrKill(t, a1)
	ctrKill(t, a2)
	m.waitLive(t, "A", 0)
	if out, err := ctrRun(b, "--annotation", TaskKey+"=B"); err != nil {
		t.Fatalf("task B after task A exited: %v\n%s", err, out)
	}
}

func TestMoatdDownRefusesCreation(t *testing.T) {
	m := startMoatd(t, policy.Settings{Name: "e2e"})
	m.stop()
	name := id("nomoatd")
	t.Cleanup(func() { ctrRemove(name) })
	out, err := ctrRun(name)
	refused(t, name, err, out, "moatd could not decide", "is moatd running?")
}

func TestMoatdRestartRebuildsPlacement(t *testing.T) {
	first := startMoatd(t, policy.Settings{Name: "e2e", TaskPlacement: policy.PlacementSingle})
	a, b := id("restart-a"), id("restart-b")
	t.Cleanup(func() { ctrRemove(a); ctrRemove(b) })
	if out, err := ctrRun(a, "--annotation", TaskKey+"=A"); err != nil {
		t.Fatalf("task A: %v\n%s", err, out)
	}
	first.stop()

	second := startMoatd(t, policy.Settings{Name: "e2e", TaskPlacement: policy.PlacementSingle})
	if got := second.backend.State.Containers(); got[placementKey(a)] != "A" {
		t.Fatalf("state after restart %v, want %s of task A", got, a)
	}
	out, err := ctrRun(b, "--annotation", TaskKey+"=B")
	refused(t, b, err, out, `task "A" has 1 live container`)
	e.ctr("default", "containers", "delete", b)

	ctrKill(t, a)
	second.waitLive(t, "A", 0)
	if out, err := ctrRun(b, "--annotation", TaskKey+"=B"); err != nil {
		t.Fatalf("task B after A exited: %v\n%s", err, out)
	}
}

// TestWrapperRefusesBadSpec runs moat-runtime as containerd's shim does,
// with a bundle whose config.json moat cannot read: it refuses, says why
// in the runc log the shim reads, and runc creates nothing.
func TestWrapperRefusesBadSpec(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e", AllowAll: true})
	tests := []struct{ name, config, want string }{
		{"malformed", `{"ociVersion":"1.2.0","process":{"args":["sh"]`, "malformed OCI spec"},
		{"unknown field", `{"ociVersion":"1.2.0","process":{"args":["sh"],"cwd":"/"},"privileged":true}`, `unknown field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bundle, runcRoot, log := filepath.Join(dir, "bundle"), filepath.Join(dir, "runc", "default"), filepath.Join(dir, "log.json")
			writeFile(t, filepath.Join(bundle, "config.json"), tt.config)
			cmd := exec.Command(e.runtime, "--root", runcRoot, "--log", log, "--log-format", "json",
				"create", "--bundle", bundle, "--pid-file", filepath.Join(dir, "pid"), "bad-spec")
			cmd.Env = []string{"MOAT_SOCKET=" + e.moatd, "MOAT_RUNC=" + realRunc}
			out, err := cmd.CombinedOutput()
			mustContain(t, "moat-runtime create", err, string(out))
			if !strings.Contains(string(out), tt.want) || !strings.Contains(readFile(t, log), tt.want) {
				t.Errorf("output %q and log %q do not say %q", out, readFile(t, log), tt.want)
			}
			if out, err := exec.Command(realRunc, "--root", runcRoot, "state", "bad-spec").CombinedOutput(); err == nil {
				t.Errorf("runc created the container: %s", out)
			}
		})
	}
}

// TestCtrBypassIsKilled: a client that names the real runc skips the
// wrapper; its task is never registered, and the watcher kills it.
func TestCtrBypassIsKilled(t *testing.T) {
	m := startMoatd(t, policy.Settings{Name: "e2e"})
	name := id("bypass")
	t.Cleanup(func() { ctrRemove(name) })
	if out, err := ctrRun(name, "--runc-binary", realRunc); err != nil {
		t.Fatalf("ctr run with the real runc: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for running(t, name) {
		if time.Now().After(deadline) {
			t.Fatal("a task that skipped the wrapper still runs after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := taskStatus(name); st != "STOPPED" {
		t.Errorf("task status %q, want STOPPED (killed)", st)
	}
	if c, ok := m.gate.get("default", name); ok {
		t.Errorf("the bypassing container was registered: %+v", c)
	}
}

// TestWrapperRefusesExecBeyondTheContainer: an exec may not ask for a
// capability the container was not admitted with.
func TestWrapperRefusesExecBeyondTheContainer(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e"})
	name := id("exec")
	t.Cleanup(func() { ctrRemove(name) })
	if out, err := ctrRun(name); err != nil {
		t.Fatalf("container: %v\n%s", err, out)
	}
	execIn := func(flags ...string) (string, error) {
		args := append([]string{"--root", "/run/containerd/runc/default", "exec"}, flags...)
		cmd := exec.Command(e.runtime, append(args, name, "/bin/true")...)
		cmd.Env = []string{"MOAT_SOCKET=" + e.moatd, "MOAT_RUNC=" + realRunc}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := execIn("--cap", "CAP_SYS_ADMIN")
	mustContain(t, "exec with CAP_SYS_ADMIN", err, out)
	if !strings.Contains(out, "asks for CAP_SYS_ADMIN, which the container was not admitted with") {
		t.Errorf("refusal says %q", out)
	}
	if out, err := execIn(); err != nil {
		t.Errorf("plain exec: %v\n%s", err, out)
	}
}

// TestCtrTaskFromContainerLabel: a client (an ECS-style agent) names the
// task in a containerd label; admission and the rebuilt state agree.
func TestCtrTaskFromContainerLabel(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e", TaskPlacement: policy.PlacementSingle})
	a1, a2, b := id("label-a"), id("label-a"), id("label-b")
	t.Cleanup(func() { ctrRemove(a1); ctrRemove(a2); ctrRemove(b) })
	for _, name := range []string{a1, a2} {
		if out, err := ctrRun(name, "--label", TaskKey+"=A"); err != nil {
			t.Fatalf("container %s of task A: %v\n%s", name, err, out)
		}
	}
	m := startMoatd(t, policy.Settings{Name: "e2e", TaskPlacement: policy.PlacementSingle})
	if got := m.backend.State.Live(); got["A"] != 2 {
		t.Errorf("live after restart %v, want task A with 2 containers", got)
	}
	out, err := ctrRun(b, "--label", TaskKey+"=B")
	refused(t, b, err, out, `task "A" has 2 live containers`)
}
