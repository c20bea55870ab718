//go:build vmtest

package selinux

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	goselinux "github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"
)

// The labels of the trusted domains, as the boot would start them.
const (
	kernelLabel  = "system_u:system_r:moat_kernel_t:" + TrustedLevel
	runtimeLabel = "system_u:system_r:moat_runtime_t:" + TrustedLevel
	moatdLabel   = "system_u:system_r:moatd_t:" + TrustedLevel
	hostLabel    = "system_u:system_r:moat_host_t:s0"
)

func fileLabel(typ, level string) string { return "system_u:object_r:" + typ + ":" + level }

// world is what the VM tests share: the policy compiled from the tree,
// loaded and enforcing; a task root (chroot) holding the files tasks
// try to reach; a host folder; the test binary copied under each
// domain's entrypoint label; and the tasks' labels from the allocator.
type world struct {
	policy, policySum string
	root, host        string
	bin               map[string]string // domain label → helper binary
	alloc             *Allocator
	a, b, x, priv     TaskLabels
}

var shared2 struct {
	once sync.Once
	w    *world
	err  error
}

func requireVM(t *testing.T) {
	t.Helper()
	if os.Getenv("MOAT_VM") != "1" {
		t.Fatal("this test needs the VM: go test -tags vmtest -exec bin/moat-vmexec ./policy/selinux/ (make vmtest)")
	}
}

// compileEmbedded compiles the embedded sources (the tree's, see
// TestSourcesAreTheTree), plus extra CIL if any, in the VM.
func compileEmbedded(t *testing.T, extra string) (path, digest string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "moat-cil-")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSources(dir); err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		if err := os.WriteFile(filepath.Join(dir, "zz-extra.cil"), []byte(extra), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if digest, err = SourceDigest(dir); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "moat.pol")
	start := time.Now()
	if err := Compile(dir, path); err != nil {
		t.Fatal(err)
	}
	t.Logf("compiled in the VM in %s", time.Since(start).Round(time.Millisecond))
	return path, digest
}

// loadPolicy compiles the tree's policy, loads it and enforces.
func loadPolicy(t *testing.T) (path, sum string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "moat.pol")
	if _, err := CompileEmbedded(path); err != nil {
		t.Fatal(err)
	}
	if err := Load(path); err != nil {
		t.Fatal(err)
	}
	if err := SetEnforce(true); err != nil {
		t.Fatal(err)
	}
	return path, fileSHA256(t, path)
}

func getWorld(t *testing.T) *world {
	t.Helper()
	requireVM(t)
	shared2.once.Do(func() { shared2.w = buildWorld(t) })
	if shared2.w == nil {
		t.Fatal("the VM test world could not be built (see the first test's failure)")
	}
	return shared2.w
}

func buildWorld(t *testing.T) *world {
	w := &world{bin: map[string]string{}}
	w.policy, w.policySum = loadPolicy(t)
	var err error
	if w.alloc, err = NewAllocator(Categories); err != nil {
		t.Fatal(err)
	}
	w.a = reserveLabels(t, w.alloc, "task-a", false)
	w.b = reserveLabels(t, w.alloc, "task-b", false)
	w.x = reserveLabels(t, w.alloc, "task-x", false)
	w.priv = reserveLabels(t, w.alloc, "task-p", true)
	w.buildHost(t)
	w.buildRoot(t)
	return w
}

func reserveLabels(t *testing.T, a *Allocator, task string, privileged bool) TaskLabels {
	t.Helper()
	if _, err := a.Reserve(task); err != nil {
		t.Fatal(err)
	}
	l, err := a.Labels(task, privileged)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// buildHost lays out a host folder on /tmp (tmpfs): the secret, moat's
// state, a file for the runtime to relabel, and the helper binaries.
func (w *world) buildHost(t *testing.T) {
	var err error
	if w.host, err = os.MkdirTemp("/tmp", "moat-host-"); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for label, typ := range map[string]string{
		runtimeLabel: "moat_runtime_exec_t",
		moatdLabel:   "moatd_exec_t",
		hostLabel:    "moat_os_file_t",
	} {
		path := filepath.Join(w.host, typ)
		copyFile(t, self, path, fileLabel(typ, "s0"))
		w.bin[label] = path
	}
	writeLabelled(t, filepath.Join(w.host, "secret"), fileLabel("moat_secret_t", "s0"))
	writeLabelled(t, filepath.Join(w.host, "state"), fileLabel("moat_state_t", "s0"))
	writeLabelled(t, filepath.Join(w.host, "relabel-me"), "")
	bundle := filepath.Join(w.host, "bundle")
	mkdirLabelled(t, bundle, fileLabel("moat_runtime_state_t", "s0"))
	writeLabelled(t, filepath.Join(bundle, "config.json"), fileLabel("moat_runtime_state_t", "s0"))
}

// buildRoot lays out the task root: labelled task_file_t at s0, with
// a folder per task at its pair, and the objects tasks must not reach.
func (w *world) buildRoot(t *testing.T) {
	var err error
	if w.root, err = os.MkdirTemp("/tmp", "moat-tasks-"); err != nil {
		t.Fatal(err)
	}
	base := fileLabel(TaskFileType, "s0")
	setLabel(t, w.root, base)
	mkdirLabelled(t, filepath.Join(w.root, "bin"), base)
	self, _ := os.Executable()
	copyFile(t, self, filepath.Join(w.root, "bin", "helper"), base)
	for dir, l := range map[string]TaskLabels{"a": w.a, "b": w.b, "x": w.x} {
		mkdirLabelled(t, filepath.Join(w.root, dir), l.Mount)
		writeLabelled(t, filepath.Join(w.root, dir, "file"), l.Mount)
	}
	writeLabelled(t, filepath.Join(w.root, "junk.ko"), base)
	writeLabelled(t, filepath.Join(w.root, "os-file"), fileLabel("moat_os_file_t", "s0"))
	writeLabelled(t, filepath.Join(w.root, "secret"), fileLabel("moat_secret_t", "s0"))
	writeLabelled(t, filepath.Join(w.root, "state"), fileLabel("moat_state_t", "s0"))
	bpf := filepath.Join(w.root, "bpf")
	os.Mkdir(bpf, 0o755)
	if err := unix.Mount("bpf", bpf, "bpf", 0, ""); err != nil {
		t.Fatalf("mount bpffs on %s: %v", bpf, err)
	}
}

func setLabel(t *testing.T, path, label string) {
	t.Helper()
	if err := goselinux.SetFileLabel(path, label); err != nil {
		t.Fatalf("label %s %s: %v", path, label, err)
	}
}

func mkdirLabelled(t *testing.T, path, label string) {
	t.Helper()
	if err := os.Mkdir(path, 0o777); err != nil {
		t.Fatal(err)
	}
	setLabel(t, path, label)
}

// writeLabelled writes a small file, world-writable so that only
// SELinux stands between a helper and the file, and labels it.
func writeLabelled(t *testing.T, path, label string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("content\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if label != "" {
		setLabel(t, path, label)
	}
}

func copyFile(t *testing.T, src, dst, label string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	setLabel(t, dst, label)
}

// actor is who attempts something: a trusted domain started directly
// under its label, or a task started by the runtime helper, which
// chroots to the task root and executes the task's label.
type actor struct {
	name  string
	label string
	task  bool
}

func (w *world) trusted(label string) actor { return actor{label: label} }
func (w *world) task(l TaskLabels) actor    { return actor{label: l.Process, task: true} }

// command builds the helper process for an attempt, not started.
func (w *world) command(who actor, args ...string) *exec.Cmd {
	bin := w.bin[who.label]
	if who.task {
		bin = w.bin[runtimeLabel]
		args = append([]string{"chroot", w.root, "exec", who.label, "/bin/helper"}, args...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	return cmd
}

// start starts cmd from this process under label (this thread's exec
// label, set just for the fork).
func start(cmd *exec.Cmd, label string) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := goselinux.SetExecLabel(label); err != nil {
		return err
	}
	defer goselinux.SetExecLabel("")
	return cmd.Start()
}

// attempt runs one helper command as who and returns its outcome word.
func (w *world) attempt(t *testing.T, who actor, args ...string) string {
	t.Helper()
	cmd := w.command(who, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	starter := who.label
	if who.task {
		starter = runtimeLabel
	}
	if err := start(cmd, starter); err != nil {
		t.Fatalf("start helper as %s: %v", starter, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper %v as %s: %v: %s", args, who.label, err, stderr.String())
	}
	out := strings.TrimSpace(stdout.String())
	if out == "" {
		t.Fatalf("helper %v as %s printed nothing: %s", args, who.label, stderr.String())
	}
	return out
}

// sleeper starts a long-running helper as who and waits until it runs
// under its label; it is killed when the test ends.
func (w *world) sleeper(t *testing.T, who actor) int {
	t.Helper()
	cmd := w.command(who, "sleep")
	starter := who.label
	if who.task {
		starter = runtimeLabel
	}
	if err := start(cmd, starter); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if label, _ := goselinux.PidLabel(pid); label == who.label {
			return pid
		}
	}
	label, err := goselinux.PidLabel(pid)
	t.Fatalf("sleeper %d runs as %q (%v), want %s", pid, label, err, who.label)
	return 0
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
