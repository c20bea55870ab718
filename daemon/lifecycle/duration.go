package lifecycle

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours. Instance lifetimes count elapsed time, so a day is never
// shortened or lengthened by a leap second or a time zone.
const Day = 24 * time.Hour

// ParseDuration reads a duration in the configuration's friendly form: an
// optional whole number of days (`14d`) followed by anything Go's
// time.ParseDuration accepts (`36h`, `1d12h`, `90s`, `2h30m`). A bare
// number without a unit is an error, and so is a negative duration.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	days, rest, err := splitDays(s)
	if err != nil {
		return 0, err
	}
	var d time.Duration
	if rest != "" {
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, fmt.Errorf("%q is not a duration like 14d, 36h or 90s", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	if days > int64((1<<62)/Day) {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return time.Duration(days)*Day + d, nil
}

// splitDays takes a leading "<digits>d" off s.
func splitDays(s string) (int64, string, error) {
	i := strings.IndexByte(s, 'd')
	if i < 0 {
		return 0, s, nil
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n < 0 {
		return 0, "", fmt.Errorf("%q is not a duration like 14d, 36h or 90s", s)
	}
	return n, s[i+1:], nil
}

// FormatDuration writes d in the form ParseDuration reads, with whole days
// as `d` and without zero trailing units: 14d, 1d12h, 2h30m, 90s.
func FormatDuration(d time.Duration) string {
	days, rest := d/Day, d%Day
	out := ""
	if days > 0 {
		out = fmt.Sprintf("%dd", days)
		if rest == 0 {
			return out
		}
	}
	return out + trimZeroUnits(rest.String())
}

func trimZeroUnits(s string) string {
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
