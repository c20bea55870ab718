package lifecycle

import (
	"testing"
	"time"
)

// at reads "2006-01-02 15:04" (UTC); "" gives the zero time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

// settings resolves c or fails the test.
func settings(t testing.TB, c Config) Settings {
	t.Helper()
	s, err := c.Resolve()
	if err != nil {
		t.Fatalf("resolve %+v: %v", c, err)
	}
	return s
}

func weekly(start, end string) WindowConfig { return WindowConfig{Start: start, End: end} }

func cronw(expr, d string) WindowConfig { return WindowConfig{Cron: expr, Duration: d} }

func wins(ws ...WindowConfig) []WindowConfig { return ws }
