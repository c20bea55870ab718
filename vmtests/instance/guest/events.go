package guest

import (
	"syscall"
	"time"
)

// Exited reports a reaped process; it says whether it was a unit's.
func (s *Supervisor) Exited(pid int, ws syscall.WaitStatus, now time.Time) bool {
	u := s.byPID[pid]
	if u == nil {
		return false
	}
	delete(s.byPID, pid)
	u.pid = 0
	e := exitInfo{status: ws, reason: u.killed}
	if s.shutdown || u.held {
		s.log.Info("unit stopped", "unit", u.Name, "how", e.String())
		u.state, u.deadline = stDone, time.Time{}
		s.changed(u)
		return true
	}
	if u.Type == TypeOneshot && u.state == stStarting && e.clean() {
		s.log.Info("unit done", "unit", u.Name)
		u.state, u.deadline = stDone, time.Time{}
		s.changed(u)
		return true
	}
	d := afterExit(u.Unit, e, u.starts, now)
	s.log.Warn("unit exited", "unit", u.Name, "pid", pid, "how", e.String(), "then", d.reason)
	s.settle(u, d, now)
	return true
}

func (s *Supervisor) settle(u *unitState, d decision, now time.Time) {
	u.state, u.notBefore, u.deadline = d.state, d.at, time.Time{}
	s.changed(u)
}

// Notified applies one notify datagram sent on a unit's socket.
func (s *Supervisor) Notified(name string, n Notify, now time.Time) {
	u := s.byName[name]
	if u == nil || u.pid == 0 {
		return
	}
	if n.Status != "" && n.Status != u.status {
		u.status = n.Status
		s.log.Info("unit status", "unit", name, "status", n.Status)
	}
	switch {
	case n.Ready && u.state == stStarting && u.Type == TypeNotify:
		s.log.Info("unit ready", "unit", name, "after", now.Sub(u.starts[len(u.starts)-1]).Round(time.Millisecond).String())
		s.activate(u, now)
		s.changed(u)
	case n.WatchdogTrigger && u.state == stActive:
		s.kill(u, syscall.SIGABRT, "watchdog trigger", now)
	case n.Watchdog && u.state == stActive && u.watchdog() > 0:
		u.deadline = now.Add(u.watchdog())
	}
	if n.Stopping {
		s.log.Info("unit stopping", "unit", name)
	}
	if n.Reloading {
		s.log.Info("unit reloading", "unit", name)
	}
}

// Ready says every unit is active or done: the scenario may run.
func (s *Supervisor) Ready() bool {
	for _, u := range s.units {
		if u.state != stActive && u.state != stDone {
			return false
		}
	}
	return true
}

// Failed lists the units that failed for good.
func (s *Supervisor) Failed() []string {
	var out []string
	for _, u := range s.units {
		if u.state == stFailed {
			out = append(out, u.Name)
		}
	}
	return out
}

// Stop sends SIGTERM to every running unit, dependents first, and starts
// nothing more; Running says when they are all gone.
func (s *Supervisor) Stop(now time.Time) {
	s.shutdown = true
	for i := len(s.units) - 1; i >= 0; i-- {
		if u := s.units[i]; u.pid != 0 {
			s.kill(u, syscall.SIGTERM, "shutdown", now)
		}
	}
}

// Running counts the unit processes not yet reaped.
func (s *Supervisor) Running() int { return len(s.byPID) }

// PID returns a unit's current process, 0 for none.
func (s *Supervisor) PID(name string) int {
	if u := s.byName[name]; u != nil {
		return u.pid
	}
	return 0
}
