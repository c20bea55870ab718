package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Paths and names in the instance.
const (
	image      = "docker.io/library/busybox:latest"
	demoDir    = "/var/lib/moat-demo"
	configPath = demoDir + "/config.yaml"
	auditPath  = "/var/log/moat/audit.log"
	moatdLog   = "/var/log/units/moatd.log"
)

// sh runs a program and returns its trimmed combined output; the error
// carries the output too, since that is what a client would show.
func sh(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil {
		if text == "" {
			return "", err
		}
		return text, fmt.Errorf("%w: %s", err, text)
	}
	return text, nil
}

// ctr runs containerd's ctr in the default namespace.
func ctr(args ...string) (string, error) { return sh(90*time.Second, "ctr", args...) }

// runArgs are `ctr run` arguments for a busybox container with the
// default seccomp profile (admission wants one).
func runArgs(id string, opts []string, argv ...string) []string {
	a := append([]string{"run", "--seccomp"}, opts...)
	return append(append(a, image, id), argv...)
}

// taskStatus is the STATUS column of `ctr task ls` for a task, or "".
func taskStatus(id string) string {
	out, err := ctr("task", "ls")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[0] == id {
			return f[2]
		}
	}
	return ""
}

// waitTask waits until the task has the status.
func waitTask(id, status string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if taskStatus(id) == status {
			return nil
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("task %s not %s after %s (now %q)", id, status, timeout, taskStatus(id))
}

// remove kills and deletes a container and its task, quietly.
func remove(id string) {
	ctr("task", "kill", "-s", "SIGKILL", id)
	ctr("task", "delete", "-f", id)
	ctr("container", "delete", id)
}

// ctl is moat-supervise's control command.
func ctl(args ...string) (string, error) {
	return sh(30*time.Second, "/usr/sbin/moat-supervise", append([]string{"ctl"}, args...)...)
}

// unitState is a unit's state and pid from `ctl status`.
func unitState(name string) (state, pid string) {
	out, _ := ctl("status")
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[0] == name {
			return f[1], f[2]
		}
	}
	return "", ""
}

// waitMoatd waits until moatd's unit is active (READY=1) and moatd
// answers on its status socket.
func waitMoatd(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		state, _ := unitState("moatd")
		if state != "active" {
			err = fmt.Errorf("unit moatd is %s", state)
		} else if _, err = sh(5*time.Second, "moat", "status"); err == nil {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("moatd not answering after %s: %v", timeout, err)
}
