package lifecycle

import (
	"context"
	"time"
)

// Tick looks at the clock once, fires whichever callback is due and returns
// the plan. Run calls it; a simulation may call it directly.
func (s *Scheduler) Tick() Plan {
	s.mu.Lock()
	p := s.planLocked(s.opts.Clock.Now())
	fire := s.due(p)
	s.mu.Unlock()
	if fire != nil {
		fire(p)
	}
	return p
}

// due marks and returns the callback that p makes due, if any.
func (s *Scheduler) due(p Plan) func(Plan) {
	switch {
	case s.terminated:
		return nil
	case p.Action == ActTerminate:
		s.terminated = true
		s.opts.Logger.Info("lifecycle: terminate", "terminate_at", p.TerminateAt)
		return s.opts.OnTerminate
	case p.Action == ActDrain && !s.drainFired:
		s.drainFired = true
		if s.latch == nil {
			d := p.Drain()
			s.latch = &d
		}
		s.opts.Logger.Info("lifecycle: drain", "drain_at", p.DrainAt, "reason", string(p.DrainReason),
			"in_window", p.DrainInWindow)
		return s.opts.OnDrain
	}
	return nil
}

// Run ticks at every due time, at every change of the inputs and at least
// every MaxSleep, until termination has fired (it returns nil) or ctx ends
// (it returns ctx.Err()).
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		p := s.Tick()
		if s.isTerminated() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.changed:
		case <-s.opts.After(s.sleep(p)):
		}
	}
}

func (s *Scheduler) isTerminated() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.terminated
}

// sleep is the time until p's next event, at most MaxSleep.
func (s *Scheduler) sleep(p Plan) time.Duration {
	now := s.opts.Clock.Now()
	next := p.TerminateAt
	if p.Action == ActNothing {
		next = p.DrainAt
	}
	return min(max(next.Sub(now), 0), MaxSleep)
}

// NextEvent is the instance time of the next callback that can fire under
// p: the drain while it has not fired, else termination; zero after it.
func (s *Scheduler) NextEvent(p Plan) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.terminated:
		return time.Time{}
	case !s.drainFired:
		return p.DrainAt
	}
	return p.TerminateAt
}
