package backend

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/policy"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// plainSpec is a container with its own namespaces, default
// capabilities and a seccomp profile, plus extra capabilities.
func plainSpec(annotations map[string]string, extra ...string) *specs.Spec {
	caps := append([]string{"CAP_CHOWN", "CAP_KILL"}, extra...)
	return &specs.Spec{Version: specs.Version, Annotations: annotations,
		Process: &specs.Process{Args: []string{"sh"}, Cwd: "/",
			Capabilities: &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.MountNamespace}, {Type: specs.NetworkNamespace}},
			Seccomp: &specs.LinuxSeccomp{DefaultAction: specs.ActErrno},
		}}
}

type fakeGate struct {
	registered, unregistered int
	last                     localapi.Container
}

func (g *fakeGate) Register(_ context.Context, c localapi.Container) error {
	g.registered++
	g.last = c
	return nil
}
func (g *fakeGate) Unregister(context.Context, string, string) error { g.unregistered++; return nil }

func serve(t *testing.T, s policy.Settings) (*localapi.Client, *Backend, *fakeGate) {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	g := &fakeGate{}
	b := &Backend{Settings: &s, State: placement.New(), TaskKey: "example.com/task", Gate: g,
		Labels: func(task string) (policy.SELinuxLabels, error) {
			return policy.SELinuxLabels{Process: "p:" + task, Mount: "m:" + task}, nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	sock := filepath.Join(t.TempDir(), "moatd.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: localapi.Handler(b, Runtime{Admission: b})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return localapi.NewClient(sock), b, g
}

func admit(t *testing.T, c *localapi.Client, id string, spec *specs.Spec) localapi.AdmitResponse {
	t.Helper()
	resp, err := c.Admit(context.Background(), localapi.AdmitRequest{ContainerID: id, Namespace: "default", Source: "runtime", Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestAdmitCapabilities(t *testing.T) {
	tests := []struct {
		name     string
		settings policy.Settings
		extra    []string
		allowed  bool
		reason   string
		mask     uint64
	}{
		{"plain", policy.Settings{Name: "p"}, nil, true, "", 0},
		{"net admin without opt-in", policy.Settings{Name: "p"}, []string{"CAP_NET_ADMIN"}, false, "CAP_NET_ADMIN", 0},
		{"net admin with opt-in", policy.Settings{Name: "p", PrivilegedCapabilities: policy.CapSetOf(policy.CapNetAdmin)},
			[]string{"CAP_NET_ADMIN"}, true, "", 1 << 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := serve(t, tt.settings)
			resp := admit(t, c, "c1", plainSpec(nil, tt.extra...))
			if resp.Allowed != tt.allowed || !strings.Contains(resp.Reason, tt.reason) || resp.CapMask != tt.mask {
				t.Errorf("%+v; want allowed %v, reason with %q, mask %#x", resp, tt.allowed, tt.reason, tt.mask)
			}
			if tt.allowed && (resp.TaskID != "c1" || resp.ProcessLabel != "p:c1" || resp.MountLabel != "m:c1") {
				t.Errorf("task and labels %+v", resp)
			}
		})
	}
}

func TestSingleTaskPlacement(t *testing.T) {
	c, b, g := serve(t, policy.Settings{Name: "p", TaskPlacement: policy.PlacementSingle})
	ctx := context.Background()
	taskA := map[string]string{"example.com/task": "A"}
	if r := admit(t, c, "a1", plainSpec(taskA)); !r.Allowed || r.TaskID != "A" {
		t.Fatalf("first task: %+v", r)
	}
	if err := c.Register(ctx, localapi.Container{ID: "a1", Namespace: "default", TaskID: "A", CgroupID: 7}); err != nil {
		t.Fatal(err)
	}
	if r := admit(t, c, "a2", plainSpec(taskA)); !r.Allowed {
		t.Errorf("second container of the same task: %+v", r)
	}
	b.Unregister(ctx, "default", "a2") // created and gone
	if r := admit(t, c, "b1", plainSpec(map[string]string{"example.com/task": "B"})); r.Allowed || !strings.Contains(r.Reason, `task "A"`) {
		t.Errorf("second task: %+v, want refused naming task A", r)
	}
	if err := c.Unregister(ctx, "default", "a1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Unregister(ctx, "default", "a1"); err != nil {
		t.Errorf("second unregister: %v, want idempotent", err)
	}
	if r := admit(t, c, "b1", plainSpec(map[string]string{"example.com/task": "B"})); !r.Allowed {
		t.Errorf("second task after the first exited: %+v", r)
	}
	if g.registered != 1 || g.unregistered != 3 {
		t.Errorf("gate saw %d registrations, %d unregistrations", g.registered, g.unregistered)
	}
}

func TestRegisterNeedsAdmission(t *testing.T) {
	c, _, g := serve(t, policy.Settings{Name: "p"})
	err := c.Register(context.Background(), localapi.Container{ID: "x", Namespace: "default", CgroupID: 9})
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), ErrNotAdmitted.Error()) {
		t.Errorf("register without admission: %v", err)
	}
	if g.registered != 0 {
		t.Error("gate registered a container that was not admitted")
	}
}

func TestLabelFailureIsAnError(t *testing.T) {
	c, b, _ := serve(t, policy.Settings{Name: "p"})
	b.Labels = func(string) (policy.SELinuxLabels, error) {
		return policy.SELinuxLabels{}, errors.New("categories exhausted")
	}
	_, err := c.Admit(context.Background(), localapi.AdmitRequest{ContainerID: "c", Spec: plainSpec(nil)})
	if err == nil || !strings.Contains(err.Error(), "categories exhausted") {
		t.Errorf("err %v", err)
	}
}

func TestTaskFromContainerLabels(t *testing.T) {
	c, b, _ := serve(t, policy.Settings{Name: "p", TaskPlacement: policy.PlacementSingle})
	b.ContainerLabels = func(_ context.Context, ns, id string) (map[string]string, error) {
		if id == "broken" {
			return nil, errors.New("containerd unreachable")
		}
		return map[string]string{"example.com/task": "T-" + id[:1]}, nil
	}
	if r := admit(t, c, "a1", plainSpec(nil)); !r.Allowed || r.TaskID != "T-a" {
		t.Errorf("task from the label: %+v", r)
	}
	if r := admit(t, c, "a2", plainSpec(nil)); !r.Allowed || r.TaskID != "T-a" {
		t.Errorf("same task by label: %+v", r)
	}
	if r := admit(t, c, "b1", plainSpec(nil)); r.Allowed {
		t.Errorf("another task by label admitted beside T-a: %+v", r)
	}
	_, err := c.Admit(context.Background(), localapi.AdmitRequest{ContainerID: "broken", Namespace: "default", Spec: plainSpec(nil)})
	if err == nil || !strings.Contains(err.Error(), "containerd unreachable") {
		t.Errorf("label lookup failure: %v, want admission to fail", err)
	}
	// A spec that names its task needs no labels: containerd, though
	// unreachable for this container, is not asked.
	for _, a := range []map[string]string{
		{"example.com/task": "T-a"},
		{policy.AnnotationCRISandboxID: "pod-1", policy.AnnotationCRIContainerType: "container"},
	} {
		_, err := c.Admit(context.Background(), localapi.AdmitRequest{ContainerID: "broken", Namespace: "default", Spec: plainSpec(a)})
		if err != nil {
			t.Errorf("annotations %v: %v, want no label lookup", a, err)
		}
	}
}

// TestSingleTaskUnderConcurrentCreates: of many tasks asking at once on
// an empty single-task instance, exactly one is admitted.
func TestSingleTaskUnderConcurrentCreates(t *testing.T) {
	c, _, _ := serve(t, policy.Settings{Name: "p", TaskPlacement: policy.PlacementSingle})
	const n = 20
	allowed := make(chan bool, n)
	for i := range n {
		go func() {
			resp, err := c.Admit(context.Background(), localapi.AdmitRequest{
				ContainerID: "c" + strconv.Itoa(i), Namespace: "default", Spec: plainSpec(nil)})
			allowed <- err == nil && resp.Allowed
		}()
	}
	count := 0
	for range n {
		if <-allowed {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d tasks admitted at once under single-task placement, want 1", count)
	}
}

// TestRegisterUsesAdmittedMask: a registration cannot claim more than
// admission granted.
func TestRegisterUsesAdmittedMask(t *testing.T) {
	c, _, g := serve(t, policy.Settings{Name: "p", PrivilegedCapabilities: policy.CapSetOf(policy.CapNetAdmin)})
	r := admit(t, c, "n1", plainSpec(nil, "CAP_NET_ADMIN"))
	if !r.Allowed || r.CapMask != 1<<12 {
		t.Fatalf("%+v", r)
	}
	err := c.Register(context.Background(), localapi.Container{ID: "n1", Namespace: "default", TaskID: "other",
		CgroupID: 5, CapMask: 1<<12 | 1<<21})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.last; got.CapMask != 1<<12 || got.TaskID != "n1" {
		t.Errorf("gate got %+v, want admission's mask and task", got)
	}
}
