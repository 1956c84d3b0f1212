package imap

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics are the source's Prometheus counters.
type metrics struct {
	messages    *prometheus.CounterVec // by outcome: delivered, rejected, retry
	connects    *prometheus.CounterVec // by result: ok, error
	fetchBytes  prometheus.Counter
	ackCommands *prometheus.CounterVec // by action: flag, move, delete; result: ok, error
	fullSyncs   prometheus.Counter
	idleWakeups prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	// Registered on reg through promauto (nil: not registered); registering
	// twice on one registry is a wiring bug and panics at start.
	f := promauto.With(reg)

	m := &metrics{
		messages: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_messages_total",
			Help: "IMAP messages handled, by outcome (delivered, rejected, retry).",
		}, []string{"outcome"}),
		connects: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_connections_total",
			Help: "IMAP connections opened (login and mailbox selection included), by result (ok, error).",
		}, []string{"result"}),
		fetchBytes: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_fetched_bytes_total",
			Help: "Message bytes fetched from the IMAP server.",
		}),
		ackCommands: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_ack_commands_total",
			Help: "Batched flag, move and delete commands sent after delivery, by action and result (ok, error).",
		}, []string{"action", "result"}),
		fullSyncs: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_full_syncs_total",
			Help: "Listings of the whole selection (first run, another mailbox, UIDVALIDITY changed).",
		}),
		idleWakeups: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_idle_wakeups_total",
			Help: "Passes started because the server announced new mail during IDLE.",
		}),
	}
	return m
}
