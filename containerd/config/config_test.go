package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

func TestContainerdPart(t *testing.T) {
	var c struct {
		Plugins map[string]map[string]any `toml:"plugins"`
	}
	if err := toml.Unmarshal([]byte(Containerd), &c); err != nil {
		t.Fatalf("containerd-moat.toml: %v", err)
	}
	runc := c.Plugins["io.containerd.cri.v1.runtime"]["containerd"].(map[string]any)["runtimes"].(map[string]any)["runc"].(map[string]any)
	if got := runc["options"].(map[string]any)["BinaryName"]; got != RuntimePath {
		t.Errorf("runc BinaryName %v, want %s", got, RuntimePath)
	}
	nri := c.Plugins["io.containerd.nri.v1.nri"]
	v := nri["default_validator"].(map[string]any)
	required, _ := v["required_plugins"].([]any)
	if nri["disable"] != false || v["enable"] != true || !slices.Contains(required, any(RequiredNRIName)) {
		t.Errorf("nri %v: want enabled, with the default validator requiring %q", nri, RequiredNRIName)
	}
	for _, p := range []string{NRISocket, NRIPluginPath, NRIPluginConfig} {
		if !strings.Contains(Containerd, `"`+p+`"`) {
			t.Errorf("containerd-moat.toml does not hold %s", p)
		}
	}
}

func TestSystemdDropIn(t *testing.T) {
	for _, want := range []string{"[Service]", "Environment=PATH=" + RuntimeDir + ":", "Environment=MOAT_RUNC=/usr/sbin/runc"} {
		if !strings.Contains(SystemdDropIn, want) {
			t.Errorf("drop-in lacks %q", want)
		}
	}
}
