//go:build vmtest

package bpf

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLoadPinsAndRemoves loads every family, finds the documented pin
// layout, and removes it.
func TestLoadPinsAndRemoves(t *testing.T) {
	requireVM(t)
	e := load(t, Config{Root: ModeAudit, Exec: ModeAudit, Caps: ModeAudit, Tamper: ModeAudit, Protected: []string{"/"}})
	for _, p := range []string{"links/moat_file_open", "links/moat_capable", "links/moat_task_free", "maps/moat_events", "maps/moat_containers"} {
		if _, err := os.Stat(filepath.Join(DefaultPinDir, p)); err != nil {
			t.Errorf("pin %s: %v", p, err)
		}
	}
	if err := e.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(DefaultPinDir); !os.IsNotExist(err) {
		t.Errorf("after Remove, %s: %v, want not exist", DefaultPinDir, err)
	}
}

func load(t *testing.T, cfg Config) *Enforcer {
	t.Helper()
	e, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
