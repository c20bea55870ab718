//go:build vmtest

package bpf

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// fixture is the world one pass of the rule table acts on: a protected
// ext4 filesystem on a loop device (one folder per row), copies of
// programs to run, a guarded state folder and a victim daemon.
type fixture struct {
	e      *Enforcer
	P      string // mount point of the protected ext4 filesystem
	loop   string // its block device
	victim *exec.Cmd
}

const (
	fakeRuntime = "/usr/local/bin/fake-runc" // a copy of the test binary
	denyDir     = "/usr/local/deny"
	stateDir    = "/run/moat-state"
)

func newFixture(t *testing.T, pass string, rows []row) *fixture {
	t.Helper()
	f := &fixture{P: "/mnt/prot-" + pass}
	img := "/tmp/prot-" + pass + ".img"
	must(t, os.WriteFile(img, nil, 0o600))
	must(t, os.Truncate(img, 32<<20))
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v: %s", err, out)
	}
	var err error
	f.loop, err = attachLoop(img)
	if err != nil {
		t.Fatalf("attach loop device: %v", err)
	}
	must(t, os.MkdirAll(f.P, 0o755))
	must(t, unix.Mount(f.loop, f.P, "ext4", 0, ""))
	t.Cleanup(func() { unix.Unmount(f.P, unix.MNT_DETACH) })
	for _, r := range rows {
		d := filepath.Join(f.P, r.name)
		must(t, os.MkdirAll(filepath.Join(d, "d"), 0o755))
		must(t, os.WriteFile(filepath.Join(d, "f"), []byte("x"), 0o644))
		must(t, unix.Setxattr(filepath.Join(d, "f"), "user.y", []byte("1"), 0))
	}
	must(t, os.MkdirAll(filepath.Join(f.P, "allowed"), 0o755))
	if err := programs(); err != nil {
		t.Fatalf("lay out programs: %v", err)
	}
	must(t, os.MkdirAll(stateDir, 0o700))
	must(t, os.MkdirAll(hostSvcCtx.cgroup, 0o755))
	must(t, os.WriteFile(filepath.Join(stateDir, "key"), []byte("k"), 0o600))
	return f
}

func (f *fixture) config(mode Mode) (Config, error) {
	deny, err := FindPrograms([]string{denyDir}, DefaultDenyNames)
	return Config{
		Root: mode, Exec: mode, Caps: mode, Tamper: mode,
		Protected:    []string{"/", f.P},
		MountAllow:   []string{filepath.Join(f.P, "allowed")},
		ExecDeny:     append(deny, "/bin/busybox"),
		Guarded:      []string{stateDir},
		RuntimeExecs: []string{fakeRuntime},
		HostCgroups:  []string{hostSubtree},
	}, err
}

// programs lays out what the exec rows run: a copied shell in /tmp, a
// symlink and a hard link to busybox, a script run by busybox's sh, and
// one copy of true per denylisted name.
func programs() error {
	steps := []func() error{
		func() error { return copyFile("/bin/busybox", "/tmp/sh", 0o755) },
		func() error { return copyFile("/usr/bin/true", "/tmp/true", 0o755) },
		func() error { return os.Symlink("/bin/busybox", "/tmp/shlink") },
		func() error { return os.MkdirAll("/usr/local/bin", 0o755) },
		func() error { return os.Link("/bin/busybox", "/usr/local/bin/hardsh") },
		func() error { return os.WriteFile("/usr/local/bin/script", []byte("#!/bin/sh\ntrue\n"), 0o755) },
		func() error { return os.MkdirAll(denyDir, 0o755) },
		func() error { return copyFile("/proc/self/exe", fakeRuntime, 0o755) },
	}
	for _, n := range DefaultDenyNames {
		steps = append(steps, func() error { return copyFile("/usr/bin/true", filepath.Join(denyDir, n), 0o755) })
	}
	for _, s := range steps {
		if err := s(); err != nil && !os.IsExist(err) {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// attachLoop puts img on a free loop device.
func attachLoop(img string) (string, error) {
	ctl, err := unix.Open("/dev/loop-control", unix.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(ctl)
	n, err := unix.IoctlRetInt(ctl, unix.LOOP_CTL_GET_FREE)
	if err != nil {
		return "", err
	}
	dev := fmt.Sprintf("/dev/loop%d", n)
	lfd, err := unix.Open(dev, unix.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(lfd)
	ifd, err := unix.Open(img, unix.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(ifd)
	return dev, unix.IoctlSetInt(lfd, unix.LOOP_SET_FD, ifd)
}

// startVictim starts a helper that sleeps and makes it the daemon.
func (f *fixture) startVictim(t *testing.T) {
	t.Helper()
	cmd := exec.Command("/proc/self/exe", "sleep")
	cmd.Env = append(os.Environ(), "MOAT_HELPER=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	must(t, cmd.Start())
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("victim: %q %v", line, err)
	}
	fmt.Fprintln(stdin, "go")
	f.victim = cmd
	must(t, f.e.maps.MoatDaemon.Put(uint32(0), moatDaemon{Tgid: uint32(cmd.Process.Pid)}))
}

// reclaim makes the test the daemon again and ends the victim.
func (f *fixture) reclaim(t *testing.T) {
	t.Helper()
	must(t, f.e.claim())
	if f.victim != nil {
		f.victim.Process.Kill()
		f.victim.Wait()
	}
}

func (f *fixture) victimPID() int { return f.victim.Process.Pid }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		t.Fatalf("%s:%d: %v", filepath.Base(file), line, err)
	}
}
