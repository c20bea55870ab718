package attest

import "github.com/prometheus/client_golang/prometheus"

type reporterMetrics struct {
	spooled, capacity                                           prometheus.Gauge
	sent, sendFailures, spoolRefused, rejected, collectFailures prometheus.Counter
}

func newReporterMetrics(reg prometheus.Registerer) *reporterMetrics {
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: "moat_attest_" + name, Help: help})
	}
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "moat_attest_" + name, Help: help})
	}
	m := &reporterMetrics{
		spooled:         g("spool_reports", "Reports in the spool, not yet acknowledged."),
		capacity:        g("spool_capacity", "The spool's bound."),
		sent:            c("sent_total", "Reports acknowledged by the server."),
		sendFailures:    c("send_failures_total", "Failed send attempts (retried)."),
		spoolRefused:    c("spool_full_total", "Reports not made because the spool was full."),
		rejected:        c("rejected_total", "Reports the server refused for good, kept in spool/rejected."),
		collectFailures: c("collect_failures_total", "Claims that could not be collected."),
	}
	if reg != nil {
		reg.MustRegister(m.spooled, m.capacity, m.sent, m.sendFailures, m.spoolRefused, m.rejected, m.collectFailures)
	}
	return m
}
