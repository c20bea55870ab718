//go:build vmtest

package vm

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/moat-sh/moat/bench/sample"
	"github.com/moat-sh/moat/bpf"
)

// moatRules is moat's real rule set, every family enforcing, with the
// default denylist resolved in the VM; no operation of Ops is denied.
// Like Empty, and like moatd at boot, it is loaded once (bpf.Load: its
// maps and their rules); Apply attaches its programs and Revert
// detaches them.
type moatRules struct {
	hooks
	enf *bpf.Enforcer
}

func (m *moatRules) Name() string { return "moat" }

// loadMoat loads moat's rule set, then takes its programs out of the
// links Load pinned and unpins those, which detaches them: the programs
// stay loaded, held by m, and the maps stay pinned.
func loadMoat(cfg bpf.Config) (*moatRules, error) {
	enf, err := bpf.Load(cfg)
	if err != nil {
		return nil, err
	}
	m := &moatRules{enf: enf}
	links := filepath.Join(cmp.Or(cfg.PinDir, bpf.DefaultPinDir), "links") // docs/bpf.md's layout
	m.progs, err = unpinPrograms(links)
	if err != nil {
		return nil, errors.Join(err, m.Close())
	}
	return m, nil
}

// Close detaches and unloads the programs and removes the pins.
func (m *moatRules) Close() error {
	errs := []error{m.Revert()}
	for _, p := range m.progs {
		errs = append(errs, p.Close())
	}
	return errors.Join(append(errs, m.enf.Remove())...)
}

// unpinPrograms returns the program behind every link pinned in dir, by
// pin name, and removes the pins.
func unpinPrograms(dir string) (map[string]*ebpf.Program, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("no link pinned in %s", dir)
	}
	progs := map[string]*ebpf.Program{}
	for _, ent := range entries {
		pin := filepath.Join(dir, ent.Name())
		p, err := linkedProgram(pin)
		if err != nil {
			return progs, err
		}
		progs[ent.Name()] = p
		if err := os.Remove(pin); err != nil {
			return progs, fmt.Errorf("unpin %s: %w", pin, err)
		}
	}
	return progs, nil
}

func linkedProgram(pin string) (*ebpf.Program, error) {
	l, err := link.LoadPinnedLink(pin, nil)
	if err != nil {
		return nil, fmt.Errorf("open link %s: %w", pin, err)
	}
	defer l.Close()
	info, err := l.Info()
	if err != nil {
		return nil, fmt.Errorf("link %s: %w", pin, err)
	}
	p, err := ebpf.NewProgramFromID(info.Program)
	if err != nil {
		return nil, fmt.Errorf("program %d of %s: %w", info.Program, pin, err)
	}
	return p, nil
}

// moatConfigs returns moat's rule set as a configuration, after printing
// the memory of its maps; the test's cleanup removes it.
func moatConfigs(t *testing.T) []Config {
	t.Helper()
	deny, err := bpf.FindPrograms([]string{"/bin", "/sbin", "/usr/bin", "/usr/sbin"}, bpf.DefaultDenyNames)
	if err != nil {
		t.Fatal(err)
	}
	m, err := loadMoat(bpf.Config{Root: bpf.ModeEnforce, Exec: bpf.ModeEnforce, Caps: bpf.ModeEnforce,
		Tamper: bpf.ModeEnforce, Protected: []string{"/"}, ExecDeny: deny})
	if err != nil {
		t.Fatalf("load moat: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("remove moat: %v", err)
		}
	})
	bytes, maps, err := MapMemory("moat_")
	switch {
	case err != nil:
		t.Fatal(err)
	case maps == 0:
		t.Fatal("moat is loaded and no map is named moat_*")
	}
	emit(t, "mapmem", sample.MapMem{Config: "moat", Bytes: bytes, Maps: maps})
	return []Config{m}
}
