//go:build vmtest

package bpf

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRateLimit: a storm of denials of one rule yields at most
// rate_per_sec events per CPU; the rest are counted as drops, and the
// denials themselves all hold.
func TestRateLimit(t *testing.T) {
	requireVM(t)
	dir := "/mnt/storm"
	must(t, os.MkdirAll(dir, 0o755))
	must(t, unix.Mount("none", dir, "tmpfs", 0, ""))
	defer unix.Unmount(dir, unix.MNT_DETACH)
	file := filepath.Join(dir, "f")
	must(t, os.WriteFile(file, []byte("x"), 0o644))

	const rate, storm = 5, 200
	e := load(t, Config{Root: ModeEnforce, Protected: []string{dir}, RatePerSec: rate})
	defer func() { must(t, e.Remove()) }()
	rd, err := e.Events()
	must(t, err)
	defer rd.Close()
	for i := 0; i < storm; i++ {
		if err := openFlags(file, unix.O_WRONLY); !errors.Is(err, unix.EPERM) {
			t.Fatalf("denial %d: %v, want EPERM", i, err)
		}
	}
	evs := readEvents(rd)
	events := len(evs)
	if events > 0 {
		checkEvent(t, evs[0], file)
	}
	drops, err := e.Drops()
	must(t, err)
	max := rate * runtime.NumCPU() * 2 // a storm may straddle two windows
	if events < 1 || events > max {
		t.Errorf("%d events from %d denials, want 1..%d", events, storm, max)
	}
	if drops.RateLimited+uint64(events) != storm || drops.RingFull != 0 {
		t.Errorf("drops %+v and %d events, want them to add up to %d", drops, events, storm)
	}
	t.Logf("%d denials: %d events, %d rate-limited", storm, events, drops.RateLimited)
}

// checkEvent checks what the kernel filled in for a write denial of path.
func checkEvent(t *testing.T, ev Event, path string) {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Stat(path, &st))
	if ev.Rule != RuleRootWrite || ev.Hook.String() != "file_open" || ev.Action != ActionDenied ||
		ev.Name != "/f" || ev.TargetIno != st.Ino || ev.TargetDev != kernelDev(st.Dev) ||
		ev.TGID != uint32(os.Getpid()) || ev.UID != 0 || ev.Comm == "" || ev.CgroupID == 0 ||
		time.Since(ev.Time).Abs() > time.Minute {
		t.Errorf("event %+v: want a file_open denial of %s (fs-relative /f) by this process", ev, path)
	}
}
