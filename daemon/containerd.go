package daemon

import (
	"context"
	"log/slog"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/containerd/runtime"
	"github.com/moat-sh/moat/containerd/watch"
)

// startContainerd connects to containerd. containerd may start after
// moatd (its runtime wrapper needs moatd's local API), so the first
// reconcile waits for it in the background; until then admission refuses.
func (d *Daemon) startContainerd(ctx context.Context) error {
	addr := d.cfg.Load().Containerd.Address
	w, err := watch.New(addr, d.state, d.admit, d.admit.taskOf, d.log)
	if err != nil {
		return err
	}
	d.watcher = w
	d.onClose(w.Close)
	d.ctr, err = containerd.New(addr)
	if err != nil {
		return err
	}
	d.onClose(d.ctr.Close)
	d.admit.current.Store(d.newBackend(d.cfg.Load())) // with the watcher's labels
	d.goRun(func() { d.followContainerd(ctx) })
	return nil
}

func (d *Daemon) followContainerd(ctx context.Context) {
	for attempt := 0; ; attempt++ {
		err := d.watcher.Reconcile(ctx)
		if err == nil {
			break
		}
		level := slog.LevelDebug
		if attempt%30 == 0 { // once a minute
			level = slog.LevelInfo
		}
		d.log.Log(ctx, level, "waiting for containerd; admission refuses until then", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	d.restoreFromContainers(ctx)
	d.reconciled.Store(true)
	d.log.Info("reconciled with containerd", "tasks", len(d.state.Live()))
	if err := d.watcher.Run(ctx); err != nil && ctx.Err() == nil {
		d.log.Error("containerd watcher stopped", "err", err)
	}
}

// restoreFromContainers rebuilds, after a restart, what the placement
// state does not hold: each live task's MCS pair (from its containers'
// labels) and each container's cgroup in the BPF gate.
func (d *Daemon) restoreFromContainers(ctx context.Context) {
	labels := map[string]string{}
	masks := map[uint64]uint64{}
	if d.enforcer() != nil {
		if m, err := d.enforcer().Containers(); err == nil {
			masks = m
		}
	}
	seen := map[uint64]bool{}
	for k, task := range d.state.Containers() {
		nctx := namespaces.WithNamespace(ctx, k.Namespace)
		c, err := d.ctr.LoadContainer(nctx, k.ID)
		if err != nil {
			continue
		}
		if spec, err := c.Spec(nctx); err == nil && spec.Process != nil && spec.Process.SelinuxLabel != "" {
			labels[task] = spec.Process.SelinuxLabel
		}
		if cg, ok := d.cgroupOf(nctx, c); ok {
			seen[cg] = true
			d.gate.restore(k, cg, masks[cg])
		}
	}
	if d.mcs != nil {
		if err := d.mcs.Reconcile(labels); err != nil {
			d.log.Error("restore MCS pairs of live tasks", "err", err)
		}
	}
	for cg := range masks {
		if !seen[cg] && d.enforcer() != nil {
			d.enforcer().UnregisterContainer(cg) // its container is gone
		}
	}
}

func (d *Daemon) cgroupOf(ctx context.Context, c containerd.Container) (uint64, bool) {
	task, err := c.Task(ctx, nil)
	if err != nil {
		return 0, false
	}
	cg, _, err := runtime.CgroupID(int(task.Pid()))
	return cg, err == nil
}

func (g *bpfGate) restore(k placement.Key, cgroup, mask uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cgroups[k] = cgroup
	g.masks[k] = mask
}
