package result

import "testing"

func TestRoundTrip(t *testing.T) {
	for _, r := range []Result{
		{ID: "root", OK: true, Promise: "a write to / is refused", Evidence: "open /x: read-only file system"},
		{ID: "caps", Promise: "CAP_NET_ADMIN is refused", Evidence: "ctr: failed: moat: refused\nsecond line"},
		{ID: "x", OK: true, Promise: "p", Evidence: ""},
	} {
		got, ok := Parse(r.String())
		want := r
		if r.ID == "caps" {
			want.Evidence = "ctr: failed: moat: refused | second line"
		}
		if !ok || got != want {
			t.Errorf("Parse(%q) = %+v %v, want %+v", r.String(), got, ok, want)
		}
	}
}

func TestParseNarration(t *testing.T) {
	for _, line := range []string{"", "PASS", "PASS : x: y", "PASSED a: b: c", "[ 1.0s] PASS a: b: c", "FAIL two words: p: e", "    PASS a: b: c"} {
		if r, ok := Parse(line); ok {
			t.Errorf("Parse(%q) = %+v, want narration", line, r)
		}
	}
}

func TestMissing(t *testing.T) {
	got := Missing([]Result{{ID: "task", OK: true}, {ID: "drain"}})
	if len(got) != len(Promises)-2 {
		t.Fatalf("%d missing, want %d", len(got), len(Promises)-2)
	}
	for _, r := range got {
		if r.OK || r.ID == "task" || r.ID == "drain" || r.Evidence == "" {
			t.Errorf("missing %+v: want a failed result with a reason for an unchecked promise", r)
		}
	}
}
