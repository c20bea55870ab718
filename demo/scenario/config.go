package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"
)

// editConfig rewrites moatd's configuration on the data disk, as the
// capacity provider would, and has moatd reload it (SIGHUP); it returns
// once moatd logged the reload, or with moatd's refusal.
func editConfig(change func(cfg map[string]any)) error {
	if err := writeConfig(change); err != nil {
		return err
	}
	return reload()
}

// writeConfig applies change to moatd's configuration file.
func writeConfig(change func(cfg map[string]any)) error {
	data, err := os.ReadFile(configPath)
	if err != nil {
		return err
	}
	cfg := map[string]any{}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("%s: %w", configPath, err)
	}
	change(cfg)
	if data, err = yaml.Marshal(cfg); err != nil {
		return err
	}
	return os.WriteFile(configPath, data, 0o644)
}

// section is cfg[key] as a map, created when missing.
func section(cfg map[string]any, key string) map[string]any {
	m, ok := cfg[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		cfg[key] = m
	}
	return m
}

// reload sends SIGHUP to moatd and waits for its log to say how it went.
func reload() error {
	_, pid := unitState("moatd")
	var n int
	if _, err := fmt.Sscan(pid, &n); err != nil || n <= 0 {
		return fmt.Errorf("moatd's pid: %q from moat-supervise ctl status", pid)
	}
	m := markOf(moatdLog)
	if err := syscall.Kill(n, syscall.SIGHUP); err != nil {
		return fmt.Errorf("SIGHUP moatd: %w", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range m.lines() {
			switch {
			case strings.Contains(l, "configuration reloaded"):
				return nil
			case strings.Contains(l, "reload refused"):
				return fmt.Errorf("moatd refused the new configuration: %s", l)
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("moatd did not log a reload within 15 s after SIGHUP")
}
