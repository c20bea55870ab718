//go:build vmtest

package selinux

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	goselinux "github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"
)

// TestVMLoad runs first: the kernel has SELinux and no policy; the
// tree's policy loads and enforces; the loaded policy carries the stamp
// of the tree's sources; the hash of the kernel's copy identifies it
// (stable across reloads, different for another policy).
func TestVMLoad(t *testing.T) {
	requireVM(t)
	if mode, err := Mode(); err != nil || mode != NoPolicy {
		t.Fatalf("before loading: Mode() = %v, %v; want %v", mode, err, NoPolicy)
	}
	tree, digest := compileEmbedded(t, "")
	other, _ := compileEmbedded(t, "(boolean moat_other_policy false)\n")
	var sums []string
	for _, p := range []string{tree, other, tree} {
		if err := Load(p); err != nil {
			t.Fatal(err)
		}
		sum, err := PolicySHA256()
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	t.Logf("loaded policy sha256: tree %s, other %s, tree again %s", sums[0], sums[1], sums[2])
	if sums[0] != sums[2] || sums[0] == sums[1] {
		t.Errorf("the loaded policy's hash does not identify it: tree %s, other %s, tree again %s", sums[0], sums[1], sums[2])
	}
	if got, err := LoadedSourceDigest(); err != nil || got != digest {
		t.Errorf("LoadedSourceDigest() = %q, %v; want the tree's %s", got, err, digest)
	}
	if mode, err := Mode(); err != nil || mode != Permissive {
		t.Fatalf("loaded: Mode() = %v, %v; want %v", mode, err, Permissive)
	}
	if err := SetEnforce(true); err != nil {
		t.Fatal(err)
	}
	if mode, err := Mode(); err != nil || mode != Enforcing {
		t.Fatalf("after SetEnforce(true): Mode() = %v, %v; want %v", mode, err, Enforcing)
	}
	if label, err := goselinux.CurrentLabel(); err != nil || label != kernelLabel {
		t.Errorf("the test runs as %q (%v), want %s", label, err, kernelLabel)
	}
	self, _ := os.Executable()
	if label, err := goselinux.FileLabel(self); err != nil || label != fileLabel("moat_os_file_t", "s0") {
		t.Errorf("the initramfs file %s is labelled %q (%v), want moat_os_file_t", self, label, err)
	}
}

// The kernel found every class and permission it knows in the policy.
func TestVMKernelKnowsEveryClass(t *testing.T) {
	getWorld(t)
	log := kernelLog(t)
	for _, bad := range []string{"not defined in policy", "unknown classes and permissions"} {
		if bytes.Contains(log, []byte(bad)) {
			t.Errorf("the kernel logged %q while loading the policy:\n%s", bad, grepLines(log, "SELinux"))
		}
	}
	if !bytes.Contains(log, []byte("SELinux:  policy capability")) {
		t.Errorf("no policy load in the kernel log:\n%s", grepLines(log, "SELinux"))
	}
}

func TestVMSetEnforceSwitches(t *testing.T) {
	w := getWorld(t)
	secret := filepath.Join(w.host, "secret")
	for _, c := range []struct {
		enforce bool
		want    Enforcement
		readErr error
	}{{false, Permissive, nil}, {true, Enforcing, unix.EACCES}} {
		if err := SetEnforce(c.enforce); err != nil {
			t.Fatal(err)
		}
		if mode, err := Mode(); err != nil || mode != c.want {
			t.Fatalf("SetEnforce(%v): Mode() = %v, %v", c.enforce, mode, err)
		}
		if _, err := os.ReadFile(secret); !errors.Is(err, c.readErr) && !(c.readErr == nil && err == nil) {
			t.Errorf("%v: the kernel domain reads the secret: %v, want %v", c.want, err, c.readErr)
		}
	}
}

// Each promise: an attempt that is denied, and its allowed counterpart.
func TestVMPromises(t *testing.T) {
	w := getWorld(t)
	taskA, priv := w.task(w.a), w.task(w.priv)
	runtimeA, moatd, host := w.trusted(runtimeLabel), w.trusted(moatdLabel), w.trusted(hostLabel)
	h := func(name string) string { return filepath.Join(w.host, name) }
	runtimeProc := "/proc/" + strconv.Itoa(w.sleeper(t, runtimeA)) + "/cgroup"
	cases := []struct {
		name string
		who  actor
		args []string
		want string
	}{
		{"task writes an OS file", taskA, []string{"write", "/os-file"}, "EACCES"},
		{"task writes its own file", taskA, []string{"write", "/a/file"}, "ok"},
		{"task reads the secret", taskA, []string{"read", "/secret"}, "EACCES"},
		{"privileged task reads the secret", priv, []string{"read", "/secret"}, "EACCES"},
		{"host reads the secret", host, []string{"read", h("secret")}, "EACCES"},
		{"runtime reads the secret", runtimeA, []string{"read", h("secret")}, "EACCES"},
		{"moatd reads the secret", moatd, []string{"read", h("secret")}, "ok"},
		{"task reads moat's state", taskA, []string{"read", "/state"}, "EACCES"},
		{"runtime reads moat's state", runtimeA, []string{"read", h("state")}, "ok"},
		{"runtime writes moat's state", runtimeA, []string{"write", h("state")}, "EACCES"},
		{"moatd writes moat's state", moatd, []string{"write", h("state")}, "ok"},
		{"task lists bpffs", taskA, []string{"list", "/bpf"}, "EACCES"},
		{"privileged task lists bpffs", priv, []string{"list", "/bpf"}, "EACCES"},
		{"moatd lists bpffs", moatd, []string{"list", "/sys/fs/bpf"}, "ok"},
		{"task loads a module", taskA, []string{"module", "/junk.ko"}, "EPERM"},
		{"privileged task loads a module", priv, []string{"module", "/junk.ko"}, "EPERM"},
		{"task uses CAP_NET_ADMIN", taskA, []string{"sndbufforce"}, "EPERM"},
		{"privileged task uses CAP_NET_ADMIN", priv, []string{"sndbufforce"}, "ok"},
		{"host enters a task domain", host, []string{"exec", w.a.Process, "/bin/true", "label"}, "EACCES"},
		{"runtime labels a file for a task", runtimeA, []string{"relabel", h("relabel-me"), w.x.Mount}, "ok"},
		{"task relabels its file to another pair", taskA, []string{"relabel", "/a/file", w.b.Mount}, "EACCES"},
		{"host labels a file for a task", host, []string{"relabel", h("relabel-me"), w.a.Mount}, "EACCES"},
		{"host rewrites a bundle's spec", host, []string{"respec", h("bundle")}, "EACCES"},
		{"moatd labels a bundle's spec", moatd, []string{"respec", h("bundle")}, "ok"},
		{"host reads a runtime process's cgroup", host, []string{"read", runtimeProc}, "EACCES"},
		{"moatd reads a runtime process's cgroup", moatd, []string{"read", runtimeProc}, "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := w.attempt(t, c.who, c.args...); got != c.want {
				t.Errorf("%s %v: %s, want %s", c.who.label, c.args, got, c.want)
			}
		})
	}
}

// Only the runtime enters a task's domains: sleeper checks that the
// process runs under the label it was given.
func TestVMRuntimeEntersTask(t *testing.T) {
	w := getWorld(t)
	for _, l := range []TaskLabels{w.a, w.priv} {
		pid := w.sleeper(t, w.task(l))
		t.Logf("task process %d runs as %s", pid, l.Process)
	}
}

// The kernel domain (init before it starts services) cannot enter a
// task's domain either; only the runtime can.
func TestVMKernelCannotEnterTask(t *testing.T) {
	w := getWorld(t)
	cmd := w.command(w.trusted(runtimeLabel), "label")
	cmd.Path = filepath.Join(w.root, "bin", "helper")
	if err := start(cmd, w.a.Process); !errors.Is(err, unix.EACCES) {
		if err == nil {
			cmd.Wait()
		}
		t.Fatalf("kernel domain executes into %s: %v, want EACCES", w.a.Process, err)
	}
}

// The kernel domain passes the module permission checks that tasks
// fail: its attempt on a file that is no module fails later, on the
// content, not with EPERM.
func TestVMKernelModuleCheckCounterpart(t *testing.T) {
	w := getWorld(t)
	err := finitModule(filepath.Join(w.root, "junk.ko"))
	if err == nil || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		t.Fatalf("kernel domain finit_module on junk: %v, want a content error (ENOEXEC)", err)
	}
}

// MCS: tasks with different pairs are apart; the containers of one task
// (same pair) share files and processes.
func TestVMMCSFiles(t *testing.T) {
	w := getWorld(t)
	a1, a2, b := w.task(w.a), w.task(w.a), w.task(w.b)
	cases := []struct {
		name string
		who  actor
		args []string
		want string
	}{
		{"task reads its own file", a1, []string{"read", "/a/file"}, "ok"},
		{"task reads another task's file", a1, []string{"read", "/b/file"}, "EACCES"},
		{"task reads a file of a pair sharing one category", a1, []string{"read", "/x/file"}, "EACCES"},
		{"task writes another task's file", a1, []string{"write", "/b/file"}, "EACCES"},
		{"task creates in another task's folder", a1, []string{"create", "/b/new"}, "EACCES"},
		{"container 1 creates a file", a1, []string{"create", "/a/shared"}, "ok"},
		{"container 2 of the same task reads it", a2, []string{"read", "/a/shared"}, "ok"},
		{"container 2 of the same task writes it", a2, []string{"write", "/a/shared"}, "ok"},
		{"another task reads it", b, []string{"read", "/a/shared"}, "EACCES"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := w.attempt(t, c.who, c.args...); got != c.want {
				t.Errorf("%s %v: %s, want %s", c.who.label, c.args, got, c.want)
			}
		})
	}
	if label, err := goselinux.FileLabel(filepath.Join(w.root, "a", "shared")); err != nil || label != w.a.Mount {
		t.Errorf("a task's new file is labelled %q (%v), want %s", label, err, w.a.Mount)
	}
}

func TestVMMCSProcesses(t *testing.T) {
	w := getWorld(t)
	a1 := w.task(w.a)
	sameTask := strconv.Itoa(w.sleeper(t, w.task(w.a)))
	otherTask := strconv.Itoa(w.sleeper(t, w.task(w.b)))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"signal a container of the same task", []string{"signal", sameTask}, "ok"},
		{"signal another task", []string{"signal", otherTask}, "EACCES"},
		{"send SIGCHLD to a container of the same task", []string{"sigchld", sameTask}, "ok"},
		{"send SIGCHLD to another task", []string{"sigchld", otherTask}, "EACCES"},
		{"trace a container of the same task", []string{"ptrace", sameTask}, "ok"},
		{"trace another task", []string{"ptrace", otherTask}, "EACCES"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := w.attempt(t, a1, c.args...); got != c.want {
				t.Errorf("%s %v: %s, want %s", a1.label, c.args, got, c.want)
			}
		})
	}
}

func kernelLog(t *testing.T) []byte {
	t.Helper()
	fd, err := unix.Open("/dev/kmsg", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/kmsg: %v", err)
	}
	defer unix.Close(fd)
	var log bytes.Buffer
	buf := make([]byte, 8192)
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case n > 0:
			log.Write(buf[:n])
		case errors.Is(err, unix.EAGAIN) || (err == nil && n == 0):
			return log.Bytes()
		case errors.Is(err, unix.EPIPE): // overwritten records: go on
		case err != nil:
			t.Fatalf("read /dev/kmsg: %v", err)
		}
	}
}

func grepLines(data []byte, word string) string {
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, word) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
