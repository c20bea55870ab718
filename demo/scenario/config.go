package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// editConfig rewrites moatd's configuration on the data disk, as the
// capacity provider would, and has moatd apply it; it returns once moatd
// answers again.
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

// reload has moatd apply its configuration file: `moat reload` when the
// CLI has it; else moatd is restarted through the supervisor, which
// re-reads the file (only PID 1 may signal moatd: the tamper rule refuses
// anyone else's SIGHUP, this program's too). Containers and the rules in
// the kernel stay either way.
func reload() error {
	out, err := sh(60*time.Second, "moat", "reload")
	switch {
	case err == nil:
		return nil
	case !strings.Contains(out, "unknown command"):
		return fmt.Errorf("moat reload: %w", err)
	}
	if _, err := ctl("stop", "moatd"); err != nil {
		return err
	}
	if _, err := ctl("start", "moatd"); err != nil {
		return err
	}
	return waitMoatd(90 * time.Second)
}
