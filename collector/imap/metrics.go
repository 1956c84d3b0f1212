package imap

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/internal/promreg"
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
	m := &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_messages_total",
			Help: "IMAP messages handled, by outcome (delivered, rejected, retry).",
		}, []string{"outcome"}),
		connects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_connections_total",
			Help: "IMAP connections opened (login and mailbox selection included), by result (ok, error).",
		}, []string{"result"}),
		fetchBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_fetched_bytes_total",
			Help: "Message bytes fetched from the IMAP server.",
		}),
		ackCommands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_ack_commands_total",
			Help: "Batched flag, move and delete commands sent after delivery, by action and result (ok, error).",
		}, []string{"action", "result"}),
		fullSyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_full_syncs_total",
			Help: "Listings of the whole selection (first run, another mailbox, UIDVALIDITY changed).",
		}),
		idleWakeups: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_imap_idle_wakeups_total",
			Help: "Passes started because the server announced new mail during IDLE.",
		}),
	}
	if reg != nil {
		m.messages = promreg.Register(reg, m.messages)
		m.connects = promreg.Register(reg, m.connects)
		m.fetchBytes = promreg.Register(reg, m.fetchBytes)
		m.ackCommands = promreg.Register(reg, m.ackCommands)
		m.fullSyncs = promreg.Register(reg, m.fullSyncs)
		m.idleWakeups = promreg.Register(reg, m.idleWakeups)
	}
	return m
}
