package lifecycle

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Week is seven days; weekly windows repeat with it, counted from Sunday
// 00:00 UTC.
const Week = 7 * Day

// MaxCronWindow is the longest duration of one cron window occurrence.
const MaxCronWindow = Day

// maxOccurrences bounds the work of one Occurrences call per window.
const maxOccurrences = 100_000

// WindowConfig is one entry of `maintenanceWindows` as written: either a
// weekly range (`start` and `end`, like "sat 02:00") or a cron expression
// with a `duration`.
type WindowConfig struct {
	Start    string `yaml:"start,omitempty"`
	End      string `yaml:"end,omitempty"`
	Cron     string `yaml:"cron,omitempty"`
	Duration string `yaml:"duration,omitempty"`
}

// Interval is one occurrence of a maintenance window: [Start, End).
type Interval struct {
	Start time.Time
	End   time.Time
}

// Contains reports whether t lies in [Start, End).
func (iv Interval) Contains(t time.Time) bool {
	return !t.Before(iv.Start) && t.Before(iv.End)
}

// IsZero reports whether iv is the zero Interval (no window).
func (iv Interval) IsZero() bool { return iv.Start.IsZero() && iv.End.IsZero() }

// Window is a checked maintenance window. The zero Window never occurs.
type Window struct {
	text  string
	cron  cron.Schedule
	start time.Duration // weekly: offset of the start from Sunday 00:00 UTC
	dur   time.Duration
}

// String gives the window as it was configured.
func (w Window) String() string { return w.text }

// Duration is the length of one occurrence.
func (w Window) Duration() time.Duration { return w.dur }

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// ParseWindow checks one configured window. Its errors start with the name
// of the bad key (`start: ...`), for the caller to prefix with the path.
func ParseWindow(wc WindowConfig) (Window, error) {
	weekly := wc.Start != "" || wc.End != ""
	isCron := wc.Cron != "" || wc.Duration != ""
	switch {
	case weekly && isCron:
		return Window{}, fmt.Errorf("give either start and end (weekly) or cron and duration, not both")
	case weekly:
		return parseWeekly(wc.Start, wc.End)
	case isCron:
		return parseCron(wc.Cron, wc.Duration)
	}
	return Window{}, fmt.Errorf("empty window: give start and end (like \"sat 02:00\") or cron and duration")
}

func parseWeekly(start, end string) (Window, error) {
	if start == "" || end == "" {
		return Window{}, fmt.Errorf("a weekly window needs both start and end")
	}
	s, err := parseWeekTime(start)
	if err != nil {
		return Window{}, keyErrorf("start", "%w", err)
	}
	e, err := parseWeekTime(end)
	if err != nil {
		return Window{}, keyErrorf("end", "%w", err)
	}
	if s == e {
		return Window{}, keyErrorf("end", "%q is the same as start: the window would be empty", end)
	}
	dur := (e - s + Week) % Week // a range that wraps past Saturday night
	return Window{text: start + " - " + end, start: s, dur: dur}, nil
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday,
	"saturday": time.Saturday,
}

// parseWeekTime reads "sat 02:00" as an offset from Sunday 00:00 UTC.
func parseWeekTime(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("%q is not a weekday and UTC time like \"sat 02:00\"", s)
	}
	day, ok := weekdays[strings.ToLower(f[0])]
	if !ok {
		return 0, fmt.Errorf("%q: %q is not a weekday (sun, mon, tue, wed, thu, fri, sat)", s, f[0])
	}
	clock, err := parseClock(f[1])
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	return time.Duration(day)*Day + clock, nil
}

// parseClock reads "HH:MM" (24-hour, UTC).
func parseClock(s string) (time.Duration, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, errH := strconv.Atoi(hh)
	m, errM := strconv.Atoi(mm)
	if !ok || errH != nil || errM != nil || len(mm) != 2 || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, fmt.Errorf("%q is not a 24-hour time HH:MM from 00:00 to 23:59", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func parseCron(expr, duration string) (Window, error) {
	if expr == "" {
		return Window{}, keyErrorf("cron", "missing: a window with a duration needs a cron expression")
	}
	if duration == "" {
		return Window{}, keyErrorf("duration", "missing: a cron window needs a duration like 4h")
	}
	if strings.Contains(expr, "TZ=") {
		return Window{}, keyErrorf("cron", "%q sets a time zone: windows are in UTC, remove the TZ= prefix", expr)
	}
	sched, err := cronParser.Parse(expr)
	if err != nil {
		return Window{}, keyErrorf("cron", "%q is not a 5-field cron expression (minute hour day-of-month month day-of-week): %w", expr, err)
	}
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Window{}, keyErrorf("cron", "%q never matches a date", expr)
	}
	d, err := ParseDuration(duration)
	if err != nil {
		return Window{}, keyErrorf("duration", "%w", err)
	}
	if d < time.Minute || d > MaxCronWindow {
		return Window{}, keyErrorf("duration", "%s is outside 1m to %s", duration, FormatDuration(MaxCronWindow))
	}
	return Window{text: expr + " for " + duration, cron: sched, dur: d}, nil
}

// keyError is an error about one key of a window entry.
type keyError struct {
	key string
	err error
}

func (e *keyError) Error() string { return e.key + ": " + e.err.Error() }
func (e *keyError) Unwrap() error { return e.err }

func keyErrorf(key, format string, args ...any) error {
	return &keyError{key: key, err: fmt.Errorf(format, args...)}
}

// occurrences lists w's occurrences that overlap [from, to), by start.
func (w Window) occurrences(from, to time.Time) []Interval {
	switch {
	case w.cron != nil:
		return w.cronOccurrences(from, to)
	case w.dur > 0:
		return w.weeklyOccurrences(from, to)
	}
	return nil
}

func (w Window) weeklyOccurrences(from, to time.Time) []Interval {
	var out []Interval
	for week := weekStart(from).Add(-Week); week.Before(to); week = week.Add(Week) {
		iv := Interval{Start: week.Add(w.start), End: week.Add(w.start + w.dur)}
		if iv.End.After(from) && iv.Start.Before(to) {
			out = append(out, iv)
		}
	}
	return out
}

// weekStart is the Sunday 00:00 UTC at or before t.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return midnight.AddDate(0, 0, -int(t.Weekday()))
}

func (w Window) cronOccurrences(from, to time.Time) []Interval {
	var out []Interval
	// Next is strictly after t and walks second by second to :00; starting
	// each search at second :59 skips that walk (5-field specs match :00 only).
	t := from.UTC().Add(-w.dur).Truncate(time.Minute).Add(-time.Second)
	for range maxOccurrences {
		start := w.cron.Next(t)
		if start.IsZero() || !start.Before(to) {
			break
		}
		if end := start.Add(w.dur); end.After(from) {
			out = append(out, Interval{Start: start, End: end})
		}
		t = start.Add(time.Minute - time.Second)
	}
	return out
}

// Windows is the set of an instance's maintenance windows.
type Windows []Window

// Occurrences lists the occurrences of all windows that overlap [from, to),
// sorted by start, with overlapping or touching occurrences merged into one
// interval. An occurrence that began before from keeps its own start.
func (ws Windows) Occurrences(from, to time.Time) []Interval {
	var all []Interval
	for _, w := range ws {
		all = append(all, w.occurrences(from, to)...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Start.Before(all[j].Start) })
	return merge(all)
}

// merge joins sorted intervals that overlap or touch.
func merge(ivs []Interval) []Interval {
	var out []Interval
	for _, iv := range ivs {
		if n := len(out); n > 0 && !iv.Start.After(out[n-1].End) {
			if iv.End.After(out[n-1].End) {
				out[n-1].End = iv.End
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}
