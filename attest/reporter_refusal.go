package attest

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// refused decides what a refusal means for the spool. Transient ones
// (network, 5xx, nonce, enrolment) return the error: back off, retry.
// A report the server refuses for good is isolated by shrinking the
// batch, then moved to the spool's rejected/ folder with a log line and
// a metric, never dropped silently.
func (r *Reporter) refused(err error, batch []Report) error {
	var re *RefusalError
	if !errors.As(err, &re) {
		return err
	}
	switch re.Code {
	case CodeOversized:
		if len(batch) > 1 {
			r.limit = max(1, len(batch)/2)
			return nil
		}
		return r.quarantine(batch[0], re)
	case CodeReordered, CodeBadSignature, CodeWrongInstance, CodeMalformed, CodeUnsigned:
		return r.isolate(re, batch)
	}
	return err
}

func (r *Reporter) isolate(re *RefusalError, batch []Report) error {
	switch {
	case re.Index != nil && *re.Index > 0 && *re.Index < len(batch):
		r.limit = *re.Index // send the good ones before it first
		return nil
	case re.Index != nil && *re.Index == 0:
		return r.quarantine(batch[0], re)
	case len(batch) > 1:
		r.limit = 1
		return nil
	}
	return re // a single report refused without an index: a race, retry
}

func (r *Reporter) quarantine(rep Report, re *RefusalError) error {
	r.m.rejected.Inc()
	r.cfg.Log.Error("attestation report refused for good; kept in the spool's rejected folder",
		"sequence", rep.Sequence, "code", re.Code, "err", re.Refusal.Error)
	if err := r.spool.Quarantine(rep.Sequence); err != nil {
		return err
	}
	r.limit = r.cfg.BatchSize
	r.spoolLevel()
	return nil
}

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
