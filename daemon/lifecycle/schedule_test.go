package lifecycle

import (
	"testing"
	"time"
)

type scheduleRow struct {
	name       string
	cfg        Config
	launch     string
	now        string
	vulnAt     string // "": not vulnerable; "now": reported now (zero time)
	opAt       string // "": no request; "now": asked now (zero time)
	wantDrain  string
	wantReason Reason
	wantIn     bool
	wantAction Action
}

// Launches on Sunday 2026-11-01 00:00 drain by Sunday 2026-11-15 00:00
// and terminate at Sunday 2026-11-22 00:00 with the defaults.
var scheduleRows = []scheduleRow{
	// Scheduled drains.
	{name: "no windows drains at the deadline", launch: "2026-11-01 00:00", now: "2026-11-02 00:00",
		wantDrain: "2026-11-15 00:00", wantReason: ReasonSchedule, wantAction: ActNothing},
	{name: "latest weekly window before the deadline", cfg: Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-14 02:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "window wrapping the week end", cfg: Config{MaintenanceWindows: wins(weekly("sat 23:00", "sun 01:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-14 23:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "window start leaving exactly the expected drain", cfg: Config{MaintenanceWindows: wins(weekly("sat 23:55", "sun 01:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-14 23:55", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "window start too close to the deadline falls back a week", cfg: Config{MaintenanceWindows: wins(weekly("sat 23:56", "sun 01:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-07 23:56", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "longer expected drain moves the window back", cfg: Config{ExpectedDrain: "3h", MaintenanceWindows: wins(weekly("sat 22:00", "sun 01:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-07 22:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "window starting at the launch counts", cfg: Config{MaintenanceWindows: wins(weekly("sun 00:00", "sun 02:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-08 00:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "window open before launch does not count", cfg: Config{DrainAfter: "1d", MaintenanceWindows: wins(weekly("sat 22:00", "sun 04:00"))},
		launch: "2026-11-01 01:00", now: "2026-11-01 02:00", wantDrain: "2026-11-02 01:00", wantReason: ReasonSchedule, wantAction: ActNothing},
	{name: "mid-week launch, same weekday window", cfg: Config{MaintenanceWindows: wins(weekly("wed 10:00", "wed 14:00"))},
		launch: "2026-11-04 12:00", now: "2026-11-05 00:00", wantDrain: "2026-11-18 10:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "only windows after the deadline", cfg: Config{DrainAfter: "1d", TerminateAfter: "2d", MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-01 12:00", wantDrain: "2026-11-02 00:00", wantReason: ReasonSchedule, wantAction: ActNothing},
	{name: "cron weekly window", cfg: Config{MaintenanceWindows: wins(cronw("0 3 * * 2", "4h"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-10 03:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "cron every six hours", cfg: Config{MaintenanceWindows: wins(cronw("0 */6 * * *", "1h"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-14 18:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "cron in the EC2 form merges to one window", cfg: Config{MaintenanceWindows: wins(cronw("* 21-23 * * 5", "1m"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-13 21:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "several windows, the latest wins", cfg: Config{MaintenanceWindows: wins(weekly("mon 01:00", "mon 03:00"), cronw("30 4 * * 6", "2h"))},
		launch: "2026-11-01 00:00", now: "2026-11-02 00:00", wantDrain: "2026-11-14 04:30", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "odd launch time keeps exact offsets", cfg: Config{DrainAfter: "36h", MaintenanceWindows: wins(cronw("15 * * * *", "10m"))},
		launch: "2026-11-03 07:42", now: "2026-11-03 08:00", wantDrain: "2026-11-04 19:15", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	// Actions over time.
	{name: "at the drain time", cfg: Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-14 02:00", wantDrain: "2026-11-14 02:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActDrain},
	{name: "a minute before the drain", cfg: Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-14 01:59", wantDrain: "2026-11-14 02:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "after the drain, before termination", launch: "2026-11-01 00:00", now: "2026-11-20 00:00",
		wantDrain: "2026-11-15 00:00", wantReason: ReasonSchedule, wantAction: ActDrain},
	{name: "at termination", launch: "2026-11-01 00:00", now: "2026-11-22 00:00",
		wantDrain: "2026-11-15 00:00", wantReason: ReasonSchedule, wantAction: ActTerminate},
	{name: "long after termination", launch: "2026-11-01 00:00", now: "2027-01-01 00:00",
		wantDrain: "2026-11-15 00:00", wantReason: ReasonSchedule, wantAction: ActTerminate},
	{name: "terminate equal to drain", cfg: Config{DrainAfter: "10d", TerminateAfter: "10d"}, launch: "2026-11-01 00:00", now: "2026-11-11 00:00",
		wantDrain: "2026-11-11 00:00", wantReason: ReasonSchedule, wantAction: ActTerminate},
	// Clocks set back: the plan depends on the launch only.
	{name: "now set back before the launch", cfg: Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-10-01 00:00", wantDrain: "2026-11-14 02:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActNothing},
	{name: "now set back by years", launch: "2026-11-01 00:00", now: "1970-01-01 00:00",
		wantDrain: "2026-11-15 00:00", wantReason: ReasonSchedule, wantAction: ActNothing},
	{name: "now set forward by years", launch: "2026-11-01 00:00", now: "2036-01-01 00:00",
		wantDrain: "2026-11-15 00:00", wantReason: ReasonSchedule, wantAction: ActTerminate},
	// Vulnerable.
	{name: "vulnerable waits for a window within a day", cfg: Config{MaintenanceWindows: wins(weekly("fri 02:00", "fri 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-05 10:00", vulnAt: "2026-11-05 10:00", wantDrain: "2026-11-06 02:00", wantReason: ReasonVulnerable, wantIn: true, wantAction: ActNothing},
	{name: "vulnerable with no window within a day drains at once", cfg: Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-05 10:00", vulnAt: "2026-11-05 10:00", wantDrain: "2026-11-05 10:00", wantReason: ReasonVulnerable, wantAction: ActDrain},
	{name: "vulnerable with no windows drains at once", launch: "2026-11-01 00:00", now: "2026-11-05 10:00", vulnAt: "2026-11-05 10:00",
		wantDrain: "2026-11-05 10:00", wantReason: ReasonVulnerable, wantAction: ActDrain},
	{name: "vulnerable inside an open window drains at once", cfg: Config{MaintenanceWindows: wins(weekly("fri 02:00", "fri 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-06 03:00", vulnAt: "2026-11-06 03:00", wantDrain: "2026-11-06 03:00", wantReason: ReasonVulnerable, wantIn: true, wantAction: ActDrain},
	{name: "vulnerable at the end of a window, next too far", cfg: Config{MaintenanceWindows: wins(weekly("fri 02:00", "fri 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-06 05:58", vulnAt: "2026-11-06 05:58", wantDrain: "2026-11-06 05:58", wantReason: ReasonVulnerable, wantIn: true, wantAction: ActDrain},
	{name: "vulnerable at the end of a window, next one soon", cfg: Config{MaintenanceWindows: wins(cronw("0 2 * * *", "4h"))},
		launch: "2026-11-01 00:00", now: "2026-11-06 05:58", vulnAt: "2026-11-06 05:58", wantDrain: "2026-11-07 02:00", wantReason: ReasonVulnerable, wantIn: true, wantAction: ActNothing},
	{name: "vulnerable window exactly a day away", cfg: Config{MaintenanceWindows: wins(weekly("fri 10:00", "fri 12:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-05 10:00", vulnAt: "2026-11-05 10:00", wantDrain: "2026-11-06 10:00", wantReason: ReasonVulnerable, wantIn: true, wantAction: ActNothing},
	{name: "vulnerable window a minute more than a day away", cfg: Config{MaintenanceWindows: wins(weekly("fri 10:01", "fri 12:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-05 10:00", vulnAt: "2026-11-05 10:00", wantDrain: "2026-11-05 10:00", wantReason: ReasonVulnerable, wantAction: ActDrain},
	{name: "vulnerableWithin 0 drains at the report", cfg: Config{VulnerableWithin: "0s", MaintenanceWindows: wins(weekly("thu 11:00", "thu 12:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-05 10:30", vulnAt: "2026-11-05 10:00", wantDrain: "2026-11-05 10:00", wantReason: ReasonVulnerable, wantAction: ActDrain},
	{name: "vulnerable reported earlier, now later", cfg: Config{MaintenanceWindows: wins(weekly("fri 02:00", "fri 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-06 04:00", vulnAt: "2026-11-05 10:00", wantDrain: "2026-11-06 02:00", wantReason: ReasonVulnerable, wantIn: true, wantAction: ActDrain},
	{name: "vulnerable reported now (zero time)", cfg: Config{MaintenanceWindows: wins(weekly("fri 02:00", "fri 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-05 10:00", vulnAt: "now", wantDrain: "2026-11-06 02:00", wantReason: ReasonVulnerable, wantIn: true, wantAction: ActNothing},
	{name: "vulnerable same window as the schedule", cfg: Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-14 01:00", vulnAt: "2026-11-14 01:00", wantDrain: "2026-11-14 02:00", wantReason: ReasonVulnerable, wantIn: true, wantAction: ActNothing},
	{name: "vulnerable after the scheduled drain keeps the schedule", cfg: Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-14 05:00", vulnAt: "2026-11-14 05:00", wantDrain: "2026-11-14 02:00", wantReason: ReasonSchedule, wantIn: true, wantAction: ActDrain},
	{name: "vulnerable after termination", launch: "2026-11-01 00:00", now: "2026-11-23 00:00", vulnAt: "2026-11-23 00:00",
		wantDrain: "2026-11-15 00:00", wantReason: ReasonSchedule, wantAction: ActTerminate},
	// Operator.
	{name: "operator drains now", cfg: Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-03 12:00", opAt: "now", wantDrain: "2026-11-03 12:00", wantReason: ReasonOperator, wantAction: ActDrain},
	{name: "operator request kept at its time", launch: "2026-11-01 00:00", now: "2026-11-04 00:00", opAt: "2026-11-03 12:00",
		wantDrain: "2026-11-03 12:00", wantReason: ReasonOperator, wantAction: ActDrain},
	{name: "operator inside a window", cfg: Config{MaintenanceWindows: wins(weekly("tue 11:00", "tue 13:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-03 12:00", opAt: "now", wantDrain: "2026-11-03 12:00", wantReason: ReasonOperator, wantIn: true, wantAction: ActDrain},
	{name: "operator after a vulnerable drain keeps the earlier", launch: "2026-11-01 00:00", now: "2026-11-05 00:00",
		vulnAt: "2026-11-04 00:00", opAt: "2026-11-04 12:00", wantDrain: "2026-11-04 00:00", wantReason: ReasonVulnerable, wantAction: ActDrain},
	{name: "operator before a vulnerable window", cfg: Config{MaintenanceWindows: wins(weekly("fri 02:00", "fri 06:00"))},
		launch: "2026-11-01 00:00", now: "2026-11-05 12:00", vulnAt: "2026-11-05 10:00", opAt: "2026-11-05 12:00",
		wantDrain: "2026-11-05 12:00", wantReason: ReasonOperator, wantAction: ActDrain},
	{name: "operator after the scheduled drain", launch: "2026-11-01 00:00", now: "2026-11-16 00:00", opAt: "now",
		wantDrain: "2026-11-15 00:00", wantReason: ReasonSchedule, wantAction: ActDrain},
}

func TestSchedule(t *testing.T) {
	for _, tt := range scheduleRows {
		t.Run(tt.name, func(t *testing.T) {
			s := settings(t, tt.cfg)
			in := Inputs{Launch: at(t, tt.launch), Now: at(t, tt.now)}
			if tt.vulnAt != "" {
				in.Vulnerable, in.VulnerableAt = true, atOrZero(t, tt.vulnAt)
			}
			if tt.opAt != "" {
				in.OperatorDrain, in.OperatorAt = true, atOrZero(t, tt.opAt)
			}
			p := Schedule(s, in)
			if !p.DrainAt.Equal(at(t, tt.wantDrain)) || p.DrainReason != tt.wantReason {
				t.Errorf("drain %v (%s), want %s (%s)", p.DrainAt, p.DrainReason, tt.wantDrain, tt.wantReason)
			}
			if p.DrainInWindow != tt.wantIn {
				t.Errorf("DrainInWindow = %v, want %v", p.DrainInWindow, tt.wantIn)
			}
			if p.Action != tt.wantAction {
				t.Errorf("Action = %s, want %s", p.Action, tt.wantAction)
			}
			if want := in.Launch.Add(s.TerminateAfter); !p.TerminateAt.Equal(want) {
				t.Errorf("TerminateAt = %v, want %v", p.TerminateAt, want)
			}
			if want := in.Launch.Add(s.DrainAfter); !p.DrainBy.Equal(want) || p.DrainAt.After(want) {
				t.Errorf("DrainBy = %v, DrainAt %v, want DrainBy %v and DrainAt not after it", p.DrainBy, p.DrainAt, want)
			}
		})
	}
}

func atOrZero(t *testing.T, s string) time.Time {
	if s == "now" {
		return time.Time{}
	}
	return at(t, s)
}

func TestScheduleNextWindow(t *testing.T) {
	tests := []struct {
		name       string
		windows    []WindowConfig
		now        string
		start, end string // "" for none
	}{
		{"upcoming", wins(weekly("sat 02:00", "sat 06:00")), "2026-11-05 10:00", "2026-11-07 02:00", "2026-11-07 06:00"},
		{"open now", wins(weekly("sat 02:00", "sat 06:00")), "2026-11-07 03:00", "2026-11-07 02:00", "2026-11-07 06:00"},
		{"open now across the week end", wins(weekly("sat 23:00", "sun 01:00")), "2026-11-08 00:30", "2026-11-07 23:00", "2026-11-08 01:00"},
		{"just closed gives next week", wins(weekly("sat 02:00", "sat 06:00")), "2026-11-07 06:00", "2026-11-14 02:00", "2026-11-14 06:00"},
		{"earliest of several", wins(cronw("0 1 * * *", "1h"), weekly("thu 12:00", "thu 13:00")), "2026-11-05 10:00", "2026-11-05 12:00", "2026-11-05 13:00"},
		{"monthly cron beyond the horizon", wins(cronw("0 0 1 * *", "2h")), "2026-11-05 10:00", "", ""},
		{"no windows", nil, "2026-11-05 10:00", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings(t, Config{MaintenanceWindows: tt.windows})
			p := Schedule(s, Inputs{Launch: at(t, "2026-11-01 00:00"), Now: at(t, tt.now)})
			want := Interval{Start: at(t, tt.start), End: at(t, tt.end)}
			if !p.NextWindow.Start.Equal(want.Start) || !p.NextWindow.End.Equal(want.End) {
				t.Errorf("NextWindow = %v, want %v", p.NextWindow, want)
			}
		})
	}
}
