package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// webTask is the task that lives through the scenario until the drain;
// it says when it gets SIGTERM (a container's PID 1 ignores it unless it
// traps it).
const webTask = "web-1"

const webLog = demoDir + "/logs/" + webTask + ".log"

func (d *demo) task() (string, error) {
	d.say("ctr run -d --seccomp busybox %s (a shell that traps SIGTERM)", webTask)
	script := `trap 'echo "web-1 got SIGTERM"; exit 0' TERM; echo "web-1 up"; while :; do sleep 1; done`
	if _, err := ctr(runArgs(webTask, []string{"-d", "--log-uri", "file://" + webLog}, "sh", "-c", script)...); err != nil {
		return "", fmt.Errorf("ctr run %s: %w", webTask, err)
	}
	if err := waitTask(webTask, "RUNNING", 30*time.Second); err != nil {
		log, _ := os.ReadFile(webLog)
		return "", fmt.Errorf("%w; its output: %q", err, log)
	}
	d.say("ctr task exec %s sh -c ...", webTask)
	out, err := ctr("task", "exec", "--exec-id", "demo-sh", webTask, "sh", "-c", `echo "shell works in $(hostname), uid $(id -u), label $(cat /proc/self/attr/current 2>/dev/null)"`)
	if err != nil {
		return "", fmt.Errorf("exec a shell in %s: %w", webTask, err)
	}
	if !strings.Contains(out, "shell works") {
		return "", fmt.Errorf("exec a shell in %s: unexpected output %q", webTask, out)
	}
	return fmt.Sprintf("%s RUNNING; its shell says %q", webTask, out), nil
}

func (d *demo) exec() (string, error) {
	m := markOf(auditPath)
	d.say("host: /bin/sh -c 'echo host shell'")
	hostEv, hostErr := refused("/bin/sh", "-c", "echo host shell")
	copyPath := demoDir + "/not-a-shell"
	d.say("host: copy busybox to %s, then %s sh -c ...", copyPath, copyPath)
	copyEv, copyErr := "", copyFile("/bin/sh", copyPath)
	if copyErr == nil {
		copyEv, copyErr = refused(copyPath, "sh", "-c", "echo copied shell")
	}
	ev, _ := m.audit(2, rule("exec"))
	if err := errors.Join(hostErr, copyErr); err != nil {
		return "", fmt.Errorf("%w; %s", err, ev)
	}
	return fmt.Sprintf("host shell: %s; copied shell: %s; %s", hostEv, copyEv, ev), nil
}

// refused runs a program in the host context and wants it refused; it
// returns the error the caller saw.
func refused(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err == nil {
		return "", fmt.Errorf("%s ran in the host context: %q", name, strings.TrimSpace(string(out)))
	}
	return err.Error(), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func (d *demo) root() (string, error) {
	m := markOf(auditPath)
	var ev []string
	var errs []error
	try := func(what string, f func() error, undo func()) {
		d.say("host: %s", what)
		if err := f(); err != nil {
			ev = append(ev, what+": "+err.Error())
			return
		}
		undo()
		errs = append(errs, fmt.Errorf("%s succeeded", what))
	}
	nop := func() {}
	try("write /moat-demo", func() error { return os.WriteFile("/moat-demo", []byte("x"), 0o644) }, func() { os.Remove("/moat-demo") })
	try("mount -o remount,rw /", func() error { return unix.Mount("", "/", "", unix.MS_REMOUNT, "") }, func() { unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY, "") })
	try("mount -t tmpfs tmpfs /usr", func() error { return unix.Mount("tmpfs", "/usr", "tmpfs", 0, "size=1m") }, func() { unix.Unmount("/usr", unix.MNT_DETACH) })
	try("open /dev/vda for writing (the root's block device)", func() error {
		f, err := os.OpenFile("/dev/vda", os.O_WRONLY, 0)
		if err == nil {
			f.Close()
		}
		return err
	}, nop)
	a, _ := m.audit(3, rule("root"))
	ev = append(ev, a)
	if err := errors.Join(errs...); err != nil {
		return "", fmt.Errorf("%w; %s", err, strings.Join(ev, "; "))
	}
	return strings.Join(ev, "; "), nil
}
