package daemon

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsExposeWhatOperatorsWatch(t *testing.T) {
	m := newMetrics(func() float64 { return 7 }, func() lifetimeFigures { return lifetimeFigures{age: 60, toDrain: 30} })
	m.denials.WithLabelValues("exec").Add(2)
	m.admissions.WithLabelValues("denied", "runtime").Inc()
	m.setModes(map[string]string{"root": "enforce", "caps": "audit"})
	m.liveTasks.Set(3)
	want := `
# HELP moat_audit_events_dropped_total Audit events lost to the rate limit or a full ring buffer.
# TYPE moat_audit_events_dropped_total counter
moat_audit_events_dropped_total 7
# HELP moat_denials_total Operations the kernel refused, by rule family.
# TYPE moat_denials_total counter
moat_denials_total{rule="exec"} 2
# HELP moat_live_tasks Tasks with at least one live container.
# TYPE moat_live_tasks gauge
moat_live_tasks 3
# HELP moat_rule_family_mode 1 for the mode each rule family runs in.
# TYPE moat_rule_family_mode gauge
moat_rule_family_mode{mode="audit",rule="caps"} 1
moat_rule_family_mode{mode="enforce",rule="root"} 1
`
	err := testutil.GatherAndCompare(m.reg, strings.NewReader(want),
		"moat_audit_events_dropped_total", "moat_denials_total", "moat_live_tasks", "moat_rule_family_mode")
	if err != nil {
		t.Error(err)
	}
}
