package pipeline

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the pipeline's Prometheus counters.
type Metrics struct {
	Messages       *prometheus.CounterVec // by source and outcome
	Reports        *prometheus.CounterVec // valid reports by kind
	Documents      *prometheus.CounterVec // documents built by kind
	Written        *prometheus.CounterVec // output results: indexed, duplicate, failed
	Rejected       *prometheus.CounterVec // rejected inputs by reason class
	ReportMessages prometheus.Counter     // sum of message counts in aggregate records
	Repairs        *prometheus.CounterVec // repaired or flagged reports (records for record warnings), by kind
}

// NewMetrics registers the counters on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	// Registered on reg through promauto (nil: not registered); registering
	// twice on one registry is a wiring bug and panics at start.
	f := promauto.With(reg)

	m := &Metrics{
		Messages: f.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_messages_total",
			Help: "Source messages processed, by source and outcome (delivered, dead_letter: delivered but some documents refused by the output and kept in its dead-letter place, rejected, retry)."}, []string{"source", "outcome"}),
		Reports: f.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_reports_total",
			Help: "Valid reports delivered, by kind."}, []string{"kind"}),
		Documents: f.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_documents_total",
			Help: "Documents delivered to the output, by kind."}, []string{"kind"}),
		Written: f.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_documents_written_total",
			Help: "Output results per document: indexed, duplicate, failed (refused for good, kept in the dead-letter place)."}, []string{"result"}),
		Rejected: f.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_rejected_total",
			Help: "Rejected inputs (containers, reports, messages), by reason class."}, []string{"reason"}),
		ReportMessages: f.NewCounter(prometheus.CounterOpts{Name: "dmarc_agent_report_messages_total",
			Help: "Sum of the message counts of delivered aggregate records."}),
		Repairs: f.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_report_repairs_total",
			Help: "Delivered reports that needed a repair or got a flag, by kind (records for the record warnings invalid_source_ip and missing_source_ip, policies for the SMTP TLS policy_domain_* kinds). mapping/FIELDS.md lists the kinds."}, []string{"kind"}),
	}
	return m
}
