package lifecycle

import (
	"testing"
	"time"
)

func TestOccurrences(t *testing.T) {
	// 2026-11-01 is a Sunday.
	tests := []struct {
		name     string
		windows  []WindowConfig
		from, to string
		want     [][2]string
	}{
		{"weekly saturday", wins(weekly("sat 02:00", "sat 06:00")), "2026-11-01 00:00", "2026-11-15 00:00",
			[][2]string{{"2026-11-07 02:00", "2026-11-07 06:00"}, {"2026-11-14 02:00", "2026-11-14 06:00"}}},
		{"weekly wraps across the week end", wins(weekly("sat 23:00", "sun 01:00")), "2026-11-01 00:00", "2026-11-09 00:00",
			[][2]string{{"2026-10-31 23:00", "2026-11-01 01:00"}, {"2026-11-07 23:00", "2026-11-08 01:00"}}},
		{"weekly wraps over most of the week", wins(weekly("fri 00:00", "thu 00:00")), "2026-11-05 12:00", "2026-11-07 00:00",
			[][2]string{{"2026-11-06 00:00", "2026-11-12 00:00"}}},
		{"weekly open at from", wins(weekly("mon 01:00", "mon 03:00")), "2026-11-02 02:00", "2026-11-03 00:00",
			[][2]string{{"2026-11-02 01:00", "2026-11-02 03:00"}}},
		{"weekly ending at from is not listed", wins(weekly("mon 01:00", "mon 03:00")), "2026-11-02 03:00", "2026-11-03 00:00", nil},
		{"weekly starting at to is not listed", wins(weekly("mon 01:00", "mon 03:00")), "2026-11-01 00:00", "2026-11-02 01:00", nil},
		{"full weekday names and case", wins(weekly("Tuesday 10:30", "TUE 11:00")), "2026-11-01 00:00", "2026-11-08 00:00",
			[][2]string{{"2026-11-03 10:30", "2026-11-03 11:00"}}},
		{"cron tuesday", wins(cronw("0 3 * * 2", "4h")), "2026-11-01 00:00", "2026-11-15 00:00",
			[][2]string{{"2026-11-03 03:00", "2026-11-03 07:00"}, {"2026-11-10 03:00", "2026-11-10 07:00"}}},
		{"cron open at from", wins(cronw("0 22 * * *", "4h")), "2026-11-02 01:00", "2026-11-02 12:00",
			[][2]string{{"2026-11-01 22:00", "2026-11-02 02:00"}}},
		{"cron every minute merges (EC2 form)", wins(cronw("* 21-23 * * 5", "1m")), "2026-11-01 00:00", "2026-11-08 00:00",
			[][2]string{{"2026-11-06 21:00", "2026-11-07 00:00"}}},
		{"cron overlapping occurrences merge", wins(cronw("0 */2 * * *", "3h")), "2026-11-01 00:00", "2026-11-01 05:00",
			[][2]string{{"2026-10-31 22:00", "2026-11-01 07:00"}}},
		{"cron first of month", wins(cronw("0 0 1 * *", "2h")), "2026-11-01 00:00", "2026-12-31 00:00",
			[][2]string{{"2026-11-01 00:00", "2026-11-01 02:00"}, {"2026-12-01 00:00", "2026-12-01 02:00"}}},
		{"two windows sorted and touching ones merged", wins(weekly("wed 04:00", "wed 06:00"), cronw("0 2 * * 3", "2h"), weekly("mon 01:00", "mon 02:00")),
			"2026-11-01 00:00", "2026-11-08 00:00",
			[][2]string{{"2026-11-02 01:00", "2026-11-02 02:00"}, {"2026-11-04 02:00", "2026-11-04 06:00"}}},
		{"no windows", nil, "2026-11-01 00:00", "2026-12-01 00:00", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings(t, Config{MaintenanceWindows: tt.windows})
			got := s.Windows.Occurrences(at(t, tt.from), at(t, tt.to))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d occurrences %v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if !got[i].Start.Equal(at(t, w[0])) || !got[i].End.Equal(at(t, w[1])) {
					t.Errorf("occurrence %d = %v - %v, want %s - %s", i, got[i].Start, got[i].End, w[0], w[1])
				}
			}
		})
	}
}

func TestWindowString(t *testing.T) {
	s := settings(t, Config{MaintenanceWindows: wins(weekly("sat 02:00", "sat 06:00"), cronw("0 3 * * 2", "4h"))})
	if got := s.Windows[0].String(); got != "sat 02:00 - sat 06:00" {
		t.Errorf("weekly String() = %q", got)
	}
	if got := s.Windows[1].String(); got != "0 3 * * 2 for 4h" {
		t.Errorf("cron String() = %q", got)
	}
}

func TestIntervalContains(t *testing.T) {
	iv := Interval{Start: at(t, "2026-11-01 02:00"), End: at(t, "2026-11-01 04:00")}
	for s, want := range map[string]bool{
		"2026-11-01 01:59": false, "2026-11-01 02:00": true, "2026-11-01 03:59": true, "2026-11-01 04:00": false,
	} {
		if got := iv.Contains(at(t, s)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", s, got, want)
		}
	}
	if iv.IsZero() || !(Interval{}).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestWeekStartIsSundayMidnightUTC(t *testing.T) {
	loc := time.FixedZone("east", 10*3600)
	// Monday 05:00 at +10:00 is Sunday 19:00 UTC.
	got := weekStart(time.Date(2026, 11, 2, 5, 0, 0, 0, loc))
	if want := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("weekStart = %v, want %v", got, want)
	}
}
