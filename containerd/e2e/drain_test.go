package e2e

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	containerd "github.com/containerd/containerd/v2/client"

	"github.com/moat-sh/moat/daemon"
	"github.com/moat-sh/moat/policy"
)

// drainNamespace keeps the drain test's containers apart from the rest.
const drainNamespace = "drain"

// TestDrainHonoursEachStopTimeout drains two tasks with real containerd:
// one leaves at SIGTERM, one ignores it and is killed once its own stop
// timeout (the sh.moat.stop-timeout label) has passed.
func TestDrainHonoursEachStopTimeout(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e"})
	polite, stubborn := id("polite"), id("stubborn")
	start := func(name, timeout, script string) {
		args := []string{"run", "--detach", "--seccomp", "--label", "sh.moat.stop-timeout=" + timeout, busyboxImage, name, "/bin/sh", "-c", script}
		if out, err := e.ctr(drainNamespace, args...); err != nil {
			t.Fatalf("start %s: %v\n%s", name, err, out)
		}
		t.Cleanup(func() {
			e.ctr(drainNamespace, "tasks", "delete", "--force", name)
			e.ctr(drainNamespace, "containers", "delete", name)
		})
	}
	start(polite, "20s", "trap 'exit 0' TERM; while :; do sleep 0.1; done")
	start(stubborn, "2s", "trap '' TERM; while :; do sleep 0.1; done")
	time.Sleep(500 * time.Millisecond) // let the shells install their traps

	c, err := containerd.New(e.address)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stopped, err := daemon.Drain(ctx, c, 30*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)), drainNamespace)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]daemon.Stopped{}
	for _, s := range stopped {
		got[s.ID] = s
		t.Logf("%s: %s after %s (timeout %s)", s.ID, s.Signal, s.After.Round(time.Millisecond), s.Timeout)
	}
	if s := got[polite]; s.Signal != "SIGTERM" || s.Timeout != 20*time.Second || s.Err != nil || s.After >= s.Timeout {
		t.Errorf("polite task: %+v, want it gone at SIGTERM, before its 20s timeout", s)
	}
	if s := got[stubborn]; s.Signal != "SIGKILL" || s.Timeout != 2*time.Second || s.Err != nil || s.After < s.Timeout {
		t.Errorf("stubborn task: %+v, want SIGKILL once its 2s timeout passed", s)
	}
	for _, name := range []string{polite, stubborn} {
		out, _ := e.ctr(drainNamespace, "tasks", "list")
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, name+" ") && strings.Contains(line, "RUNNING") {
				t.Errorf("%s still runs after the drain", name)
			}
		}
	}
}
