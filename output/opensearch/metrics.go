package opensearch

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics counts bulk traffic. Names are stable: dashboards and alerts use them.
type metrics struct {
	requests *prometheus.CounterVec // by HTTP status, or "error" for no answer
	retries  prometheus.Counter
	docs     *prometheus.CounterVec // indexed, duplicate, failed, abandoned
	latency  prometheus.Histogram
	retried  *prometheus.CounterVec // documents sent again, by kind of fault
	retrying prometheus.Gauge       // documents waiting to be sent again
}

// retryLabels are the kinds of transient fault (see classify).
var retryLabels = []string{"blocked", "throttled", "unavailable", "timeout", "no_answer", "bad_answer"}

// newMetrics creates the output's metrics on reg (nil: not registered). One
// output per registry, as every component of the agent: registering twice is
// a programming error and panics (promauto).
func newMetrics(reg prometheus.Registerer) *metrics {
	auto := promauto.With(reg)
	m := &metrics{
		requests: auto.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_opensearch_bulk_requests_total",
			Help: "Bulk requests sent, by HTTP status (error: no answer).",
		}, []string{"status"}),
		retries: auto.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_opensearch_bulk_retries_total",
			Help: "Bulk attempts repeated after a transient fault.",
		}),
		docs: auto.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_opensearch_documents_total",
			Help: "Documents by outcome: indexed, duplicate, failed (refused for good and kept in the dead-letter index), abandoned (given up on, not acknowledged).",
		}, []string{"result"}),
		latency: auto.NewHistogram(prometheus.HistogramOpts{
			Name:    "dmarc_agent_opensearch_bulk_request_duration_seconds",
			Help:    "Duration of one bulk request.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
		retried: auto.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_opensearch_documents_retried_total",
			Help: "Documents the cluster could not take now and that are sent again after a backoff, by fault: blocked (index or cluster write block), throttled (429), unavailable (5xx, shards), timeout, no_answer, bad_answer.",
		}, []string{"reason"}),
		retrying: auto.NewGauge(prometheus.GaugeOpts{
			Name: "dmarc_agent_opensearch_documents_retrying",
			Help: "Documents waiting to be sent again after a transient fault.",
		}),
	}
	for _, r := range []string{"indexed", "duplicate", "failed", "abandoned"} {
		m.docs.WithLabelValues(r)
	}
	for _, r := range retryLabels {
		m.retried.WithLabelValues(r)
	}
	return m
}
