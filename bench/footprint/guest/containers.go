package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

const (
	image      = "docker.io/library/busybox:latest"
	supervisor = "/usr/sbin/moat-supervise"
)

// sh runs a program and returns its trimmed combined output.
func sh(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil {
		return text, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, text)
	}
	return text, nil
}

// moatdPID is moatd's pid from the supervisor.
func moatdPID() (int, error) {
	out, err := sh(30*time.Second, supervisor, "ctl", "status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[0] == "moatd" && f[1] == "active" {
			var pid int
			if _, err := fmt.Sscan(f[2], &pid); err == nil && pid > 0 {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("moatd is not active: %q", out)
}

// startContainers runs n long-lived busybox tasks, four at a time.
func startContainers(n int) error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	gate := make(chan struct{}, 4)
	for i := range n {
		wg.Add(1)
		gate <- struct{}{}
		go func() {
			defer func() { <-gate; wg.Done() }()
			id := fmt.Sprintf("fp-%02d", i)
			_, err := sh(120*time.Second, "ctr", "run", "-d", "--seccomp", image, id, "sleep", "1000000")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return waitRunning(n, 60*time.Second)
}

func waitRunning(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if running() == n {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("%d of %d containers running after %s", running(), n, timeout)
}

// running counts the footprint's tasks that ctr says are RUNNING.
func running() int {
	out, err := sh(30*time.Second, "ctr", "task", "ls")
	if err != nil {
		return 0
	}
	n := 0
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && strings.HasPrefix(f[0], "fp-") && f[2] == "RUNNING" {
			n++
		}
	}
	return n
}
