package guest

import (
	"fmt"
	"syscall"
	"time"
)

// Hold stops a unit and keeps it stopped (no restart) until Release:
// sig is SIGTERM ("stop") or SIGKILL ("kill"), as a scenario needs to
// show what holds while moatd is down.
func (s *Supervisor) Hold(name string, sig syscall.Signal, now time.Time) error {
	u := s.byName[name]
	if u == nil {
		return fmt.Errorf("no unit %q", name)
	}
	u.held = true
	if u.pid == 0 {
		u.state, u.deadline = stDone, time.Time{}
		s.changed(u)
		return nil
	}
	s.kill(u, sig, "held", now)
	return nil
}

// Release lets a held unit start again now (its start count is cleared).
func (s *Supervisor) Release(name string, now time.Time) error {
	u := s.byName[name]
	if u == nil {
		return fmt.Errorf("no unit %q", name)
	}
	if !u.held && u.state != stFailed {
		return fmt.Errorf("unit %s is not stopped (%s)", name, u.state)
	}
	u.held, u.starts = false, nil
	if u.pid == 0 {
		u.state, u.notBefore = stWaiting, now
		s.changed(u)
	}
	return nil
}

// UnitStatus is one line of Status.
type UnitStatus struct {
	Name, State, Status string
	PID, Starts         int
	Held                bool
}

// Status lists the units in start order.
func (s *Supervisor) Status() []UnitStatus {
	var out []UnitStatus
	for _, u := range s.units {
		out = append(out, UnitStatus{Name: u.Name, State: u.state.String(), Status: u.status,
			PID: u.pid, Starts: u.totalStarts, Held: u.held})
	}
	return out
}
