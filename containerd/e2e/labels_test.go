package e2e

import (
	"testing"

	"github.com/moat-sh/moat/policy"
)

// taskLabels gives every task a category pair, as the MCS allocator would.
func taskLabels(string) (policy.SELinuxLabels, error) {
	return policy.SELinuxLabels{
		Process: "system_u:system_r:moat_task_t:s0:c1,c9",
		Mount:   "system_u:object_r:moat_file_t:s0:c1,c9",
	}, nil
}

// TestLabelsReachRunc: the wrapper writes the labels moatd chose into the
// bundle's config.json before runc runs. SELinux is off on this host, so
// runc refuses a labelled spec, and that refusal (which names the label
// in the config) reaches the client: the labels were in the spec runc
// read, and nothing runs unlabelled. (Labelled containers running under
// SELinux are the VM suite's.)
func TestLabelsReachRunc(t *testing.T) {
	startMoatdLabels(t, policy.Settings{Name: "e2e"}, taskLabels)
	name := id("labels")
	t.Cleanup(func() { ctrRemove(name) })
	out, err := ctrRun(name)
	mustContain(t, "ctr run with labels on a host without SELinux", err, out, "selinux label is specified in config")
	if running(t, name) {
		t.Error("the task runs")
	}
}
