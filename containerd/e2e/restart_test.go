package e2e

import (
	"testing"
	"time"

	"github.com/moat-sh/moat/policy"
)

// TestContainerdRestart: containerd restarts under a running task; the
// NRI plugin reconnects (CRI containers are admitted again), and the
// watcher resubscribes (the task's exit still frees placement).
func TestContainerdRestart(t *testing.T) {
	m := startMoatd(t, policy.Settings{Name: "e2e", TaskPlacement: policy.PlacementSingle})
	startNRI(t)
	name := id("survivor")
	t.Cleanup(func() { ctrRemove(name) })
	if out, err := ctrRun(name, "--annotation", TaskKey+"=S"); err != nil {
		t.Fatalf("task: %v\n%s", err, out)
	}
	e.stopContainerd()
	if err := e.start(); err != nil {
		t.Fatal(err)
	}
	if !running(t, name) {
		t.Fatal("the task did not survive containerd's restart")
	}
	ctrKill(t, name)
	m.waitLive(t, "S", 0)

	podCfg, pod := podConfig(t, "after-restart", podNetwork), ""
	deadline := time.Now().Add(20 * time.Second)
	for {
		var err error
		if pod, err = crictlID("runp", podCfg); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pod after containerd's restart: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Cleanup(func() { e.crictl("stopp", pod); e.crictl("rmp", "--force", pod) })
	for {
		_, err := startContainer(pod, podCfg, containerConfig(t, "app", nil, nil))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no CRI container after containerd's restart (NRI plugin did not reconnect?): %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
