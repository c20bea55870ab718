package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	reports       *prometheus.CounterVec
	refusals      *prometheus.CounterVec
	enrolments    prometheus.Counter
	nonces        prometheus.Counter
	submitSeconds prometheus.Histogram
	groupSeconds  prometheus.Histogram
}

func newMetrics(reg *prometheus.Registry, s *Server) *metrics {
	m := &metrics{
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "moat_attestd_reports_total",
			Help: "Reports acknowledged, by result (accepted, duplicate)."}, []string{"result"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "moat_attestd_refusals_total",
			Help: "Requests refused, by code."}, []string{"code"}),
		enrolments: prometheus.NewCounter(prometheus.CounterOpts{Name: "moat_attestd_enrolments_total",
			Help: "Instances enrolled."}),
		nonces: prometheus.NewCounter(prometheus.CounterOpts{Name: "moat_attestd_nonces_total",
			Help: "Nonces issued."}),
		submitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "moat_attestd_submit_seconds",
			Help: "Time to verify and store an acknowledged submission.", Buckets: prometheus.DefBuckets}),
		groupSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "moat_attestd_store_group_seconds",
			Help: "Time of one group transaction in the store, the writes of concurrent submissions committed together: " +
				"the database's share of a submission's time.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
	}
	reg.MustRegister(m.reports, m.refusals, m.enrolments, m.nonces, m.submitSeconds, m.groupSeconds,
		fleetCollector{s}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// fleetCollector reads the fleet's compliance from the store at scrape
// time, so that every replica reports the same numbers.
type fleetCollector struct{ s *Server }

var fleetDesc = prometheus.NewDesc("moat_attestd_instances", "Enrolled instances by compliance state.", []string{"state"}, nil)

func (f fleetCollector) Describe(ch chan<- *prometheus.Desc) { ch <- fleetDesc }

func (f fleetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sum, err := f.s.fleet(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(fleetDesc, err)
		return
	}
	for state, n := range sum.States {
		ch <- prometheus.MustNewConstMetric(fleetDesc, prometheus.GaugeValue, float64(n), string(state))
	}
}
