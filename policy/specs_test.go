package policy

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestContainerdSpecs admits the specs containerd generates for ctr run
// (testdata/specs, written by testdata/specgen).
func TestContainerdSpecs(t *testing.T) {
	cases := []struct {
		file     string
		settings Settings
		want     []Rule
	}{
		{"ctr-run", setNone, []Rule{RuleSeccomp}},
		{"ctr-run-seccomp", setNone, nil},
		{"ctr-run-seccomp-net-admin", setNone, []Rule{RuleCapabilities}},
		{"ctr-run-seccomp-net-admin", setNetAdmin, nil},
		{"ctr-run-privileged", setNetAdmin, []Rule{RulePrivileged, RuleDevices, RuleWritableSys, RuleWritableProcSys}},
		{"ctr-run-privileged", setEveryCap, []Rule{RulePrivileged, RuleDevices, RuleWritableSys, RuleWritableProcSys}},
		{"ctr-run-privileged", setAll, nil},
		{"ctr-run-host-net", setNone, []Rule{RuleHostNamespace}},
		{"ctr-run-host-net", setAll, nil},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.settings.Allowed(), func(t *testing.T) {
			spec := readSpec(t, "testdata/specs/"+c.file+".json")
			d := Admit(&c.settings, Request{ContainerID: "ctr-1", Spec: spec, Task: taskA, Labels: labels})
			var got []Rule
			for _, v := range d.Violations {
				got = append(got, v.Rule)
			}
			if d.Allowed != (len(c.want) == 0) || !slices.Equal(got, c.want) {
				t.Fatalf("rules %v, want %v; reason: %s", got, c.want, d.Reason)
			}
		})
	}
}

func readSpec(t testing.TB, path string) *specs.Spec {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &s
}
