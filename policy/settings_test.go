package policy

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestParseSettingsValid(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       Settings
	}{
		{"name only: defaults", "name: web\n", Settings{Name: "web", TaskPlacement: PlacementMulti}},
		{"single placement", "name: web\ntaskPlacement: single\n", Settings{Name: "web", TaskPlacement: PlacementSingle}},
		{"empty list", "name: web\nprivilegedCapabilities: []\n", Settings{Name: "web", TaskPlacement: PlacementMulti}},
		{"null list", "name: web\nprivilegedCapabilities:\n", Settings{Name: "web", TaskPlacement: PlacementMulti}},
		{"canonical names", "name: web\nprivilegedCapabilities: [CAP_NET_ADMIN, CAP_BPF]\n",
			Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: CapSetOf(CapNetAdmin, CapBPF)}},
		{"names without prefix, any case", "name: web\nprivilegedCapabilities: [NET_ADMIN, sys_admin, Cap_Perfmon]\n",
			Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: CapSetOf(CapNetAdmin, CapSysAdmin, CapPerfmon)}},
		{"ALL as a scalar", "name: web\nprivilegedCapabilities: ALL\n",
			Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: PrivilegedCaps, AllowAll: true}},
		{"ALL alone in a list", "name: web\nprivilegedCapabilities: [ALL]\n",
			Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: PrivilegedCaps, AllowAll: true}},
		{"all in lower case", "name: web\nprivilegedCapabilities: all\n",
			Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: PrivilegedCaps, AllowAll: true}},
		{"anchors and aliases", "name: &n web\nprivilegedCapabilities: [&c CAP_BPF]\n",
			Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: CapSetOf(CapBPF)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSettings([]byte(c.yaml))
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestParseSettingsErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // one substring per expected error, in order
	}{
		{"misspelled capability", "name: web\nprivilegedCapabilities: [CAP_BPF, CAP_NET_ADMN]\n",
			[]string{`capacityProvider.privilegedCapabilities[1]: unknown capability "CAP_NET_ADMN"; did you mean CAP_NET_ADMIN? (line 2)`}},
		{"misspelled without prefix", "name: web\nprivilegedCapabilities:\n  - SYS_ADMNI\n",
			[]string{`privilegedCapabilities[0]: unknown capability "SYS_ADMNI"; did you mean CAP_SYS_ADMIN? (line 3)`}},
		{"no capability near", "name: web\nprivilegedCapabilities: [FROBNICATE_EVERYTHING]\n",
			[]string{`unknown capability "FROBNICATE_EVERYTHING"; Linux capabilities run from CAP_CHOWN to CAP_CHECKPOINT_RESTORE`}},
		{"default capability", "name: web\nprivilegedCapabilities: [CAP_CHOWN]\n",
			[]string{`capacityProvider.privilegedCapabilities[0]: CAP_CHOWN is in the runtime's default set and always allowed; remove it`}},
		{"duplicate capability in two spellings", "name: web\nprivilegedCapabilities: [CAP_NET_ADMIN, net_admin]\n",
			[]string{`capacityProvider.privilegedCapabilities[1]: CAP_NET_ADMIN is already listed at privilegedCapabilities[0]`}},
		{"ALL beside names", "name: web\nprivilegedCapabilities: [CAP_BPF, ALL]\n",
			[]string{`privilegedCapabilities[1]: ALL covers every capability`}},
		{"a single name as a scalar", "name: web\nprivilegedCapabilities: CAP_BPF\n",
			[]string{`capacityProvider.privilegedCapabilities: must be a list of capability names or ALL, not !!str CAP_BPF`}},
		{"capability that is a number", "name: web\nprivilegedCapabilities: [12]\n",
			[]string{`privilegedCapabilities[0]: must be a capability name, not !!int 12`}},
		{"capabilities as a mapping", "name: web\nprivilegedCapabilities: {a: b}\n",
			[]string{`must be a list of capability names or ALL, not a mapping`}},
		{"invalid placement", "name: web\ntaskPlacement: double\n",
			[]string{`capacityProvider.taskPlacement: invalid value "double"; use "multi" (the default) or "single" (line 2)`}},
		{"placement of wrong type", "name: web\ntaskPlacement: [single]\n",
			[]string{`capacityProvider.taskPlacement: must be a string, not a list`}},
		{"unknown key near a known one", "name: web\nprivilegedCapabilites: [CAP_BPF]\n",
			[]string{`capacityProvider.privilegedCapabilites: unknown key; did you mean privilegedCapabilities? (line 2)`}},
		{"unknown key far from any", "name: web\nzone: a\n",
			[]string{`capacityProvider.zone: unknown key; the keys are [name taskPlacement privilegedCapabilities]`}},
		{"repeated key", "name: web\nname: api\n", []string{`capacityProvider.name: repeated key (first at line 1) (line 2)`}},
		{"missing name", "taskPlacement: single\n", []string{`capacityProvider.name: is required`}},
		{"empty document", "", []string{`capacityProvider.name: is required`}},
		{"bad name", "name: 'web server'\n", []string{`capacityProvider.name: "web server" is not a valid name`}},
		{"name of wrong type", "name: 42\n", []string{`capacityProvider.name: must be a string, not !!int 42`}},
		{"not a mapping", "- a\n- b\n", []string{`capacityProvider: must be a mapping`}},
		{"not YAML", "name: [\n", []string{`capacityProvider: yaml:`}},
		{"every mistake at once", "name: ''\ntaskPlacement: both\nprivilegedCapabilities: [CAP_KILL, CAP_BPFF]\nextra: 1\n",
			[]string{"capacityProvider.name: is required", "taskPlacement: invalid value", "[0]: CAP_KILL is in the runtime's default set",
				"[1]: unknown capability \"CAP_BPFF\"; did you mean CAP_BPF?", "capacityProvider.extra: unknown key"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSettings([]byte(c.yaml))
			if err == nil {
				t.Fatalf("no error; got %+v", got)
			}
			if got != (Settings{}) && !strings.Contains(c.name, "empty") {
				t.Errorf("settings not left zero on error: %+v", got)
			}
			checkErrorLines(t, err, c.want)
		})
	}
}

// checkErrorLines wants one error line per substring, in order.
func checkErrorLines(t *testing.T, err error, want []string) {
	t.Helper()
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("error %d = %q\nlacks %q", i, lines[i], w)
		}
	}
}

func TestFieldErrorIsReachable(t *testing.T) {
	_, err := ParseSettings([]byte("name: web\ntaskPlacement: x\n"))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "capacityProvider.taskPlacement" || fe.Line != 2 {
		t.Fatalf("errors.As FieldError: %#v from %v", fe, err)
	}
}

// daemonConfig stands for moatd's config file, which embeds the settings.
type daemonConfig struct {
	LogLevel         string   `yaml:"logLevel"`
	CapacityProvider Settings `yaml:"capacityProvider"`
}

func TestSettingsEmbeddedInDaemonConfig(t *testing.T) {
	decode := func(doc string) (daemonConfig, error) {
		dec := yaml.NewDecoder(strings.NewReader(doc))
		dec.KnownFields(true)
		var c daemonConfig
		err := dec.Decode(&c)
		if err == nil {
			err = c.CapacityProvider.Validate()
		}
		return c, err
	}
	c, err := decode("logLevel: info\ncapacityProvider:\n  name: gpu\n  privilegedCapabilities: [CAP_SYS_ADMIN]\n")
	want := Settings{Name: "gpu", TaskPlacement: PlacementMulti, PrivilegedCapabilities: CapSetOf(CapSysAdmin)}
	if err != nil || c.CapacityProvider != want {
		t.Fatalf("got %+v, %v", c.CapacityProvider, err)
	}
	_, err = decode("capacityProvider:\n  name: gpu\n  privilegedCapabilities: [CAP_SYS_ADMN]\n")
	checkErrorLines(t, err, []string{`capacityProvider.privilegedCapabilities[0]: unknown capability "CAP_SYS_ADMN"; did you mean CAP_SYS_ADMIN? (line 3)`})
	_, err = decode("logLevel: info\n")
	checkErrorLines(t, err, []string{`capacityProvider.name: is required`})
	_, err = decode("capacityProvider:\n")
	checkErrorLines(t, err, []string{`capacityProvider.name: is required`})
}

func TestValidate(t *testing.T) {
	s := Settings{Name: "web", PrivilegedCapabilities: CapSetOf(CapNetAdmin)}
	if err := s.Validate(); err != nil || s.TaskPlacement != PlacementMulti {
		t.Fatalf("valid settings: %v, placement %q", err, s.TaskPlacement)
	}
	s = Settings{Name: "web", TaskPlacement: "x", PrivilegedCapabilities: CapSetOf(CapKill, CapChown, CapBPF) | 1<<60}
	checkErrorLines(t, s.Validate(), []string{
		"capacityProvider.taskPlacement: invalid value \"x\"",
		"capacityProvider.privilegedCapabilities: CAP_CHOWN, CAP_KILL are in the runtime's default set and always allowed; remove them",
		"bits past CAP_CHECKPOINT_RESTORE are not capabilities",
	})
	s = Settings{Name: "web", AllowAll: true}
	if err := s.Validate(); err != nil || s.PrivilegedCapabilities != PrivilegedCaps {
		t.Fatalf("ALL: %v %v", err, s.PrivilegedCapabilities)
	}
}

// TestSettingsGolden parses each testdata/settings/*.yaml and compares the
// canonical form (or the errors) with the .golden file beside it.
func TestSettingsGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/settings/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/settings/*.yaml: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, strings.TrimSuffix(f, ".yaml")+".golden", settingsOutcome(t, in))
		})
	}
}

func settingsOutcome(t *testing.T, in []byte) []byte {
	s, err := ParseSettings(in)
	if err != nil {
		return []byte("error:\n" + err.Error() + "\n")
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	again, err := ParseSettings(out)
	if err != nil || again != s {
		t.Fatalf("canonical form does not parse back: %v\n%s", err, out)
	}
	return out
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./policy -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
