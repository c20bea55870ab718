package selinux

import "testing"

func TestLabels(t *testing.T) {
	cases := []struct {
		pair       Pair
		privileged bool
		want       TaskLabels
	}{
		{Pair{1, 2}, false, TaskLabels{
			Process: "system_u:system_r:moat_task_t:s0:c1,c2",
			Mount:   "system_u:object_r:moat_task_file_t:s0:c1,c2",
		}},
		{Pair{0, 1023}, true, TaskLabels{
			Process: "system_u:system_r:moat_task_priv_t:s0:c0,c1023",
			Mount:   "system_u:object_r:moat_task_file_t:s0:c0,c1023",
		}},
	}
	for _, c := range cases {
		if got := LabelsFor(c.pair, c.privileged); got != c.want {
			t.Errorf("LabelsFor(%v, %v) = %+v, want %+v", c.pair, c.privileged, got, c.want)
		}
	}
}

func TestLabelsOfATask(t *testing.T) {
	a := newAllocator(t, 16)
	if _, err := a.Labels("t1", false); err == nil {
		t.Fatal("Labels of a task without a reservation: want an error")
	}
	p, _ := a.Reserve("t1")
	got, err := a.Labels("t1", true)
	if err != nil || got != LabelsFor(p, true) {
		t.Fatalf("Labels(t1) = %+v, %v; want %+v", got, err, LabelsFor(p, true))
	}
}
