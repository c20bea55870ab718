//go:build vmtest

package bpf

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

func allRows() []row {
	var rows []row
	rows = append(rows, rootRows...)
	rows = append(rows, execRows()...)
	rows = append(rows, capsRows...)
	return append(rows, tamperRows...)
}

// TestRulesEnforce runs every row with all four families enforcing: the
// bypass gets EPERM or EACCES and exactly one denial event of its rule,
// and its counterpart works.
func TestRulesEnforce(t *testing.T) {
	requireVM(t)
	rows := allRows()
	f, rd := startPass(t, "enforce", ModeEnforce, rows)
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			drain(rd)
			err := r.deny(f, filepath.Join(f.P, r.name))
			if !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EACCES) {
				t.Errorf("bypass: %v, want EPERM or EACCES", err)
			}
			evs := matching(readEvents(rd), r.rule, ActionDenied)
			if len(evs) != 1 {
				drops, _ := f.e.Drops()
				t.Errorf("bypass: %d denial events of rule %v, want exactly 1 (%+v, drops %+v)", len(evs), r.rule, evs, drops)
			} else {
				ev := evs[0]
				t.Logf("event: %v %v comm=%s name=%q arg=%d cgroup=%d", ev.Rule, ev.Hook, ev.Comm, ev.Name, ev.Arg, ev.CgroupID)
			}
			if r.allow == nil {
				return
			}
			if err := r.allow(f, filepath.Join(f.P, r.name)); err != nil {
				t.Errorf("counterpart: %v, want success", err)
			}
		})
	}
	t.Run("ps-reads-daemon-stat", func(t *testing.T) { psReadsDaemon(t, f, rd) })
}

// psReadsDaemon: ps and top read /proc/PID/stat, whose kernel-side
// ptrace probe (PTRACE_MODE_NOAUDIT) the tamper family refuses without
// an event; otherwise every ps would be reported as an attack on moatd.
func psReadsDaemon(t *testing.T, f *fixture, rd *Reader) {
	drain(rd)
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(f.victimPID()), "stat"))
	if err != nil || len(b) == 0 {
		t.Fatalf("read the daemon's /proc stat: %v", err)
	}
	if evs := matching(readEvents(rd), RuleTamperPtrace, ActionDenied); len(evs) != 0 {
		t.Errorf("reading /proc/%d/stat gave %d ptrace denial events, want none: %+v", f.victimPID(), len(evs), evs)
	}
}

// TestRulesAudit runs every bypass with all families in audit mode: the
// kernel lets it through and reports it.
func TestRulesAudit(t *testing.T) {
	requireVM(t)
	rows := allRows()
	f, rd := startPass(t, "audit", ModeAudit, rows)
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			drain(rd)
			err := r.deny(f, filepath.Join(f.P, r.name))
			if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
				t.Errorf("bypass in audit mode: %v, want it let through", err)
			}
			if len(matching(readEvents(rd), r.rule, ActionAudited)) < 1 {
				drops, _ := f.e.Drops()
				t.Errorf("bypass in audit mode: no audit event of rule %v (drops %+v)", r.rule, drops)
			}
		})
	}
}

// startPass builds the fixture, loads every family in mode and makes a
// victim helper the daemon; cleanup reclaims and removes everything.
func startPass(t *testing.T, name string, mode Mode, rows []row) (*fixture, *Reader) {
	t.Helper()
	f := newFixture(t, name, rows)
	cfg, err := f.config(mode)
	must(t, err)
	f.e = load(t, cfg)
	checkPins(t, cfg)
	rd, err := f.e.Events()
	must(t, err)
	f.startVictim(t)
	t.Cleanup(func() {
		rd.Close()
		f.reclaim(t)
		if err := f.e.Remove(); err != nil {
			t.Errorf("remove: %v", err)
		}
	})
	return f, rd
}

func drain(rd *Reader) { readEvents(rd) }

func readEvents(rd *Reader) []Event {
	var out []Event
	// Programs submit before the syscall returns: what is due is there.
	rd.SetDeadline(time.Now())
	for {
		e, err := rd.Read()
		if err != nil {
			return out
		}
		out = append(out, e)
	}
}

func matching(evs []Event, rule Rule, action Action) []Event {
	var out []Event
	for _, e := range evs {
		if e.Rule == rule && e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// checkPins finds the documented layout: a link per program of a family
// that is on, and every map, under DefaultPinDir.
func checkPins(t *testing.T, cfg Config) {
	t.Helper()
	spec, err := loadMoat()
	must(t, err)
	for name := range spec.Programs {
		_, err := os.Stat(filepath.Join(DefaultPinDir, "links", name))
		if cfg.wanted(name) != (err == nil) {
			t.Errorf("links/%s: %v, want pinned=%v", name, err, cfg.wanted(name))
		}
	}
	for name, m := range spec.Maps {
		if m.Pinning == ebpf.PinByName {
			if _, err := os.Stat(filepath.Join(DefaultPinDir, "maps", name)); err != nil {
				t.Errorf("maps/%s: %v", name, err)
			}
		}
	}
}
