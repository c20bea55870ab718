package lifecycle

import "time"

// Reason says why an instance drains.
type Reason string

// The drain reasons.
const (
	ReasonSchedule   Reason = "schedule"   // its lifetime is up
	ReasonVulnerable Reason = "vulnerable" // the attestation server reported its patch level vulnerable
	ReasonOperator   Reason = "operator"   // an operator asked
)

// Action is what the daemon should do at a given time.
type Action string

// The actions, in increasing order of severity.
const (
	ActNothing   Action = "nothing"
	ActDrain     Action = "drain"
	ActTerminate Action = "terminate"
)

// nextWindowHorizon is how far ahead Plan.NextWindow looks.
const nextWindowHorizon = Week + Day

// Inputs are what the schedule depends on besides the settings.
type Inputs struct {
	Launch        time.Time // the instance's launch
	Now           time.Time // the instance time now
	Vulnerable    bool      // the attestation server reports the patch level vulnerable
	VulnerableAt  time.Time // when it reported so; zero means Now
	OperatorDrain bool      // an operator asked for a drain
	OperatorAt    time.Time // when the operator asked; zero means Now
}

// Plan is the schedule of one instance at one moment.
type Plan struct {
	DrainBy       time.Time // Launch + DrainAfter: a scheduled drain starts no later
	DrainAt       time.Time // when the drain starts
	DrainReason   Reason
	DrainInWindow bool          // DrainAt lies inside a maintenance window
	TerminateAt   time.Time     // Launch + TerminateAfter: everything still running stops
	NextWindow    Interval      // the window open now or next, within 8 days; zero if none
	Action        Action        // what to do at Inputs.Now
	Age           time.Duration // Inputs.Now - Launch, 0 if Now is before Launch
}

// Drain is the drain part of p, to keep across restarts.
func (p Plan) Drain() DrainState {
	return DrainState{At: p.DrainAt, Reason: p.DrainReason, InWindow: p.DrainInWindow}
}

// Schedule computes the plan. It is a pure function of its arguments:
//
//   - scheduled drain: the latest window start s with Launch <= s and
//     s + ExpectedDrain <= DrainBy; with no such window, DrainBy;
//   - vulnerable: at the report time if a window is open then with
//     ExpectedDrain left in it, else at the first window start within
//     VulnerableWithin of the report, else at the report time;
//   - operator: at the time of the request;
//   - the earliest of these wins; termination is at Launch + TerminateAfter.
func Schedule(s Settings, in Inputs) Plan {
	p := Plan{
		DrainBy:     in.Launch.Add(s.DrainAfter),
		TerminateAt: in.Launch.Add(s.TerminateAfter),
	}
	p.DrainAt, p.DrainReason = scheduledDrain(s, in.Launch, p.DrainBy), ReasonSchedule
	if in.Vulnerable {
		p.earlier(vulnerableDrain(s, orNow(in.VulnerableAt, in.Now)), ReasonVulnerable)
	}
	if in.OperatorDrain {
		p.earlier(orNow(in.OperatorAt, in.Now), ReasonOperator)
	}
	if p.DrainAt.After(p.TerminateAt) {
		p.DrainAt = p.TerminateAt
	}
	p.DrainInWindow = inWindow(s.Windows, p.DrainAt)
	p.NextWindow = nextWindow(s.Windows, in.Now)
	p.Action = p.ActionAt(in.Now)
	p.Age = max(in.Now.Sub(in.Launch), 0)
	return p
}

// ActionAt says what to do at time now under p.
func (p Plan) ActionAt(now time.Time) Action {
	switch {
	case !now.Before(p.TerminateAt):
		return ActTerminate
	case !now.Before(p.DrainAt):
		return ActDrain
	}
	return ActNothing
}

// earlier moves the drain to at, for reason r, if at comes first.
func (p *Plan) earlier(at time.Time, r Reason) {
	if !at.After(p.DrainAt) {
		p.DrainAt, p.DrainReason = at, r
	}
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

func scheduledDrain(s Settings, launch, drainBy time.Time) time.Time {
	latest := drainBy.Add(-s.ExpectedDrain)
	occ := s.Windows.Occurrences(launch, latest.Add(time.Nanosecond))
	for i := len(occ) - 1; i >= 0; i-- {
		if st := occ[i].Start; !st.Before(launch) && !st.After(latest) {
			return st
		}
	}
	return drainBy
}

func vulnerableDrain(s Settings, at time.Time) time.Time {
	for _, iv := range s.Windows.Occurrences(at, at.Add(s.VulnerableWithin).Add(time.Nanosecond)) {
		if iv.Contains(at) && !at.Add(s.ExpectedDrain).After(iv.End) {
			return at
		}
		if !iv.Start.Before(at) {
			return iv.Start
		}
	}
	return at
}

func inWindow(ws Windows, t time.Time) bool {
	for _, iv := range ws.Occurrences(t, t.Add(time.Nanosecond)) {
		if iv.Contains(t) {
			return true
		}
	}
	return false
}

func nextWindow(ws Windows, now time.Time) Interval {
	if occ := ws.Occurrences(now, now.Add(nextWindowHorizon)); len(occ) > 0 {
		return occ[0]
	}
	return Interval{}
}
