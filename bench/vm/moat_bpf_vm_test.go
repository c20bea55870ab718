//go:build vmtest

package vm

import (
	"testing"

	"github.com/moat-sh/moat/bench/sample"
	"github.com/moat-sh/moat/bpf"
)

// moatRules is moat's real rule set, every family enforcing, with the
// default denylist resolved in the VM; no operation of Ops is denied.
type moatRules struct {
	cfg bpf.Config
	enf *bpf.Enforcer
}

func (m *moatRules) Name() string { return "moat" }

func (m *moatRules) Apply() error {
	enf, err := bpf.Load(m.cfg)
	if err != nil {
		return err
	}
	m.enf = enf
	return nil
}

func (m *moatRules) Revert() error {
	if m.enf == nil {
		return nil
	}
	err := m.enf.Remove()
	m.enf = nil
	return err
}

// moatConfigs returns moat's rule set as a configuration, after printing
// the memory of its maps once loaded.
func moatConfigs(t *testing.T) []Config {
	t.Helper()
	deny, err := bpf.FindPrograms([]string{"/bin", "/sbin", "/usr/bin", "/usr/sbin"}, bpf.DefaultDenyNames)
	if err != nil {
		t.Fatal(err)
	}
	m := &moatRules{cfg: bpf.Config{Root: bpf.ModeEnforce, Exec: bpf.ModeEnforce, Caps: bpf.ModeEnforce,
		Tamper: bpf.ModeEnforce, Protected: []string{"/"}, ExecDeny: deny}}
	if err := m.Apply(); err != nil {
		t.Fatalf("load moat: %v", err)
	}
	bytes, maps, err := MapMemory("moat_")
	switch {
	case err != nil:
		t.Fatal(err)
	case maps == 0:
		t.Fatal("moat is loaded and no map is named moat_*")
	}
	if err := m.Revert(); err != nil {
		t.Fatal(err)
	}
	emit(t, "mapmem", sample.MapMem{Config: "moat", Bytes: bytes, Maps: maps})
	return []Config{m}
}
