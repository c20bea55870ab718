package guest

import (
	"log/slog"
	"syscall"
	"time"
)

// state is a unit's place in its life.
type state int

const (
	stWaiting  state = iota // for its dependencies or its restart delay
	stStarting              // notify: before READY=1; oneshot: running
	stActive                // running (and ready)
	stStopping              // sent a signal, waiting for the exit
	stDone                  // oneshot exited 0, or restart: no ended cleanly
	stFailed                // for good
)

var stateNames = [...]string{"waiting", "starting", "active", "stopping", "done", "failed"}

func (s state) String() string { return stateNames[s] }

// Runner starts and signals unit processes; the supervisor never waits on
// them itself: the caller reports exits through Exited.
type Runner interface {
	Start(u Unit) (pid int, err error)
	Signal(pid int, sig syscall.Signal) error
}

type unitState struct {
	Unit
	state     state
	pid       int
	starts    []time.Time
	notBefore time.Time // restart delay
	deadline  time.Time // start timeout, watchdog or kill escalation
	killed    string    // why we signalled it
	status    string
	held      bool // stopped through Hold: not restarted
	// totalStarts counts every start, for Status.
	totalStarts int
}

// Supervisor is the state machine of the units; every method takes the
// time so that tests drive it with a fake clock.
type Supervisor struct {
	units    []*unitState
	byName   map[string]*unitState
	byPID    map[int]*unitState
	run      Runner
	log      *slog.Logger
	shutdown bool
	// OnState, when set, hears each unit's new state (its String form).
	OnState func(unit, state string)
}

func (s *Supervisor) changed(u *unitState) {
	if s.OnState != nil {
		s.OnState(u.Name, u.state.String())
	}
}

// NewSupervisor takes units in a valid start order (ParseUnits).
func NewSupervisor(units []Unit, r Runner, log *slog.Logger) *Supervisor {
	s := &Supervisor{byName: map[string]*unitState{}, byPID: map[int]*unitState{}, run: r, log: log}
	for _, u := range units {
		us := &unitState{Unit: u}
		s.units = append(s.units, us)
		s.byName[u.Name] = us
	}
	return s
}

// Step starts what may start, acts on passed deadlines and returns when
// it wants to be called again (zero: only on an event).
func (s *Supervisor) Step(now time.Time) time.Time {
	var next time.Time
	for _, u := range s.units {
		s.stepUnit(u, now)
		for _, t := range []time.Time{u.deadline, u.notBefore} {
			if t.After(now) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next
}

func (s *Supervisor) stepUnit(u *unitState, now time.Time) {
	passed := !u.deadline.IsZero() && !now.Before(u.deadline)
	switch {
	case u.state == stWaiting && !s.shutdown && !u.held && !now.Before(u.notBefore) && s.depsActive(u):
		s.start(u, now)
	case u.state == stStarting && passed:
		s.kill(u, syscall.SIGTERM, "start timeout", now)
	case u.state == stActive && passed:
		s.kill(u, syscall.SIGABRT, "watchdog timeout", now)
	case u.state == stStopping && passed:
		s.log.Warn("unit did not stop, killing", "unit", u.Name, "pid", u.pid)
		s.run.Signal(u.pid, syscall.SIGKILL)
		u.deadline = time.Time{}
	}
}

func (s *Supervisor) depsActive(u *unitState) bool {
	for _, d := range u.DependsOn {
		if st := s.byName[d].state; st != stActive && st != stDone {
			return false
		}
	}
	return true
}

func (s *Supervisor) start(u *unitState, now time.Time) {
	u.starts = append(keepRecent(u.starts, now), now)
	u.totalStarts++
	u.killed, u.status = "", ""
	pid, err := s.run.Start(u.Unit)
	if err != nil {
		s.log.Error("unit start failed", "unit", u.Name, "err", err)
		s.settle(u, afterExit(u.Unit, exitInfo{status: 127 << 8}, u.starts, now), now)
		return
	}
	u.pid = pid
	s.byPID[pid] = u
	s.log.Info("unit started", "unit", u.Name, "pid", pid, "type", u.Type)
	if u.Type == TypeSimple {
		s.activate(u, now)
	} else {
		u.state, u.deadline = stStarting, now.Add(u.startTimeout())
	}
	s.changed(u)
}

func (s *Supervisor) activate(u *unitState, now time.Time) {
	u.state, u.deadline = stActive, time.Time{}
	if u.watchdog() > 0 {
		u.deadline = now.Add(u.watchdog())
	}
}

func (s *Supervisor) kill(u *unitState, sig syscall.Signal, why string, now time.Time) {
	s.log.Warn("unit "+why, "unit", u.Name, "pid", u.pid, "signal", sig.String())
	u.killed = why
	u.state, u.deadline = stStopping, now.Add(killGrace)
	s.run.Signal(u.pid, sig)
	s.changed(u)
}

func keepRecent(starts []time.Time, now time.Time) []time.Time {
	var out []time.Time
	for _, t := range starts {
		if now.Sub(t) < startLimitInterval {
			out = append(out, t)
		}
	}
	return out
}
