package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are moatd's Prometheus metrics, served on metrics.address.
type metrics struct {
	reg           *prometheus.Registry
	denials       *prometheus.CounterVec
	dropped       prometheus.CounterFunc
	admissions    *prometheus.CounterVec
	draining      prometheus.Gauge
	liveTasks     prometheus.Gauge
	familyEnforce *prometheus.GaugeVec
}

// lifetimeFigures are the lifetime gauges, in seconds, computed when
// Prometheus scrapes (no ticker wakes an idle moatd for them).
type lifetimeFigures struct{ age, toDrain, toTerminate, deliveryLag float64 }

func newMetrics(droppedEvents func() float64, lifetime func() lifetimeFigures) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.denials = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "moat_denials_total", Help: "Operations the kernel refused, by rule family.",
	}, []string{"rule"})
	m.dropped = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "moat_audit_events_dropped_total", Help: "Audit events lost to the rate limit or a full ring buffer.",
	}, droppedEvents)
	m.admissions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "moat_admission_decisions_total", Help: "Admission decisions by result and source.",
	}, []string{"result", "source"})
	lifetimeGauge := func(name, help string, of func(lifetimeFigures) float64) prometheus.GaugeFunc {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return of(lifetime()) })
	}
	age := lifetimeGauge("moat_instance_age_seconds", "Seconds since the instance launched.",
		func(f lifetimeFigures) float64 { return f.age })
	toDrain := lifetimeGauge("moat_seconds_to_drain_by", "Seconds until the instance must have drained.",
		func(f lifetimeFigures) float64 { return f.toDrain })
	toTerminate := lifetimeGauge("moat_seconds_to_terminate_by", "Seconds until the instance is stopped.",
		func(f lifetimeFigures) float64 { return f.toTerminate })
	lag := lifetimeGauge("moat_report_delivery_lag_seconds", "Seconds since the last report was acknowledged (the spool depth is moat_attest_spool_reports).",
		func(f lifetimeFigures) float64 { return f.deliveryLag })
	m.draining = gauge("moat_draining", "1 while the instance drains.")
	m.liveTasks = gauge("moat_live_tasks", "Tasks with at least one live container.")
	m.familyEnforce = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "moat_rule_family_mode", Help: "1 for the mode each rule family runs in.",
	}, []string{"rule", "mode"})
	m.reg.MustRegister(m.denials, m.dropped, m.admissions, age, toDrain, toTerminate,
		m.draining, lag, m.liveTasks, m.familyEnforce,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

// setModes records each family's mode, one series per family at 1.
func (m *metrics) setModes(modes map[string]string) {
	m.familyEnforce.Reset()
	for rule, mode := range modes {
		m.familyEnforce.WithLabelValues(rule, mode).Set(1)
	}
}
