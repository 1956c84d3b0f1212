package opensearch

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
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

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_opensearch_bulk_requests_total",
			Help: "Bulk requests sent, by HTTP status (error: no answer).",
		}, []string{"status"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_opensearch_bulk_retries_total",
			Help: "Bulk attempts repeated after a transient fault.",
		}),
		docs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_opensearch_documents_total",
			Help: "Documents by outcome: indexed, duplicate, failed (refused for good and kept in the dead-letter index), abandoned (given up on, not acknowledged).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dmarc_agent_opensearch_bulk_request_duration_seconds",
			Help:    "Duration of one bulk request.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_opensearch_documents_retried_total",
			Help: "Documents the cluster could not take now and that are sent again after a backoff, by fault: blocked (index or cluster write block), throttled (429), unavailable (5xx, shards), timeout, no_answer, bad_answer.",
		}, []string{"reason"}),
		retrying: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dmarc_agent_opensearch_documents_retrying",
			Help: "Documents waiting to be sent again after a transient fault.",
		}),
	}
	if reg != nil {
		// A second output on the same registry (tests, setup then run)
		// shares the collectors already registered.
		var err error
		if m.requests, err = register(reg, m.requests); err != nil {
			return nil, err
		}
		if m.retries, err = register(reg, m.retries); err != nil {
			return nil, err
		}
		if m.docs, err = register(reg, m.docs); err != nil {
			return nil, err
		}
		if m.latency, err = register(reg, m.latency); err != nil {
			return nil, err
		}
		if m.retried, err = register(reg, m.retried); err != nil {
			return nil, err
		}
		if m.retrying, err = register(reg, m.retrying); err != nil {
			return nil, err
		}
	}
	for _, r := range []string{"indexed", "duplicate", "failed", "abandoned"} {
		m.docs.WithLabelValues(r)
	}
	for _, r := range retryLabels {
		m.retried.WithLabelValues(r)
	}
	return m, nil
}

func register[T prometheus.Collector](reg prometheus.Registerer, c T) (T, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("registering opensearch metrics: %w", err)
}
