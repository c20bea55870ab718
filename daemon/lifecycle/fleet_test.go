package lifecycle

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

const fleetSize = 10_000

// simInstance is one instance of the fleet simulation, in true time.
type simInstance struct {
	cfg        Config
	launch     time.Time     // true launch (start of the first boot)
	vulnAge    time.Duration // age at the vulnerable report; 0: never
	opAge      time.Duration // age at the operator's request; 0: never
	setBackAge time.Duration // age at which the wall clock is set back; 0: never
	setBack    time.Duration
	rebootAge  time.Duration // age at a reboot; 0: never
	rebootSkew time.Duration // wall clock ahead of true time after the reboot (< 0: behind)
	ckptGap    time.Duration // time from the last checkpoint to the reboot
	downtime   time.Duration // time the reboot takes
	drainTook  time.Duration // how long its drain takes; < 0: it hangs
}

// simResult is what happened to one instance, as ages in true time.
type simResult struct {
	drained     bool
	drainAge    time.Duration
	endAge      time.Duration
	reason      Reason
	inWindow    bool
	hasWindows  bool
	terminated  bool
	drainAfter  time.Duration
	termAfter   time.Duration
	rebootCount int
	lost        time.Duration // instance time a reboot with a clock set back can lose
}

func randomWindow(r *rand.Rand) WindowConfig {
	day := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	switch r.IntN(5) {
	case 0, 1, 2: // weekly range, possibly across the week end
		s := time.Duration(r.IntN(7*24*2)) * 30 * time.Minute
		e := (s + time.Duration(1+r.IntN(8))*time.Hour) % Week
		return weekly(weekTimeText(day, s), weekTimeText(day, e))
	case 3: // weekly or daily cron start with a duration
		dow := "*"
		if r.IntN(2) == 0 {
			dow = fmt.Sprint(r.IntN(7))
		}
		return cronw(fmt.Sprintf("%d %d * * %s", r.IntN(60), r.IntN(24), dow), fmt.Sprintf("%dh", 1+r.IntN(6)))
	}
	h := r.IntN(21) // EC2's form: every minute of some hours on one weekday
	return cronw(fmt.Sprintf("* %d-%d * * %d", h, h+2, r.IntN(7)), "1m")
}

func weekTimeText(day []string, off time.Duration) string {
	d := off / Day
	rest := off % Day
	return fmt.Sprintf("%s %02d:%02d", day[d], rest/time.Hour, rest%time.Hour/time.Minute)
}

func randomInstance(r *rand.Rand, t0 time.Time) simInstance {
	in := simInstance{launch: t0.Add(time.Duration(r.Int64N(int64(60 * Day))))}
	if r.IntN(10) > 0 {
		for range 1 + r.IntN(3) {
			in.cfg.MaintenanceWindows = append(in.cfg.MaintenanceWindows, randomWindow(r))
		}
	}
	if r.IntN(5) == 0 { // shorter lifetimes than the maximum
		da := time.Duration(1+r.IntN(14)) * Day
		in.cfg.DrainAfter = FormatDuration(da)
		in.cfg.TerminateAfter = FormatDuration(da + time.Duration(r.Int64N(int64(21*Day-da)+1)).Truncate(time.Hour))
	}
	age := func() time.Duration { return time.Duration(1 + r.Int64N(int64(20*Day))) }
	if r.IntN(20) == 0 {
		in.vulnAge = age()
	}
	if r.IntN(50) == 0 {
		in.opAge = age()
	}
	if r.IntN(10) == 0 {
		in.setBackAge, in.setBack = age(), time.Duration(1+r.IntN(30*24))*time.Hour
	}
	if r.IntN(100) < 3 {
		in.rebootAge, in.rebootSkew = age(), time.Duration(r.IntN(3600))*time.Second
		in.ckptGap = time.Duration(r.Int64N(int64(CheckpointEvery)))
		in.downtime = time.Duration(r.Int64N(int64(5 * time.Minute)))
		if r.IntN(2) == 0 {
			in.rebootSkew = -time.Duration(1+r.IntN(30*24)) * time.Hour
		}
	}
	in.drainTook = time.Duration(r.Int64N(int64(2 * DefaultExpectedDrain)))
	if r.IntN(20) == 0 {
		in.drainTook = -1
	}
	return in
}

func TestFleetSimulation(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var results []simResult
	start := time.Now()
	for i := range fleetSize {
		in := randomInstance(r, t0)
		res, err := simulate(t, in)
		if err != nil {
			t.Fatalf("instance %d (%+v): %v", i, in, err)
		}
		checkResult(t, i, in, res)
		results = append(results, res)
	}
	logFleet(t, results, time.Since(start))
}

func checkResult(t *testing.T, i int, in simInstance, res simResult) {
	t.Helper()
	if res.drained && (res.drainAge > res.drainAfter+res.lost || res.drainAge > MaxDrainAfter+res.lost) {
		t.Errorf("instance %d drained at age %v, after drainAfter %v (%+v)", i, res.drainAge, res.drainAfter, in)
	}
	if res.endAge > res.termAfter+res.lost || res.endAge > MaxTerminateAfter+res.lost {
		t.Errorf("instance %d ran until age %v, past terminateAfter %v (%+v)", i, res.endAge, res.termAfter, in)
	}
	if !res.drained && res.drainAfter < res.termAfter {
		t.Errorf("instance %d never drained (%+v)", i, in)
	}
}

// share counts drains and those inside a window.
type share struct{ n, in int }

func (s *share) add(inWindow bool) {
	s.n++
	if inWindow {
		s.in++
	}
}

func (s share) pct() float64 {
	if s.n == 0 {
		return 0
	}
	return 100 * float64(s.in) / float64(s.n)
}

// fleetStats sums up the fleet.
type fleetStats struct {
	all, sched, windowed, windowedSched, fullSched share
	terminated, setBackReboots, maxDrainDays       int
	maxOver                                        time.Duration
}

func (st *fleetStats) add(res simResult) {
	if res.lost > 0 {
		st.setBackReboots++
		st.maxOver = max(st.maxOver, res.endAge-res.termAfter)
	}
	if res.terminated {
		st.terminated++
	}
	if !res.drained {
		return
	}
	st.maxDrainDays = max(st.maxDrainDays, int(res.drainAge/Day))
	st.all.add(res.inWindow)
	sched := res.reason == ReasonSchedule
	if sched {
		st.sched.add(res.inWindow)
	}
	if res.hasWindows {
		st.windowed.add(res.inWindow)
	}
	if res.hasWindows && sched {
		st.windowedSched.add(res.inWindow)
	}
	if res.hasWindows && sched && res.drainAfter == MaxDrainAfter {
		st.fullSched.add(res.inWindow)
	}
}

func logFleet(t *testing.T, results []simResult, took time.Duration) {
	var st fleetStats
	for _, res := range results {
		st.add(res)
	}
	t.Logf("fleet of %d instances simulated in %v", len(results), took.Round(time.Millisecond))
	t.Logf("drained: %d; inside a window: %.1f%% of all drains, %.1f%% of drains of instances with windows, %.1f%% of scheduled drains",
		st.all.n, st.all.pct(), st.windowed.pct(), st.sched.pct())
	t.Logf("scheduled drains of instances with windows: %d, inside a window: %.1f%%; of those with drainAfter 14d: %d, %.1f%%",
		st.windowedSched.n, st.windowedSched.pct(), st.fullSched.n, st.fullSched.pct())
	t.Logf("ended by termination (drain hung or not done by terminateAfter): %d; latest drain start: day %d", st.terminated, st.maxDrainDays)
	t.Logf("reboots with the wall clock set back: %d, the longest run past terminateAfter among them %v (bound: checkpoint gap + downtime)",
		st.setBackReboots, st.maxOver.Round(time.Second))
	if st.fullSched.in != st.fullSched.n {
		t.Errorf("%d of %d scheduled drains with weekly-recurring windows and 14 days fell outside a window",
			st.fullSched.n-st.fullSched.in, st.fullSched.n)
	}
	if st.windowed.pct() < 90 || st.windowedSched.pct() < 95 {
		t.Errorf("too few drains inside a window: %.1f%% of instances with windows, %.1f%% of their scheduled drains",
			st.windowed.pct(), st.windowedSched.pct())
	}
}

// simulate runs one instance through the real Scheduler and first-boot
// record code, on fake clocks that follow true time.
func simulate(t *testing.T, in simInstance) (simResult, error) {
	s := settings(t, in.cfg)
	res := simResult{hasWindows: len(s.Windows) > 0, drainAfter: s.DrainAfter, termAfter: s.TerminateAfter}
	w := &simWorld{t: t, in: in, s: s, res: &res, boot: &fakeBoot{wall: in.launch, bootID: "boot-0"}}
	if in.rebootAge > 0 {
		w.dir = t.TempDir()
	}
	if err := w.start(); err != nil {
		return res, err
	}
	return res, w.run()
}
