package lifecycle

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fakeBoot is a BootSource whose wall clock and boot can be moved.
type fakeBoot struct {
	wall      time.Time
	sinceBoot time.Duration
	bootID    string
	err       error
}

func (f *fakeBoot) Wall() time.Time          { return f.wall }
func (f *fakeBoot) SinceBoot() time.Duration { return f.sinceBoot }
func (f *fakeBoot) BootID() (string, error)  { return f.bootID, f.err }

// advance moves true time by d: both clocks go on.
func (f *fakeBoot) advance(d time.Duration) { f.wall, f.sinceBoot = f.wall.Add(d), f.sinceBoot+d }

// reboot starts a new boot at the current wall time.
func (f *fakeBoot) reboot(id string) { f.bootID, f.sinceBoot = id, 0 }

func TestFirstBootRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	src := &fakeBoot{wall: at(t, "2026-11-01 00:10"), sinceBoot: 10 * time.Minute, bootID: "boot-1"}
	in, err := OpenInstance(dir, time.Time{}, src)
	if err != nil {
		t.Fatalf("OpenInstance: %v", err)
	}
	if in.Source != FromFirstBoot || !in.Launch.Equal(at(t, "2026-11-01 00:00")) {
		t.Errorf("launch %v from %s, want 2026-11-01 00:00 from first-boot", in.Launch, in.Source)
	}
	if got := in.Clock.Now(); !got.Equal(at(t, "2026-11-01 00:10")) {
		t.Errorf("Now = %v", got)
	}
	got, err := os.ReadFile(filepath.Join(dir, RecordFile))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "launch.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to write it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("record:\n%s\nwant:\n%s", got, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, RecordFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("record mode: %v, %v", fi.Mode(), err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestInstanceTimeAcrossRestartsAndReboots(t *testing.T) {
	dir := t.TempDir()
	src := &fakeBoot{wall: at(t, "2026-11-01 00:01"), sinceBoot: time.Minute, bootID: "boot-1"}
	mustOpen(t, dir, src)

	// The wall clock is set back five days; the daemon restarts in the same boot.
	src.advance(3 * Day)
	src.wall = src.wall.Add(-5 * Day)
	in := mustOpen(t, dir, src)
	if want := at(t, "2026-11-04 00:01"); !in.Clock.Now().Equal(want) || in.Source != FromRecord {
		t.Errorf("after a clock set back: now %v from %s, want %v from record", in.Clock.Now(), in.Source, want)
	}

	// The wall clock goes forward a year: instance time does not follow.
	src.wall = src.wall.AddDate(1, 0, 0)
	src.advance(time.Hour)
	if want := at(t, "2026-11-04 01:01"); !in.Clock.Now().Equal(want) {
		t.Errorf("after a clock set forward: now %v, want %v", in.Clock.Now(), want)
	}

	// A reboot with a correct wall clock: same launch, new anchor.
	src.wall = at(t, "2026-11-06 00:00")
	src.reboot("boot-2")
	src.advance(2 * time.Minute)
	in = mustOpen(t, dir, src)
	if !in.Launch.Equal(at(t, "2026-11-01 00:00")) || in.Record.Boots != 2 {
		t.Errorf("after a reboot: launch %v, boots %d", in.Launch, in.Record.Boots)
	}
	if want := at(t, "2026-11-06 00:02"); !in.Clock.Now().Equal(want) {
		t.Errorf("after a reboot: now %v, want %v", in.Clock.Now(), want)
	}

	// A reboot with the wall clock far in the past: never before the last
	// instance time the record saw (the start above).
	src.wall = at(t, "2020-01-01 00:00")
	src.reboot("boot-3")
	in = mustOpen(t, dir, src)
	if want := at(t, "2026-11-06 00:02"); !in.Record.BootTime.Equal(want) || !in.Clock.Now().Equal(want) {
		t.Errorf("after a reboot set back: boot time %v, now %v, want %v", in.Record.BootTime, in.Clock.Now(), want)
	}

	// Checkpoints move that floor on.
	src.advance(5 * time.Hour)
	if err := in.Checkpoint(); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	src.advance(3 * time.Minute)
	src.wall = at(t, "2020-01-01 00:00")
	src.reboot("boot-4")
	src.advance(time.Minute)
	in = mustOpen(t, dir, src)
	if want := at(t, "2026-11-06 05:02"); !in.Clock.Now().Equal(want) || in.Record.Boots != 4 {
		t.Errorf("after a checkpoint and a reboot set back: now %v, boots %d; want %v, 4", in.Clock.Now(), in.Record.Boots, want)
	}
}

func TestConfiguredLaunchWins(t *testing.T) {
	dir := t.TempDir()
	src := &fakeBoot{wall: at(t, "2026-11-03 00:00"), sinceBoot: time.Hour, bootID: "b"}
	in := mustOpenWith(t, dir, at(t, "2026-11-02 12:00"), src)
	if in.Source != FromConfig || !in.Launch.Equal(at(t, "2026-11-02 12:00")) {
		t.Errorf("launch %v from %s", in.Launch, in.Source)
	}
	if !in.Record.Launch.Equal(at(t, "2026-11-02 23:00")) {
		t.Errorf("the record keeps the first boot: %v", in.Record.Launch)
	}
}

func TestConfiguredLaunchAfterFirstBootIsRefused(t *testing.T) {
	dir := t.TempDir()
	src := &fakeBoot{wall: at(t, "2026-11-03 00:00"), sinceBoot: time.Hour, bootID: "b"}
	mustOpenWith(t, dir, at(t, "2026-11-03 00:00"), src) // 1 h after the first boot: clocks differ
	_, err := OpenInstance(dir, at(t, "2026-11-03 00:01"), src)
	if err == nil || !strings.Contains(err.Error(), "lifecycle.launchTime: 2026-11-03T00:01:00Z is later than this instance's first boot") {
		t.Errorf("OpenInstance with a launch after the first boot: %v", err)
	}
}

func TestCorruptRecord(t *testing.T) {
	tests := map[string]string{
		"empty":          "",
		"not json":       "launch: yesterday",
		"truncated":      `{"version": 1, "launch": "2026-11-01T00:00:00Z"`,
		"unknown field":  `{"version":1,"launch":"2026-11-01T00:00:00Z","bootID":"b","bootTime":"2026-11-01T00:00:00Z","boots":1,"x":1}`,
		"wrong version":  `{"version":2,"launch":"2026-11-01T00:00:00Z","bootID":"b","bootTime":"2026-11-01T00:00:00Z","boots":1}`,
		"no launch":      `{"version":1,"bootID":"b","bootTime":"2026-11-01T00:00:00Z","boots":1}`,
		"no boot id":     `{"version":1,"launch":"2026-11-01T00:00:00Z","bootTime":"2026-11-01T00:00:00Z","boots":1}`,
		"boot before":    `{"version":1,"launch":"2026-11-01T00:00:00Z","bootID":"b","bootTime":"2026-10-01T00:00:00Z","boots":1}`,
		"no boots":       `{"version":1,"launch":"2026-11-01T00:00:00Z","bootID":"b","bootTime":"2026-11-01T00:00:00Z","boots":0}`,
		"bad time":       `{"version":1,"launch":"yesterday","bootID":"b","bootTime":"2026-11-01T00:00:00Z","boots":1}`,
		"not an object":  `[1, 2]`,
		"binary garbage": "\x00\xff\x13",
		"seen before":    `{"version":1,"launch":"2026-11-01T00:00:00Z","bootID":"b","bootTime":"2026-11-01T00:00:00Z","boots":1,"lastSeen":"2026-10-01T00:00:00Z"}`,
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, RecordFile)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenInstance(dir, time.Time{}, &fakeBoot{wall: at(t, "2026-11-05 00:00"), bootID: "other"})
			if !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("OpenInstance error = %v, want ErrCorruptRecord", err)
			}
			if after, _ := os.ReadFile(path); string(after) != content {
				t.Errorf("the corrupt record was changed to %q", after)
			}
		})
	}
}

func TestOpenInstanceErrors(t *testing.T) {
	if _, err := OpenInstance(t.TempDir(), time.Time{}, &fakeBoot{err: errors.New("no proc")}); err == nil {
		t.Error("no error when the boot id is unreadable")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenInstance(filepath.Join(file, "state"), time.Time{}, &fakeBoot{bootID: "b", wall: at(t, "2026-11-01 00:00")}); err == nil {
		t.Error("no error when the state folder cannot be made")
	}
}

func TestSystemBoot(t *testing.T) {
	var sb SystemBoot
	id, err := sb.BootID()
	if err != nil || len(id) != 36 {
		t.Fatalf("BootID = %q, %v (needs Linux /proc)", id, err)
	}
	a := sb.SinceBoot()
	time.Sleep(10 * time.Millisecond)
	if b := sb.SinceBoot(); a <= 0 || b-a < 10*time.Millisecond {
		t.Errorf("CLOCK_BOOTTIME %v then %v", a, b)
	}
	clock := NewInstanceClock(sb.Wall().Add(-sb.SinceBoot()), sb)
	if d := clock.Now().Sub(time.Now()); d < -time.Second || d > time.Second {
		t.Errorf("instance time is %v off the wall clock right after start", d)
	}
}

func mustOpen(t *testing.T, dir string, src BootSource) Instance {
	t.Helper()
	return mustOpenWith(t, dir, time.Time{}, src)
}

func mustOpenWith(t *testing.T, dir string, launch time.Time, src BootSource) Instance {
	t.Helper()
	in, err := OpenInstance(dir, launch, src)
	if err != nil {
		t.Fatalf("OpenInstance: %v", err)
	}
	return in
}
