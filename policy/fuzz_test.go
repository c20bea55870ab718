package policy

import (
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// FuzzAdmit decodes arbitrary bytes as an OCI spec and admits it under
// every kind of settings: Admit must never panic, an allowed container
// must carry the task's labels, and a denied one must give a reason.
func FuzzAdmit(f *testing.F) {
	for _, c := range allAdmitCases() {
		f.Add(mustJSON(f, c.request().Spec), c.task.ID, "task-b")
	}
	f.Add(`{}`, "", "")
	f.Add(`{"process":{"capabilities":{"bounding":["CAP_SYS_ADMIN",""]}},"linux":{"resources":{"devices":[{"allow":true,"major":-1}]}}}`, "t", "t")
	f.Add(`{"mounts":[{"destination":"","source":"","options":["bind"]}]}`, "t", "u")
	settings := []Settings{setNone, setNetAdmin, setAll, setSingle, setSingleAl}
	f.Fuzz(func(t *testing.T, data, taskID, other string) {
		var spec specs.Spec
		if json.Unmarshal([]byte(data), &spec) != nil {
			return
		}
		for _, s := range settings {
			req := Request{ContainerID: "c", Spec: &spec, Task: Task{ID: taskID}, Labels: labels, Live: LiveTasks{other: 1}}
			d := Admit(&s, req)
			if d.Allowed && (d.Adjustments.ProcessLabel != labels.Process || d.Adjustments.PrivilegedCaps&^PrivilegedCaps != 0) {
				t.Fatalf("allowed with adjustments %+v", d.Adjustments)
			}
			if !d.Allowed && (d.Reason == "" || len(d.Violations) == 0) {
				t.Fatalf("denied without a reason: %+v", d)
			}
			if !s.AllowAll && d.Allowed && d.Adjustments.PrivilegedCaps&^s.PrivilegedCapabilities != 0 {
				t.Fatalf("allowed caps %s beyond the opt-in %s", d.Adjustments.PrivilegedCaps, s.PrivilegedCapabilities)
			}
		}
	})
}

// FuzzParseSettings: arbitrary YAML never panics, and what parses is valid.
func FuzzParseSettings(f *testing.F) {
	f.Add("name: web\nprivilegedCapabilities: [CAP_NET_ADMIN]\n")
	f.Add("name: web\ntaskPlacement: single\nprivilegedCapabilities: ALL\n")
	f.Add("name: &a web\nx: *a\n")
	f.Fuzz(func(t *testing.T, doc string) {
		s, err := ParseSettings([]byte(doc))
		if err != nil {
			return
		}
		if verr := s.Validate(); verr != nil {
			t.Fatalf("parsed settings do not validate: %v", verr)
		}
	})
}
