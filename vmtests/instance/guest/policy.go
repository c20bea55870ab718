package guest

import (
	"fmt"
	"slices"
	"syscall"
	"time"
)

// Restart pacing, as systemd's RestartSec, StartLimitBurst and
// StartLimitIntervalSec: a unit started burst times within interval is
// not restarted again.
const (
	restartDelay       = 500 * time.Millisecond
	startLimitBurst    = 5
	startLimitInterval = 30 * time.Second
	killGrace          = 3 * time.Second // from SIGABRT or SIGTERM to SIGKILL
)

// exitInfo says how a unit's process ended.
type exitInfo struct {
	status syscall.WaitStatus
	reason string // why we killed it ("watchdog", "start timeout"), or ""
}

func (e exitInfo) clean() bool {
	return e.reason == "" && e.status.Exited() && e.status.ExitStatus() == 0
}

func (e exitInfo) String() string {
	s := fmt.Sprintf("code=%d", e.status.ExitStatus())
	if e.status.Signaled() {
		s = "signal=" + e.status.Signal().String()
	}
	if e.reason != "" {
		s += " after " + e.reason
	}
	return s
}

// decision is what becomes of a unit whose process ended.
type decision struct {
	state  state
	at     time.Time // earliest restart, when state is waiting
	reason string
}

// afterExit is the restart decision: a pure function of the unit, how it
// ended, its recent start times and the time.
func afterExit(u Unit, e exitInfo, starts []time.Time, now time.Time) decision {
	if u.Restart == RestartNo {
		if e.clean() {
			return decision{state: stDone, reason: "exited"}
		}
		return decision{state: stFailed, reason: "failed, restart: no"}
	}
	if e.reason == "" && e.status.Exited() && slices.Contains(u.RestartPrevent, e.status.ExitStatus()) {
		return decision{state: stDone, reason: "exited with a code that prevents restarts"}
	}
	if recentStarts(starts, now) >= startLimitBurst {
		return decision{state: stFailed, reason: fmt.Sprintf("start limit: %d starts within %s", startLimitBurst, startLimitInterval)}
	}
	return decision{state: stWaiting, at: now.Add(restartDelay), reason: "restart"}
}

func recentStarts(starts []time.Time, now time.Time) int {
	n := 0
	for _, t := range starts {
		if now.Sub(t) < startLimitInterval {
			n++
		}
	}
	return n
}
