package lifecycle

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable Clock whose After hands each wait to the test.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan time.Duration
	fire  chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, waits: make(chan time.Duration), fire: make(chan time.Time)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.waits <- d
	return c.fire
}

// recorder counts the callbacks.
type recorder struct {
	mu                  sync.Mutex
	drains, terminates  []Plan
	drained, terminated chan Plan
}

func newRecorder() *recorder {
	return &recorder{drained: make(chan Plan, 10), terminated: make(chan Plan, 10)}
}

func (r *recorder) onDrain(p Plan) {
	r.mu.Lock()
	r.drains = append(r.drains, p)
	r.mu.Unlock()
	r.drained <- p
}

func (r *recorder) onTerminate(p Plan) {
	r.mu.Lock()
	r.terminates = append(r.terminates, p)
	r.mu.Unlock()
	r.terminated <- p
}

func (r *recorder) counts() (int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.drains), len(r.terminates)
}

func newTestScheduler(t *testing.T, cfg Config, launch string, clock *fakeClock) (*Scheduler, *recorder) {
	t.Helper()
	rec := newRecorder()
	s, err := NewScheduler(SchedulerOptions{
		Settings: settings(t, cfg), Launch: at(t, launch), Clock: clock,
		OnDrain: rec.onDrain, OnTerminate: rec.onTerminate, After: clock.After,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, rec
}

func TestSchedulerTickFiresOnce(t *testing.T) {
	clock := newFakeClock(at(t, "2026-11-02 00:00"))
	s, rec := newTestScheduler(t, Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))}, "2026-11-01 00:00", clock)
	steps := []struct {
		now                string
		drains, terminates int
	}{
		{"2026-11-14 01:59", 0, 0},
		{"2026-11-14 02:00", 1, 0},
		{"2026-11-14 03:00", 1, 0},
		{"2026-11-10 00:00", 1, 0}, // clock set back: the drain stays
		{"2026-11-21 23:59", 1, 0},
		{"2026-11-22 00:00", 1, 1},
		{"2026-11-23 00:00", 1, 1},
	}
	for _, st := range steps {
		clock.set(at(t, st.now))
		p := s.Tick()
		if d, term := rec.counts(); d != st.drains || term != st.terminates {
			t.Errorf("at %s: %d drains, %d terminations; want %d, %d", st.now, d, term, st.drains, st.terminates)
		}
		if st.drains == 1 && (p.DrainReason != ReasonSchedule || !p.DrainAt.Equal(at(t, "2026-11-14 02:00"))) {
			t.Errorf("at %s: plan %+v", st.now, p)
		}
	}
}

func TestSchedulerDrainStaysWhenInputsChange(t *testing.T) {
	clock := newFakeClock(at(t, "2026-11-05 10:00"))
	s, rec := newTestScheduler(t, Config{}, "2026-11-01 00:00", clock)
	s.SetVulnerable(true)
	s.Tick()
	s.SetVulnerable(false)
	s.Update(settings(t, Config{DrainAfter: "7d"}))
	clock.set(at(t, "2026-11-06 00:00"))
	p := s.Tick()
	if d, _ := rec.counts(); d != 1 || p.DrainReason != ReasonVulnerable || !p.DrainAt.Equal(at(t, "2026-11-05 10:00")) || p.Action != ActDrain {
		t.Errorf("%d drains, plan %+v; want one vulnerable drain kept", d, p)
	}
}

func TestSchedulerTerminateFirstSkipsDrain(t *testing.T) {
	clock := newFakeClock(at(t, "2026-12-01 00:00"))
	s, rec := newTestScheduler(t, Config{}, "2026-11-01 00:00", clock)
	s.Tick()
	if d, term := rec.counts(); d != 0 || term != 1 {
		t.Errorf("%d drains, %d terminations; want 0, 1", d, term)
	}
}

func TestSchedulerRepeatedReportsKeepTheFirstTime(t *testing.T) {
	clock := newFakeClock(at(t, "2026-11-05 10:00"))
	s, _ := newTestScheduler(t, Config{MaintenanceWindows: wins(weekly("fri 02:00", "fri 06:00"))}, "2026-11-01 00:00", clock)
	s.SetVulnerable(true)
	clock.set(at(t, "2026-11-06 07:00")) // the window has passed
	s.SetVulnerable(true)
	s.RequestDrain()
	clock.set(at(t, "2026-11-06 08:00"))
	s.RequestDrain()
	p := s.Plan()
	if !p.DrainAt.Equal(at(t, "2026-11-06 02:00")) || p.DrainReason != ReasonVulnerable {
		t.Errorf("plan %v %s, want the first report's window", p.DrainAt, p.DrainReason)
	}
}

func TestSchedulerRun(t *testing.T) {
	clock := newFakeClock(at(t, "2026-11-02 00:00"))
	s, rec := newTestScheduler(t, Config{}, "2026-11-01 00:00", clock)
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()

	if d := <-clock.waits; d != MaxSleep {
		t.Errorf("first wait %v, want %v", d, MaxSleep)
	}
	clock.set(at(t, "2026-11-14 23:59").Add(30 * time.Second)) // 30 s before the drain
	clock.fire <- clock.Now()
	if d := <-clock.waits; d != 30*time.Second {
		t.Errorf("wait before the drain %v, want 30s", d)
	}
	clock.set(at(t, "2026-11-15 00:00"))
	clock.fire <- clock.Now()
	if p := <-rec.drained; p.DrainReason != ReasonSchedule {
		t.Errorf("drain reason %s", p.DrainReason)
	}
	<-clock.waits
	clock.set(at(t, "2026-11-22 00:00"))
	clock.fire <- clock.Now()
	<-rec.terminated
	if err := <-done; err != nil {
		t.Errorf("Run = %v after termination, want nil", err)
	}
}

func TestSchedulerRunRecomputesOnChange(t *testing.T) {
	clock := newFakeClock(at(t, "2026-11-03 12:00"))
	s, rec := newTestScheduler(t, Config{}, "2026-11-01 00:00", clock)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	<-clock.waits
	s.RequestDrain() // no timer fires: the change alone wakes Run
	if p := <-rec.drained; p.DrainReason != ReasonOperator || !p.DrainAt.Equal(at(t, "2026-11-03 12:00")) {
		t.Errorf("drain %v %s, want operator now", p.DrainAt, p.DrainReason)
	}
	<-clock.waits
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}

func TestNewSchedulerChecks(t *testing.T) {
	clock := newFakeClock(at(t, "2026-11-01 00:00"))
	f := func(Plan) {}
	launch := at(t, "2026-11-01 00:00")
	bad := []SchedulerOptions{
		{Launch: launch, OnDrain: f, OnTerminate: f},
		{Clock: clock, OnDrain: f, OnTerminate: f},
		{Clock: clock, Launch: launch, OnTerminate: f},
		{Clock: clock, Launch: launch, OnDrain: f},
	}
	for i, o := range bad {
		if _, err := NewScheduler(o); err == nil {
			t.Errorf("options %d: no error", i)
		}
	}
}

func TestSchedulerIgnoresWallClockSetBack(t *testing.T) {
	src := &fakeBoot{wall: at(t, "2026-11-01 00:00"), bootID: "b"}
	inst, err := OpenInstance(t.TempDir(), time.Time{}, src)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	s, err := NewScheduler(SchedulerOptions{Settings: settings(t, Config{}), Launch: inst.Launch, Clock: inst.Clock,
		OnDrain: rec.onDrain, OnTerminate: rec.onTerminate})
	if err != nil {
		t.Fatal(err)
	}
	src.advance(14*Day - time.Minute)
	src.wall = src.wall.Add(-10 * Day) // someone sets the clock back ten days
	s.Tick()
	if d, _ := rec.counts(); d != 0 {
		t.Fatalf("drained a minute early")
	}
	src.advance(time.Minute)
	p := s.Tick()
	if d, _ := rec.counts(); d != 1 || !p.DrainAt.Equal(at(t, "2026-11-15 00:00")) {
		t.Errorf("%d drains at day 14 with the wall clock ten days behind; plan %+v", d, p)
	}
}
