package main

import (
	"testing"
	"time"
)

func TestWeekTime(t *testing.T) {
	for _, tt := range []struct {
		at   string
		want string
	}{
		{"2026-11-28T09:51:00Z", "sat 09:51"},
		{"2026-11-29T23:05:00Z", "sun 23:05"},
		{"2026-11-30T00:00:00Z", "mon 00:00"},
	} {
		at, _ := time.Parse(time.RFC3339, tt.at)
		if got := weekTime(at); got != tt.want {
			t.Errorf("weekTime(%s) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestSection(t *testing.T) {
	cfg := map[string]any{"capacityProvider": map[string]any{"name": "demo"}}
	section(cfg, "capacityProvider")["taskPlacement"] = "single"
	section(section(cfg, "enforcement"), "exec")["mode"] = "enforce"
	cp := cfg["capacityProvider"].(map[string]any)
	if cp["name"] != "demo" || cp["taskPlacement"] != "single" {
		t.Errorf("capacityProvider = %v", cp)
	}
	if m := cfg["enforcement"].(map[string]any)["exec"].(map[string]any)["mode"]; m != "enforce" {
		t.Errorf("enforcement.exec.mode = %v", m)
	}
}

func TestFirstLastLine(t *testing.T) {
	out := "system_u:system_r:moat_task_t:s0:c0,c3\x00\ncat: can't open '/shared/a.txt': Permission denied\n"
	if got := firstLine(out); got != "system_u:system_r:moat_task_t:s0:c0,c3" {
		t.Errorf("firstLine = %q", got)
	}
	if got := lastLine(out); got != "cat: can't open '/shared/a.txt': Permission denied" {
		t.Errorf("lastLine = %q", got)
	}
}
