package policy

import (
	"encoding/json"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestDecisionWireFormat keeps the JSON form of a decision (what moatd's
// local API answers the integrations) in golden files, and checks that it
// decodes back to the same value.
func TestDecisionWireFormat(t *testing.T) {
	allowed := Admit(&setNetAdmin, admitCase{mods: mods(withCaps("bep", "CAP_NET_ADMIN"))}.request())
	denied := Admit(&setNone, admitCase{mods: mods(withCaps("b", "CAP_SYS_ADMIN"), withoutNamespace(specs.NetworkNamespace), withSeccomp(nil))}.request())
	for name, d := range map[string]Decision{"decision-allowed": allowed, "decision-denied": denied} {
		t.Run(name, func(t *testing.T) {
			b, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, "testdata/"+name+".json", append(b, '\n'))
			var back Decision
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, d) {
				t.Errorf("does not round-trip: %v\n%+v\n%+v", err, back, d)
			}
		})
	}
}

func TestRequestWireFormat(t *testing.T) {
	req := admitCase{task: podA, live: LiveTasks{"pod-a": 1}}.request()
	req.Host = &Host{ContainerdRoot: "/x"}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("marshal a request with a Host: %v", err)
	}
	var back Request
	if err := json.Unmarshal(b, &back); err != nil || back.Host != nil || back.Task != req.Task || back.Live["pod-a"] != 1 {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	s := setNone
	if Admit(&s, back).Allowed != Admit(&s, req).Allowed {
		t.Errorf("decoded request decides differently")
	}
}
