package lifecycle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDrainStateRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if d, err := LoadDrain(dir); d != nil || err != nil {
		t.Fatalf("LoadDrain with no file = %v, %v", d, err)
	}
	want := DrainState{At: at(t, "2026-11-05 10:00"), Reason: ReasonVulnerable, InWindow: true}
	if err := SaveDrain(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadDrain(dir)
	if err != nil || got == nil || *got != want {
		t.Errorf("LoadDrain = %v, %v; want %v", got, err, want)
	}
}

func TestLoadDrainBad(t *testing.T) {
	for name, content := range map[string]string{
		"not json":       "drain",
		"unknown field":  `{"at":"2026-11-05T10:00:00Z","reason":"schedule","inWindow":false,"x":1}`,
		"no time":        `{"reason":"schedule","inWindow":false}`,
		"unknown reason": `{"at":"2026-11-05T10:00:00Z","reason":"boredom","inWindow":false}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, DrainFile), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if d, err := LoadDrain(dir); err == nil || !strings.Contains(err.Error(), DrainFile) {
				t.Errorf("LoadDrain = %v, %v; want an error naming the file", d, err)
			}
		})
	}
}

func TestSchedulerRestoredDrainFiresAgainAndStays(t *testing.T) {
	clock := newFakeClock(at(t, "2026-11-06 00:00"))
	rec := newRecorder()
	restored := &DrainState{At: at(t, "2026-11-05 10:00"), Reason: ReasonOperator}
	s, err := NewScheduler(SchedulerOptions{Settings: DefaultSettings(), Launch: at(t, "2026-11-01 00:00"), Clock: clock,
		OnDrain: rec.onDrain, OnTerminate: rec.onTerminate, Drained: restored})
	if err != nil {
		t.Fatal(err)
	}
	s.Tick()
	p := s.Tick()
	if d, _ := rec.counts(); d != 1 || p.DrainReason != ReasonOperator || !p.DrainAt.Equal(restored.At) || p.Action != ActDrain {
		t.Errorf("%d drains, plan %+v; want the restored operator drain, once", d, p)
	}
	if p.Age != 5*Day {
		t.Errorf("Age = %v, want 5d", p.Age)
	}
	if got := p.Drain(); got != *restored {
		t.Errorf("Plan.Drain() = %v, want %v", got, *restored)
	}
}

func TestNewSchedulerRefusesUnresolvedSettings(t *testing.T) {
	f := func(Plan) {}
	_, err := NewScheduler(SchedulerOptions{Launch: at(t, "2026-11-01 00:00"), Clock: newFakeClock(time.Time{}), OnDrain: f, OnTerminate: f})
	if err == nil || !strings.Contains(err.Error(), "not resolved") {
		t.Errorf("NewScheduler with zero settings: %v", err)
	}
}
