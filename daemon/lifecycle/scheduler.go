package lifecycle

import (
	"errors"
	"log/slog"
	"sync"
	"time"
)

// MaxSleep is the longest the Scheduler waits between two looks at the
// clock. Go's timers run on CLOCK_MONOTONIC, which stops during a suspend,
// while instance time does not: the Scheduler never trusts a long timer.
const MaxSleep = time.Minute

// SchedulerOptions configure a Scheduler.
type SchedulerOptions struct {
	Settings    Settings
	Launch      time.Time
	Clock       Clock
	OnDrain     func(Plan) // called once, when the drain is due
	OnTerminate func(Plan) // called once, when termination is due
	// Drained is a drain that started before a restart (LoadDrain): the
	// plan keeps it and OnDrain fires again at the first Tick.
	Drained *DrainState
	// After waits like time.After (the default); tests inject their own.
	After  func(time.Duration) <-chan time.Time
	Logger *slog.Logger // nil: slog.Default()
}

// Scheduler is the runtime side of Schedule: it keeps the inputs, computes
// the Plan on every change and at every due time, and fires the callbacks.
// A drain, once fired, stays: later input changes do not undo it. When
// termination is due first, only OnTerminate fires.
type Scheduler struct {
	opts    SchedulerOptions
	changed chan struct{}

	mu         sync.Mutex
	settings   Settings
	in         Inputs
	latch      *DrainState // the drain once started: it stays
	drainFired bool
	terminated bool
}

// NewScheduler checks opts and makes a Scheduler.
func NewScheduler(opts SchedulerOptions) (*Scheduler, error) {
	switch {
	case opts.Clock == nil:
		return nil, errors.New("scheduler: no clock")
	case opts.Launch.IsZero():
		return nil, errors.New("scheduler: no launch time")
	case opts.OnDrain == nil || opts.OnTerminate == nil:
		return nil, errors.New("scheduler: OnDrain and OnTerminate are required")
	case opts.Settings.DrainAfter <= 0 || opts.Settings.TerminateAfter < opts.Settings.DrainAfter:
		return nil, errors.New("scheduler: settings not resolved: use Config.Resolve or DefaultSettings")
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Scheduler{
		opts:     opts,
		changed:  make(chan struct{}, 1),
		settings: opts.Settings,
		in:       Inputs{Launch: opts.Launch},
		latch:    opts.Drained,
	}, nil
}

// SetVulnerable records the attestation server's verdict on the patch
// level, reported now. A repeated verdict keeps the first report's time.
func (s *Scheduler) SetVulnerable(vulnerable bool) {
	s.change(func(in *Inputs, now time.Time) {
		if vulnerable && !in.Vulnerable {
			in.VulnerableAt = now
		}
		in.Vulnerable = vulnerable
	})
}

// RequestDrain records an operator's request to drain now.
func (s *Scheduler) RequestDrain() {
	s.change(func(in *Inputs, now time.Time) {
		if !in.OperatorDrain {
			in.OperatorDrain, in.OperatorAt = true, now
		}
	})
}

// Update replaces the settings, as on a configuration reload. The launch
// time stays the one the Scheduler was made with.
func (s *Scheduler) Update(settings Settings) {
	s.mu.Lock()
	s.settings = settings
	s.mu.Unlock()
	s.notify()
}

func (s *Scheduler) change(f func(*Inputs, time.Time)) {
	s.mu.Lock()
	f(&s.in, s.opts.Clock.Now())
	s.mu.Unlock()
	s.notify()
}

func (s *Scheduler) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Plan is the plan at the current instance time, with a fired drain kept.
func (s *Scheduler) Plan() Plan {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.planLocked(s.opts.Clock.Now())
}

func (s *Scheduler) planLocked(now time.Time) Plan {
	in := s.in
	in.Now = now
	p := Schedule(s.settings, in)
	if s.latch != nil {
		p.DrainAt, p.DrainReason, p.DrainInWindow = s.latch.At, s.latch.Reason, s.latch.InWindow
		p.Action = p.ActionAt(now)
	}
	return p
}
