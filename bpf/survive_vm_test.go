//go:build vmtest

package bpf

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func survivalConfig(protected string) Config {
	return Config{Root: ModeEnforce, Tamper: ModeEnforce, Protected: []string{protected}}
}

// TestEnforcementOutlivesDaemon: a helper loads and pins moat, refuses
// kill -9 from others, dies by its own SIGKILL; the rules still hold; a
// new daemon (same executable) adopts the pins without a gap, and only
// Remove lifts the rules.
func TestEnforcementOutlivesDaemon(t *testing.T) {
	requireVM(t)
	dir := "/mnt/survive"
	must(t, os.MkdirAll(dir, 0o755))
	must(t, unix.Mount("none", dir, "tmpfs", 0, ""))
	defer unix.Unmount(dir, unix.MNT_DETACH)
	file := filepath.Join(dir, "f")
	must(t, os.WriteFile(file, []byte("x"), 0o644))

	daemon, stdin, out := startDaemon(t, dir)
	if err := unix.Kill(daemon.Process.Pid, unix.SIGKILL); !errors.Is(err, unix.EPERM) {
		t.Errorf("kill -9 of the daemon: %v, want EPERM", err)
	}
	wantWrite(t, file, unix.EPERM, "while the daemon runs")
	fmt.Fprintln(stdin, "die")
	out.ReadString('\n')
	daemon.Wait()
	wantWrite(t, file, unix.EPERM, "after the daemon was killed")

	e := adopt(t, survivalConfig(dir))
	wantWrite(t, file, unix.EPERM, "after a new daemon adopted the pins")
	entries, err := os.ReadDir(filepath.Join(DefaultPinDir, "links"))
	must(t, err)
	for _, ent := range entries {
		if !survivalConfig(dir).withDefaults().wanted(ent.Name()) {
			t.Errorf("after adoption, links/%s is pinned: want only the wanted programs", ent.Name())
		}
	}
	checkHandOver(t, e)
	must(t, e.Remove())
	wantWrite(t, file, nil, "after Remove")
}

func startDaemon(t *testing.T, dir string) (*exec.Cmd, *os.File, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command("/proc/self/exe", "daemon", dir)
	cmd.Env = append(os.Environ(), "MOAT_HELPER=1")
	r, w, err := os.Pipe()
	must(t, err)
	cmd.Stdin = r
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	r.Close()
	out := bufio.NewReader(stdout)
	if line, _ := out.ReadString('\n'); line != "ready\n" {
		t.Fatalf("daemon helper: %q", line)
	}
	fmt.Fprintln(w, "go")
	if line, _ := out.ReadString('\n'); line != "OK\n" {
		t.Fatalf("daemon helper load: %q", line)
	}
	return cmd, w, out
}

// adopt loads as the new daemon; the old one's slot frees once the
// kernel has freed its task, which can lag its exit a little.
func adopt(t *testing.T, cfg Config) *Enforcer {
	t.Helper()
	var err error
	for i := 0; i < 50; i++ {
		var e *Enforcer
		if e, err = Load(cfg); err == nil {
			return e
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("adopt pins: %v", err)
	return nil
}

func wantWrite(t *testing.T, path string, want error, when string) {
	t.Helper()
	err := openFlags(path, unix.O_WRONLY)
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("write %s %s: %v, want %v", path, when, err, want)
	}
}

func checkHandOver(t *testing.T, e *Enforcer) {
	t.Helper()
	must(t, e.HandOver("/bin/busybox"))
	var d moatDaemon
	must(t, e.maps.MoatDaemon.Lookup(uint32(0), &d))
	k, err := inodeOf("/bin/busybox")
	must(t, err)
	if d.Tgid != uint32(os.Getpid()) || d.ExeIno != k.Ino || d.ExeDev != k.Dev {
		t.Errorf("after HandOver: daemon slot %+v, want this tgid and busybox's inode %+v", d, k)
	}
}
