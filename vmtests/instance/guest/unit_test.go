package guest

import (
	"strings"
	"testing"
)

func TestParseUnitsFillsDefaults(t *testing.T) {
	units, err := ParseUnits([]byte("units:\n- name: containerd\n  command: /usr/bin/containerd\n  type: notify\n" +
		"- name: moatd\n  command: /usr/bin/moatd\n  dependsOn: [containerd]\n  watchdogSec: 30\n  restart: always\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 2 || units[1].Type != TypeSimple || units[0].Restart != RestartNo || units[0].StartTimeout != 90 {
		t.Errorf("units %+v: want type simple, restart no and a 90 s start timeout by default", units)
	}
	if units[1].watchdog().Seconds() != 30 {
		t.Errorf("watchdog %v, want 30s", units[1].watchdog())
	}
}

func TestParseUnitsNamesTheBadField(t *testing.T) {
	const ok = "- name: a\n  command: /bin/a\n"
	tests := []struct{ name, in, want string }{
		{"unknown key", "units:\n- name: a\n  command: /bin/a\n  restartSec: 3\n", "restartSec"},
		{"wrong type", "units:\n- name: a\n  command: /bin/a\n  watchdogSec: soon\n", "line 4"},
		{"empty", "units: []\n", "empty"},
		{"bad name", "units:\n- name: A_b\n  command: /bin/a\n", "units[0].name"},
		{"duplicate", "units:\n" + ok + ok, "twice"},
		{"relative command", "units:\n- name: a\n  command: bin/a\n", "units[0].command"},
		{"bad type", "units:\n- name: a\n  command: /bin/a\n  type: forking\n", "units[0].type"},
		{"bad restart", "units:\n- name: a\n  command: /bin/a\n  restart: on-failure\n", "units[0].restart"},
		{"oneshot always", "units:\n- name: a\n  command: /bin/a\n  type: oneshot\n  restart: always\n", "oneshot"},
		{"negative watchdog", "units:\n- name: a\n  command: /bin/a\n  watchdogSec: -1\n", "units[0].watchdogSec"},
		{"dependency later", "units:\n- name: b\n  command: /bin/b\n  dependsOn: [a]\n" + ok, "units[0].dependsOn"},
		{"self dependency", "units:\n- name: a\n  command: /bin/a\n  dependsOn: [a]\n", "units[0].dependsOn"},
		{"bad prevent code", "units:\n- name: a\n  command: /bin/a\n  restartPreventExitStatus: [0]\n", "units[0].restartPreventExitStatus"},
		{"bad env", "units:\n- name: a\n  command: /bin/a\n  env: [NOEQUALS]\n", "units[0].env"},
	}
	for _, tt := range tests {
		_, err := ParseUnits([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want one naming %q", tt.name, err, tt.want)
		}
	}
}

func TestMergeEnvReplacesByName(t *testing.T) {
	got := mergeEnv([]string{"PATH=/bin", "HOME=/root"}, []string{"PATH=/x:/bin", "A=1", "HOME=/h"})
	want := []string{"PATH=/x:/bin", "HOME=/h", "A=1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("mergeEnv = %v, want %v", got, want)
	}
}
