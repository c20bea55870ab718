package lifecycle

import (
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// simWorld drives one simulated instance in true time.
type simWorld struct {
	t     *testing.T
	in    simInstance
	s     Settings
	res   *simResult
	dir   string
	boot  *fakeBoot
	sched *Scheduler
	inst  Instance
	age   time.Duration // true age
	end   time.Duration // true age at which the drain completes; 0: not yet known
	done  bool
	fired map[string]bool
}

// start boots the daemon: first-boot record, clock, scheduler and the
// inputs it relearns (the attestation verdict, the operator's request).
func (w *simWorld) start() error {
	inst, err := w.instance()
	if err != nil {
		return err
	}
	w.inst = inst
	w.sched, err = NewScheduler(SchedulerOptions{Settings: w.s, Launch: inst.Launch, Clock: inst.Clock,
		OnDrain: w.onDrain, OnTerminate: w.onTerminate, Logger: slog.New(slog.DiscardHandler),
		After: func(time.Duration) <-chan time.Time { return nil }})
	if err != nil {
		return err
	}
	if w.fired["vuln"] {
		w.sched.SetVulnerable(true)
	}
	if w.fired["op"] {
		w.sched.RequestDrain()
	}
	return nil
}

// instance reads the first-boot record for the instances that reboot (each
// write is fsync'd, too slow for the whole fleet); the others start once,
// as a first boot does.
func (w *simWorld) instance() (Instance, error) {
	if w.in.rebootAge > 0 {
		return OpenInstance(w.dir, time.Time{}, w.boot)
	}
	start := w.boot.Wall().Add(-w.boot.SinceBoot())
	return Instance{Launch: start, Source: FromFirstBoot, Clock: NewInstanceClock(start, w.boot)}, nil
}

func (w *simWorld) onDrain(p Plan) {
	if w.res.drained {
		return // a restarted daemon drains again; the first start counts
	}
	w.res.drained, w.res.drainAge, w.res.reason, w.res.inWindow = true, w.age, p.DrainReason, p.DrainInWindow
	if w.in.drainTook >= 0 {
		w.end = w.age + w.in.drainTook
	}
}

func (w *simWorld) onTerminate(Plan) {
	w.done, w.res.terminated, w.res.endAge = true, true, w.age
}

// run advances true time from event to event until the instance ends.
func (w *simWorld) run() error {
	if w.fired == nil {
		w.fired = map[string]bool{}
	}
	for steps := 0; steps < 1000; steps++ {
		p := w.sched.Tick()
		if w.done {
			return nil
		}
		if w.end > 0 && w.age >= w.end {
			w.res.endAge = w.age // the end action
			return nil
		}
		next := w.age + max(w.sched.NextEvent(p).Sub(w.sched.opts.Clock.Now()), 0)
		if w.end > 0 {
			next = min(next, w.end)
		}
		if err := w.external(next); err != nil {
			return err
		}
	}
	return fmt.Errorf("no end after 1000 steps at age %v", w.age)
}

// external applies the first outside event due by age next, or moves to next.
func (w *simWorld) external(next time.Duration) error {
	type ev struct {
		name string
		age  time.Duration
	}
	ckpt := time.Duration(0)
	if w.in.rebootAge > w.in.ckptGap {
		ckpt = w.in.rebootAge - w.in.ckptGap
	}
	for _, e := range []ev{{"vuln", w.in.vulnAge}, {"op", w.in.opAge}, {"setback", w.in.setBackAge},
		{"checkpoint", ckpt}, {"reboot", w.in.rebootAge}} {
		if e.age == 0 || w.fired[e.name] || e.age > next {
			continue
		}
		w.advance(e.age - w.age)
		w.fired[e.name] = true
		return w.apply(e.name)
	}
	w.advance(next - w.age)
	return nil
}

func (w *simWorld) advance(d time.Duration) {
	if d > 0 {
		w.age += d
		w.boot.advance(d)
	}
}

func (w *simWorld) apply(name string) error {
	switch name {
	case "vuln":
		w.sched.SetVulnerable(true)
	case "op":
		w.sched.RequestDrain()
	case "setback":
		w.boot.wall = w.boot.wall.Add(-w.in.setBack)
	case "checkpoint":
		return w.inst.Checkpoint()
	case "reboot":
		w.res.rebootCount++
		w.advance(w.in.downtime)
		w.boot.reboot(fmt.Sprintf("boot-%d", w.res.rebootCount))
		w.boot.wall = w.in.launch.Add(w.age + w.in.rebootSkew)
		if w.in.rebootSkew < 0 {
			w.res.lost = w.in.ckptGap + w.in.downtime
		}
		return w.start()
	}
	return nil
}
