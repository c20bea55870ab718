package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/moat-sh/moat/demo/result"
	"github.com/moat-sh/moat/vmtests/harness"
)

// TestWholeInstance is moatd's whole-system test: the demo's managed
// instance in a VM (read-only root on dm-verity, containerd behind the
// runtime wrapper, moatd under the unit-like supervisor), every step run
// for real, SELinux enforcing. It asserts every promise the demo shows:
// a task starts, shells and root writes are refused in the host context,
// a task asking for CAP_NET_ADMIN is refused until the provider opts in,
// two tasks cannot read each other's files, single-task placement holds,
// every rule holds with moatd killed, the server counts the instance
// compliant, and the instance drains in its window with the server
// seeing it.
func TestWholeInstance(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	vm, err := harness.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	out, err := Run(ctx, Options{Root: root, VM: vm, Out: testOut{t}})
	if err != nil {
		t.Fatal(err)
	}
	PrintSummary(testOut{t}, out)
	asserted := map[string]bool{}
	for _, p := range result.Promises {
		asserted[p.ID] = true
	}
	asserted["server"] = true
	for _, r := range out.Results {
		if asserted[r.ID] && !r.OK {
			t.Errorf("FAIL %s: %s: %s", r.ID, r.Promise, r.Evidence)
		}
		delete(asserted, r.ID)
	}
	for id := range asserted {
		t.Errorf("promise %s reported nothing", id)
	}
}

type testOut struct{ t *testing.T }

func (w testOut) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
