//go:build vmtest

package moatd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-sh/moat/daemon/status"
	"github.com/moat-sh/moat/policy/selinux"
)

// TestMoatdEnforcesAndOutlivesItsDeath runs the real moatd in the VM with
// every BPF family and SELinux enforcing (tamper in audit mode, so that
// the test may kill it): it refuses a write to the root and a copied
// shell, reports both as audit events and in its status, and after a
// SIGKILL the same attempts are still refused.
func TestMoatdEnforcesAndOutlivesItsDeath(t *testing.T) {
	requireVM(t)
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.bin")
	if _, err := selinux.CompileEmbedded(policy); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	sock := filepath.Join(dir, "run", "status.sock")
	writeMoatdConfig(t, cfg, dir, policy)
	moatd, events, exited := startMoatd(t, cfg)
	st := waitStatus(t, sock, exited)
	if st.SELinux.Mode != "enforcing" {
		t.Errorf("status: SELinux %q, want enforcing", st.SELinux.Mode)
	}
	for _, f := range st.Families {
		want := map[string]string{"root": "enforce", "exec": "enforce", "caps": "enforce", "tamper": "audit"}[f.Name]
		if f.Mode != want {
			t.Errorf("status: family %s is %s, want %s", f.Name, f.Mode, want)
		}
	}
	shell := copyShell(t)
	attempts(t, "while moatd runs", shell)
	events.want(t, `"check":"root-write"`, `"check":"exec-unprotected"`)

	if err := moatd.Process.Signal(unix.SIGKILL); err != nil {
		t.Fatalf("SIGKILL moatd (tamper is in audit mode): %v", err)
	}
	<-exited
	moatd.Wait()
	attempts(t, "after moatd was killed", shell)

	// A new moatd adopts the pins, and a SIGTERM stops it cleanly,
	// leaving the rules in force.
	again, _, exitedAgain := startMoatd(t, cfg)
	waitStatus(t, sock, exitedAgain)
	attempts(t, "under the second moatd", shell)
	if err := again.Process.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exitedAgain:
	case <-time.After(30 * time.Second):
		t.Fatal("moatd did not stop within 30s of SIGTERM")
	}
	if err := again.Wait(); err != nil {
		t.Errorf("moatd after SIGTERM: %v, want exit status 0", err)
	}
	attempts(t, "after moatd stopped", shell)
}

func writeMoatdConfig(t *testing.T, path, dir, policy string) {
	t.Helper()
	doc := fmt.Sprintf(`stateDir: %[1]s/state
capacityProvider: {name: vm}
enforcement:
  root: {mode: enforce, protect: [/]}
  exec: {mode: enforce}
  caps: {mode: enforce}
  tamper: {mode: audit}
  selinux: {mode: enforcing, policy: %[2]s}
containerd: {address: %[1]s/no-containerd.sock}
api: {socket: %[1]s/run/moatd.sock, statusSocket: %[1]s/run/status.sock}
`, dir, policy)
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// auditLines collects moatd's audit events (JSON lines on its stdout).
type auditLines struct {
	mu    sync.Mutex
	lines []string
}

func (a *auditLines) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		a.mu.Lock()
		a.lines = append(a.lines, sc.Text())
		a.mu.Unlock()
	}
}

// want waits until an event holding each fragment has arrived.
func (a *auditLines) want(t *testing.T, fragments ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, f := range fragments {
		for !a.has(f) {
			if time.Now().After(deadline) {
				t.Errorf("no audit event with %s; got:\n%s", f, strings.Join(a.lines, "\n"))
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func (a *auditLines) has(fragment string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, l := range a.lines {
		if strings.Contains(l, fragment) {
			return true
		}
	}
	return false
}

func startMoatd(t *testing.T, cfg string) (*exec.Cmd, *auditLines, <-chan struct{}) {
	t.Helper()
	bin, err := filepath.Abs("../../bin/moatd")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Stderr = testWriter{t}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moatd (make build makes bin/moatd): %v", err)
	}
	events := &auditLines{}
	exited := make(chan struct{})
	go func() {
		events.read(out)
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, events, exited
}

func waitStatus(t *testing.T, sock string, exited <-chan struct{}) status.Status {
	t.Helper()
	c := status.NewClient(sock)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := c.Status(ctx)
		cancel()
		if err == nil {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("moatd's status socket never answered: %v", err)
		}
		select {
		case <-exited:
			t.Fatal("moatd exited during start-up (its log is above)")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// copyShell copies busybox to an unprotected filesystem.
func copyShell(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sh")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// attempts tries a write to the protected root and a copied shell.
func attempts(t *testing.T, when, shell string) {
	t.Helper()
	err := os.WriteFile("/written-by-the-test", []byte("x"), 0o644)
	if !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EACCES) {
		t.Errorf("%s: write to /: %v, want EPERM", when, err)
	}
	out, err := exec.Command(shell, "-c", "echo ran").CombinedOutput()
	if err == nil || strings.Contains(string(out), "ran") {
		t.Errorf("%s: copied shell ran (%v): %s", when, err, out)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("moatd: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

func requireVM(t *testing.T) {
	t.Helper()
	if os.Getenv("MOAT_VM") != "1" {
		t.Fatal("this test needs the VM: run make vmtest (go test -tags vmtest -exec bin/moat-vmexec ./vmtests/moatd/)")
	}
}
