package selinux

import (
	"strings"
	"testing"
)

func TestReconcile(t *testing.T) {
	cases := []struct {
		name    string
		live    map[string]string
		want    map[string]Pair
		wantErr string
	}{
		{"process and mount labels", map[string]string{
			"a": "system_u:system_r:moat_task_t:s0:c1,c2",
			"b": "system_u:object_r:moat_task_file_t:s0:c0,c7",
			"p": "system_u:system_r:moat_task_priv_t:s0:c3,c5",
		}, map[string]Pair{"a": {1, 2}, "b": {0, 7}, "p": {3, 5}}, ""},
		{"no live task", map[string]string{}, map[string]Pair{}, ""},
		{"shared pair", map[string]string{
			"a": "system_u:system_r:moat_task_t:s0:c1,c2",
			"b": "system_u:system_r:moat_task_t:s0:c1,c2",
		}, nil, "tasks a and b share the pair s0:c1,c2"},
		{"no level", map[string]string{"a": "system_u:system_r:moat_task_t"}, nil, "task a"},
		{"not a label", map[string]string{"a": "garbage"}, nil, "task a"},
		{"one category", map[string]string{"a": "system_u:system_r:moat_task_t:s0:c1"}, nil, "not s0:cX,cY"},
		{"range", map[string]string{"a": "system_u:system_r:moat_task_t:s0-s0:c0.c1023"}, nil, "not s0:cX,cY"},
		{"unordered", map[string]string{"a": "system_u:system_r:moat_task_t:s0:c2,c1"}, nil, "not a pair"},
		{"out of space", map[string]string{"a": "system_u:system_r:moat_task_t:s0:c1,c8"}, nil, "not a pair"},
		{"leading zero", map[string]string{"a": "system_u:system_r:moat_task_t:s0:c01,c2"}, nil, "not a pair"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAllocator(t, 8)
			before, _ := a.Reserve("old")
			err := a.Reconcile(c.live)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, c.wantErr)
				}
				if p, ok := a.Pair("old"); !ok || p != before {
					t.Fatalf("a failed Reconcile changed the reservations")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := a.Pair("old"); ok && c.live["old"] == "" {
				t.Fatalf("task old is not live but keeps its pair")
			}
			for task, want := range c.want {
				if got, ok := a.Pair(task); !ok || got != want {
					t.Errorf("task %s: pair %v, %v; want %v", task, got, ok, want)
				}
			}
			// New tasks never get a reconciled pair.
			for i := 0; i < 8*7/2-len(c.want); i++ {
				p, err := a.Reserve(strings.Repeat("n", i+1))
				if err != nil {
					t.Fatal(err)
				}
				for task, held := range c.want {
					if p == held {
						t.Fatalf("new task got %v, held by live task %s", p, task)
					}
				}
			}
		})
	}
}
