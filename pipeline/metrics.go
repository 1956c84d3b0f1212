package pipeline

import "github.com/prometheus/client_golang/prometheus"

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
	m := &Metrics{
		Messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_messages_total",
			Help: "Source messages processed, by source and outcome (delivered, dead_letter: delivered but some documents refused by the output and kept in its dead-letter place, rejected, retry)."}, []string{"source", "outcome"}),
		Reports: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_reports_total",
			Help: "Valid reports delivered, by kind."}, []string{"kind"}),
		Documents: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_documents_total",
			Help: "Documents delivered to the output, by kind."}, []string{"kind"}),
		Written: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_documents_written_total",
			Help: "Output results per document: indexed, duplicate, failed (refused for good, kept in the dead-letter place)."}, []string{"result"}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_rejected_total",
			Help: "Rejected inputs (containers, reports, messages), by reason class."}, []string{"reason"}),
		ReportMessages: prometheus.NewCounter(prometheus.CounterOpts{Name: "dmarc_agent_report_messages_total",
			Help: "Sum of the message counts of delivered aggregate records."}),
		Repairs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dmarc_agent_report_repairs_total",
			Help: "Delivered reports that needed a repair or got a flag, by kind (records for the record warnings invalid_source_ip and missing_source_ip, policies for the SMTP TLS policy_domain_* kinds). mapping/FIELDS.md lists the kinds."}, []string{"kind"}),
	}
	if reg != nil {
		reg.MustRegister(m.Messages, m.Reports, m.Documents, m.Written, m.Rejected, m.ReportMessages, m.Repairs)
	}
	return m
}
