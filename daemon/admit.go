package daemon

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/moat-sh/moat/containerd/backend"
	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/daemon/status"
	"github.com/moat-sh/moat/policy"
	"github.com/moat-sh/moat/policy/selinux"
)

// admission is what moatd serves on its local API: the containerd
// backend (policy.Admit over the placement state), refusing everything
// while the instance drains or before the first reconcile with
// containerd, and releasing a task's MCS pair with its last container.
type admission struct {
	d       *Daemon
	current atomic.Pointer[backend.Backend]
}

var _ localapi.Backend = (*admission)(nil)

func (a *admission) Admit(ctx context.Context, req localapi.AdmitRequest) (localapi.AdmitResponse, error) {
	if draining, reason := a.d.drain.get(); draining {
		return a.refuse(req, fmt.Sprintf("instance is draining (%s): it takes no new containers", reason)), nil
	}
	if !a.d.reconciled.Load() {
		return a.refuse(req, "moatd has not yet reconciled with containerd: retry in a few seconds"), nil
	}
	resp, err := a.current.Load().Admit(ctx, req)
	if err != nil {
		a.d.m.admissions.WithLabelValues("error", req.Source).Inc()
		return resp, err
	}
	if !resp.Allowed {
		a.d.m.admissions.WithLabelValues("denied", req.Source).Inc()
		a.releaseIfEmpty(resp.TaskID)
		return resp, nil
	}
	a.d.m.admissions.WithLabelValues("allowed", req.Source).Inc()
	return resp, nil
}

func (a *admission) refuse(req localapi.AdmitRequest, reason string) localapi.AdmitResponse {
	a.d.m.admissions.WithLabelValues("denied", req.Source).Inc()
	return localapi.AdmitResponse{Reason: reason}
}

func (a *admission) Register(ctx context.Context, c localapi.Container) error {
	err := a.current.Load().Register(ctx, c)
	a.d.m.liveTasks.Set(float64(len(a.d.state.Live())))
	return err
}

func (a *admission) Unregister(ctx context.Context, namespace, id string) error {
	task := a.d.state.Containers()[placement.Key{Namespace: namespace, ID: id}]
	err := a.current.Load().Unregister(ctx, namespace, id)
	a.releaseIfEmpty(task)
	a.d.m.liveTasks.Set(float64(len(a.d.state.Live())))
	return err
}

func (a *admission) taskOf(id string, annotations, labels map[string]string) string {
	return a.current.Load().TaskOf(id, annotations, labels)
}

// releaseIfEmpty frees a task's MCS pair once it has no live container.
func (a *admission) releaseIfEmpty(task string) {
	if task == "" || a.d.mcs == nil || a.d.state.Live()[task] > 0 {
		return
	}
	a.d.mcs.Release(task)
}

// newBackend builds the containerd backend for a configuration.
func (d *Daemon) newBackend(cfg *Config) *backend.Backend {
	settings := cfg.CapacityProvider
	b := &backend.Backend{Settings: &settings, State: d.state, TaskKey: cfg.Containerd.TaskKey, Gate: d.gate, Log: d.log}
	if d.mcs != nil {
		privileged := settings.AllowAll || settings.PrivilegedCapabilities != 0
		b.Labels = func(task string) (policy.SELinuxLabels, error) {
			if _, err := d.mcs.Reserve(task); err != nil {
				return policy.SELinuxLabels{}, err
			}
			l, err := d.mcs.Labels(task, privileged)
			return policy.SELinuxLabels{Process: l.Process, Mount: l.Mount}, err
		}
	}
	if d.watcher != nil {
		b.ContainerLabels = d.watcher.Labels
	}
	return b
}

func (d *Daemon) serveLocalAPI(context.Context) error {
	cfg := d.cfg.Load()
	d.state = placement.New()
	if cfg.Enforcement.SELinux.Mode != "off" {
		mcs, err := selinux.NewAllocator(selinux.Categories)
		if err != nil {
			return err
		}
		d.mcs = mcs
	}
	d.gate = newGate(d)
	d.admit = &admission{d: d}
	d.admit.current.Store(d.newBackend(cfg))
	l, err := listenUnix(cfg.API.Socket, 0o600)
	if err != nil {
		return err
	}
	d.serveHTTP("local api", l, localapi.Handler(d.admit, backend.Runtime{Admission: d.admit}))
	return nil
}

// tasks lists the live tasks for the status.
func (d *Daemon) tasks() []status.Task {
	if d.state == nil {
		return nil
	}
	byTask := map[string]*status.Task{}
	var order []string
	for k, task := range d.state.Containers() {
		t, ok := byTask[task]
		if !ok {
			t = &status.Task{ID: task}
			byTask[task] = t
			order = append(order, task)
		}
		t.Containers = append(t.Containers, k.ID)
		if caps := d.gate.caps(k); caps != 0 {
			t.Capabilities = policy.CapSet(caps).Names()
		}
	}
	out := make([]status.Task, 0, len(order))
	for _, id := range order {
		t := byTask[id]
		if d.mcs != nil {
			if p, ok := d.mcs.Pair(id); ok {
				t.MCS = p.Level()
			}
		}
		out = append(out, *t)
	}
	sortTasks(out)
	return out
}

func sortTasks(ts []status.Task) {
	slices.SortFunc(ts, func(a, b status.Task) int { return strings.Compare(a.ID, b.ID) })
}

func newGate(d *Daemon) *bpfGate {
	return &bpfGate{d: d, cgroups: map[placement.Key]uint64{}, masks: map[placement.Key]uint64{}}
}

// bpfGate registers containers' cgroups with the BPF capability gate.
type bpfGate struct {
	d       *Daemon
	mu      sync.Mutex
	cgroups map[placement.Key]uint64
	masks   map[placement.Key]uint64
}

func (g *bpfGate) Register(_ context.Context, c localapi.Container) error {
	if g.d.enforcer() != nil {
		if err := g.d.enforcer().RegisterContainer(c.CgroupID, c.CapMask); err != nil {
			return fmt.Errorf("register cgroup %d with the BPF gate: %w", c.CgroupID, err)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	k := placement.Key{Namespace: c.Namespace, ID: c.ID}
	g.cgroups[k] = c.CgroupID
	g.masks[k] = c.CapMask
	return nil
}

func (g *bpfGate) Unregister(_ context.Context, namespace, id string) error {
	k := placement.Key{Namespace: namespace, ID: id}
	g.mu.Lock()
	cg, ok := g.cgroups[k]
	delete(g.cgroups, k)
	delete(g.masks, k)
	g.mu.Unlock()
	if !ok || g.d.enforcer() == nil {
		return nil
	}
	return g.d.enforcer().UnregisterContainer(cg)
}

// containerOf names the container of a cgroup, for audit records.
func (g *bpfGate) containerOf(cgroup uint64) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, cg := range g.cgroups {
		if cg == cgroup {
			return k.ID
		}
	}
	return ""
}

func (g *bpfGate) caps(k placement.Key) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.masks[k]
}
