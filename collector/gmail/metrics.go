package gmail

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics are the source's Prometheus counters.
type metrics struct {
	messages  *prometheus.CounterVec // by outcome: delivered, rejected, retry, skipped
	requests  *prometheus.CounterVec // Gmail API answers by HTTP status ("error" for network faults)
	retries   prometheus.Counter
	fullSyncs prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	// Registered on reg through promauto (nil: not registered); registering
	// twice on one registry is a wiring bug and panics at start.
	f := promauto.With(reg)

	m := &metrics{
		messages: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_gmail_messages_total",
			Help: "Gmail messages handled, by outcome (delivered, rejected, retry, skipped).",
		}, []string{"outcome"}),
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_gmail_api_requests_total",
			Help: "Gmail API responses by HTTP status; error counts network faults.",
		}, []string{"code"}),
		retries: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_gmail_api_retries_total",
			Help: "Gmail API requests retried after a rate limit, server error or network fault.",
		}),
		fullSyncs: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_gmail_full_syncs_total",
			Help: "Full listings of the selection (first run, expired history, reprocessing).",
		}),
	}
	return m
}
