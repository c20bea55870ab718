package lifecycle

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "14d", want: 14 * Day},
		{in: "36h", want: 36 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "0d", want: 0},
		{in: " 90s ", want: 90 * time.Second},
		{in: "2h30m", want: 150 * time.Minute},
		{in: "1d1m30s", want: Day + 90*time.Second},
		{in: "", bad: true},
		{in: "14", bad: true},
		{in: "d", bad: true},
		{in: "-1d", bad: true},
		{in: "-5m", bad: true},
		{in: "1.5d", bad: true},
		{in: "14 days", bad: true},
		{in: "1w", bad: true},
		{in: "1d-2h", bad: true},
		{in: "99999999999999d", bad: true},
		{in: "abc", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{14 * Day, "14d"},
		{36 * time.Hour, "1d12h"},
		{2 * time.Hour, "2h"},
		{150 * time.Minute, "2h30m"},
		{30 * time.Second, "30s"},
		{Day + time.Hour + 30*time.Second, "1d1h0m30s"},
		{0, "0s"},
	}
	for _, tt := range tests {
		got := FormatDuration(tt.in)
		if got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := ParseDuration(got); err != nil || back != tt.in {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", tt.in, back, err)
		}
	}
}
