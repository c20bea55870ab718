package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadFullConfig(t *testing.T) {
	c, err := LoadConfig("testdata/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.CapacityProvider.Name != "web" || c.Enforcement.Tamper.Mode != "audit" || c.Enforcement.Exec.Mode != "enforce" {
		t.Errorf("decoded %+v", c)
	}
	if got := c.LifecycleSettings().DrainAfter; got != 14*24*time.Hour {
		t.Errorf("drainAfter %v", got)
	}
	if len(c.LifecycleSettings().Windows) != 2 {
		t.Errorf("windows %v", c.LifecycleSettings().Windows)
	}
}

func TestDefaults(t *testing.T) {
	c, err := ParseConfig([]byte("capacityProvider: {name: web}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.StateDir != "/var/lib/moat" || c.Enforcement.Root.Protect[0] != "/" || c.Modes()["caps"] != "enforce" ||
		c.Enforcement.SELinux.Mode != "enforcing" || c.API.Socket != "/run/moat/moatd.sock" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestBadConfigNamesTheField(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"empty", "", []string{"capacityProvider is required"}},
		{"syntax", "capacityProvider: [", []string{"yaml"}},
		{"unknown top key", "capacityProvider: {name: a}\nstatedir: /x\n", []string{"statedir: unknown key (line 2); did you mean stateDir?"}},
		{"unknown nested key", "capacityProvider: {name: a}\nenforcement:\n  root:\n    protec: [/]\n", []string{"enforcement.root.protec: unknown key (line 4); did you mean protect?"}},
		{"far-off key", "capacityProvider: {name: a}\nenforcement: {zzzzzzzz: 1}\n", []string{"known keys: caps, exec, root, selinux, tamper"}},
		{"bad mode", "capacityProvider: {name: a}\nenforcement: {caps: {mode: enforcing}}\n", []string{`enforcement.caps.mode: "enforcing" is not a mode`}},
		{"bad selinux mode", "capacityProvider: {name: a}\nenforcement: {selinux: {mode: enforce}}\n", []string{"enforcement.selinux.mode"}},
		{"relative protect", "capacityProvider: {name: a}\nenforcement: {root: {protect: [usr]}}\n", []string{`enforcement.root.protect[0]: "usr"`}},
		{"empty protect", "capacityProvider: {name: a}\nenforcement: {root: {protect: []}}\n", []string{"enforcement.root.protect: empty"}},
		{"wrong type", "capacityProvider: {name: a}\nfips: maybe\n", []string{"line 2", "wrong type"}},
		{"bad capability", "capacityProvider: {name: a, privilegedCapabilities: [CAP_NET_ADMN]}\n", []string{"CAP_NET_ADMIN"}},
		{"drain too late", "capacityProvider: {name: a}\nlifecycle: {drainAfter: 20d}\n", []string{"lifecycle.drainAfter"}},
		{"bad endpoint", "capacityProvider: {name: a}\nattestation: {endpoint: 'attest:8443'}\n", []string{"attestation.endpoint"}},
		{"bad interval", "capacityProvider: {name: a}\nattestation: {interval: 2h}\n", []string{"attestation.interval"}},
		{"bad metrics", "capacityProvider: {name: a}\nmetrics: {address: '9120'}\n", []string{"metrics.address"}},
		{"several at once", "capacityProvider: {name: a}\nenforcement: {caps: {mode: x}, exec: {mode: y}}\n", []string{"enforcement.caps.mode", "enforcement.exec.mode"}},
	}
	for _, tt := range tests {
		_, err := ParseConfig([]byte(tt.doc))
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tt.name, err, w)
			}
		}
	}
}

func TestLoadConfigNamesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(p, []byte("bogus: 1\n"), 0o644)
	if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("err %v, want one naming %s", err, p)
	}
	if _, err := LoadConfig(p + ".absent"); err == nil {
		t.Error("a missing file loaded")
	}
}
