package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/daemon/lifecycle"
)

// ExitDrained is moatd's exit code once the instance drained and the end
// action is "exit": the orchestrator then retires the instance.
const ExitDrained = lifecycle.ExitCodeDrained

// drainState is whether the instance drains, and why.
type drainState struct {
	mu     sync.Mutex
	on     bool
	reason string
	since  time.Time
}

func (s *drainState) get() (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.on, s.reason
}

// begin marks the drain; it says false when a drain already runs.
func (s *drainState) begin(reason string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		return false
	}
	s.on, s.reason, s.since = true, reason, now
	return true
}

func (d *Daemon) openState(context.Context) error {
	dir := d.cfg.Load().StateDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	inst, err := lifecycle.OpenInstance(dir, d.cfg.Load().LifecycleSettings().LaunchTime, lifecycle.SystemBoot{})
	if err != nil {
		return err
	}
	d.inst = inst
	if d.id, err = instanceID(d.cfg.Load()); err != nil {
		return err
	}
	d.key, err = attest.LoadOrCreateKey(dir)
	return err
}

func (d *Daemon) startLifecycle(ctx context.Context) error {
	cfg := d.cfg.Load()
	drained, err := lifecycle.LoadDrain(cfg.StateDir)
	if err != nil {
		return err
	}
	d.sched, err = lifecycle.NewScheduler(lifecycle.SchedulerOptions{
		Settings: cfg.LifecycleSettings(), Launch: d.inst.Launch, Clock: d.inst.Clock,
		OnDrain: d.onDrain, OnTerminate: d.onTerminate, Drained: drained, Logger: d.log,
	})
	if err != nil {
		return err
	}
	d.goRun(func() {
		if err := d.sched.Run(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("lifecycle scheduler stopped", "err", err)
		}
	})
	d.goRun(func() { d.checkpoints(ctx) })
	return nil
}

// checkpoints records the instance's time now and then, so that a reboot
// with the clock set back cannot lengthen its life much.
func (d *Daemon) checkpoints(ctx context.Context) {
	checkpoint := time.NewTicker(lifecycle.CheckpointEvery)
	defer checkpoint.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-checkpoint.C:
			if err := d.inst.Checkpoint(); err != nil {
				d.log.Warn("lifecycle checkpoint", "err", err)
			}
		}
	}
}

// lifetimeFigures are the lifetime gauges now; zero before the lifecycle
// step (the metrics listener starts after it).
func (d *Daemon) lifetimeFigures() lifetimeFigures {
	var f lifetimeFigures
	if d.rep != nil {
		if last := d.rep.LastDelivered(); !last.IsZero() {
			f.deliveryLag = time.Since(last).Seconds()
		}
	}
	if d.sched == nil {
		return f
	}
	p, now := d.sched.Plan(), d.inst.Clock.Now()
	f.age, f.toDrain, f.toTerminate = p.Age.Seconds(), p.DrainBy.Sub(now).Seconds(), p.TerminateAt.Sub(now).Seconds()
	return f
}

func (d *Daemon) onDrain(p lifecycle.Plan) {
	if err := lifecycle.SaveDrain(d.cfg.Load().StateDir, p.Drain()); err != nil {
		d.log.Error("record drain", "err", err)
	}
	d.goRun(func() { d.runDrain(string(p.DrainReason), false) })
}

func (d *Daemon) onTerminate(p lifecycle.Plan) {
	d.log.Warn("terminate-by reached: stopping whatever still runs", "terminateAt", p.TerminateAt)
	d.goRun(func() { d.runDrain("terminate", true) })
}

// runDrain refuses new tasks, reports, stops every task (SIGTERM, then
// SIGKILL after its stop timeout; at once when terminating), reports
// again and takes the end action.
func (d *Daemon) runDrain(reason string, terminate bool) {
	if !d.drain.begin(reason, time.Now()) && !terminate {
		return
	}
	d.m.draining.Set(1)
	d.log.Warn("draining", "reason", reason)
	d.sd.Status("draining: " + reason)
	ctx := context.Background()
	d.reportNow(ctx, attest.TriggerDrain)
	stop := d.cfg.Load().LifecycleSettings().StopTimeout
	if terminate {
		stop = 0
	}
	if d.ctr != nil {
		if _, err := Drain(ctx, d.ctr, stop, d.log); err != nil {
			d.log.Error("drain", "err", err)
		}
	}
	d.reportNow(ctx, attest.TriggerDrain)
	d.endAction()
}

// endAction powers the instance off through systemd, or ends moatd with
// ExitDrained for an orchestrator to act on.
func (d *Daemon) endAction() {
	if d.cfg.Load().LifecycleSettings().EndAction == lifecycle.EndPowerOff {
		d.log.Warn("drained: powering off")
		if out, err := exec.Command("systemctl", "poweroff").CombinedOutput(); err != nil {
			d.log.Error("systemctl poweroff", "err", err, "output", string(out))
		}
	}
	select {
	case d.end <- exitError(ExitDrained):
	default:
	}
}

// goRun runs f in the background; stop waits for it.
func (d *Daemon) goRun(f func()) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		f()
	}()
}
