package daemon

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/policy/selinux"
)

// testDaemon is a Daemon with what admission needs and no kernel parts.
func testDaemon(t *testing.T, doc string) *Daemon {
	t.Helper()
	d := &Daemon{log: slog.New(slog.NewTextHandler(io.Discard, nil)), state: placement.New()}
	d.cfg.Store(mustParse(t, doc))
	d.m = newMetrics(func() float64 { return 0 }, func() lifetimeFigures { return lifetimeFigures{} })
	d.gate = newGate(d)
	d.admit = &admission{d: d}
	d.admit.current.Store(d.newBackend(d.cfg.Load()))
	return d
}

func seccompSpec(t *testing.T) *specs.Spec {
	t.Helper()
	b, err := os.ReadFile("testdata/spec-seccomp.json")
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func TestAdmissionWaitsForTheFirstReconcile(t *testing.T) {
	d := testDaemon(t, "capacityProvider: {name: web}\nenforcement: {selinux: {mode: 'off'}}\n")
	ctx := context.Background()
	req := localapi.AdmitRequest{ContainerID: "c1", Namespace: "default", Source: "runtime", Spec: seccompSpec(t)}
	resp, err := d.admit.Admit(ctx, req)
	if err != nil || resp.Allowed || !strings.Contains(resp.Reason, "reconciled") {
		t.Fatalf("before reconcile: %+v %v, want a refusal that says so", resp, err)
	}
	d.reconciled.Store(true)
	resp, err = d.admit.Admit(ctx, req)
	if err != nil || !resp.Allowed {
		t.Fatalf("after reconcile: %+v %v, want allowed", resp, err)
	}
	if err := d.admit.Register(ctx, localapi.Container{ID: "c1", Namespace: "default", TaskID: resp.TaskID, CgroupID: 7}); err != nil {
		t.Fatal(err)
	}
	if got := d.tasks(); len(got) != 1 || got[0].ID != "c1" {
		t.Errorf("tasks %+v", got)
	}
	if err := d.admit.Unregister(ctx, "default", "c1"); err != nil || len(d.tasks()) != 0 {
		t.Errorf("after unregister: %v, tasks %+v", err, d.tasks())
	}
}

func TestAdmissionRefusesWhileDraining(t *testing.T) {
	d := testDaemon(t, "capacityProvider: {name: web}\nenforcement: {selinux: {mode: 'off'}}\n")
	d.reconciled.Store(true)
	d.drain.begin("schedule", time.Now())
	resp, err := d.admit.Admit(context.Background(), localapi.AdmitRequest{ContainerID: "c2", Spec: seccompSpec(t)})
	if err != nil || resp.Allowed || !strings.Contains(resp.Reason, "draining (schedule)") {
		t.Errorf("%+v %v, want a refusal naming the drain", resp, err)
	}
}

func TestAdmissionNamesTheSettingToChange(t *testing.T) {
	d := testDaemon(t, "capacityProvider: {name: web}\nenforcement: {selinux: {mode: 'off'}}\n")
	d.reconciled.Store(true)
	spec := seccompSpec(t)
	spec.Process.Capabilities.Bounding = append(spec.Process.Capabilities.Bounding, "CAP_NET_ADMIN")
	resp, _ := d.admit.Admit(context.Background(), localapi.AdmitRequest{ContainerID: "c3", Spec: spec})
	if resp.Allowed || !strings.Contains(resp.Reason, "capacityProvider.privilegedCapabilities") {
		t.Errorf("%+v, want a refusal naming capacityProvider.privilegedCapabilities", resp)
	}
	next := mustParse(t, "capacityProvider: {name: web, privilegedCapabilities: [CAP_NET_ADMIN]}\nenforcement: {selinux: {mode: 'off'}}\n")
	d.admit.current.Store(d.newBackend(next))
	if resp, _ := d.admit.Admit(context.Background(), localapi.AdmitRequest{ContainerID: "c3", Spec: spec}); !resp.Allowed || resp.CapMask != 1<<12 {
		t.Errorf("after the opt-in: %+v, want allowed with CAP_NET_ADMIN in the mask", resp)
	}
}

func TestAdmissionGivesEachTaskItsOwnMCSPair(t *testing.T) {
	d := testDaemon(t, "capacityProvider: {name: web}\n")
	mcs, err := selinux.NewAllocator(selinux.Categories)
	if err != nil {
		t.Fatal(err)
	}
	d.mcs = mcs
	d.admit.current.Store(d.newBackend(d.cfg.Load()))
	d.reconciled.Store(true)
	ctx := context.Background()
	labels := map[string]string{}
	for _, id := range []string{"a", "b", "a-again"} {
		spec := seccompSpec(t)
		task := strings.TrimSuffix(id, "-again")
		spec.Annotations = map[string]string{"io.kubernetes.cri.sandbox-id": task}
		resp, err := d.admit.Admit(ctx, localapi.AdmitRequest{ContainerID: id, Spec: spec})
		if err != nil || !resp.Allowed {
			t.Fatalf("%s: %+v %v", id, resp, err)
		}
		if !strings.Contains(resp.ProcessLabel, ":moat_task_t:s0:c") || !strings.Contains(resp.MountLabel, ":moat_task_file_t:s0:c") {
			t.Errorf("%s: labels %q %q", id, resp.ProcessLabel, resp.MountLabel)
		}
		if prev, ok := labels[task]; ok && prev != resp.ProcessLabel {
			t.Errorf("task %s got %q, then %q: one task, one pair", task, prev, resp.ProcessLabel)
		}
		labels[task] = resp.ProcessLabel
	}
	if labels["a"] == labels["b"] {
		t.Errorf("tasks a and b share %q", labels["a"])
	}
}
