package dir

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	pending   prometheus.Gauge
	known     prometheus.Counter
	rescans   prometheus.Counter
	overflows prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dmarc_agent_dir_pending_files",
			Help: "Files found in the watched directory and not yet acknowledged: waiting to be stable, queued, or being processed.",
		}),
		known: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_dir_known_files_total",
			Help: "Files whose content was delivered or rejected before (a duplicate, or a file already seen before a restart); not delivered again.",
		}),
		rescans: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_dir_rescans_total",
			Help: "Full scans of the watched directory.",
		}),
		overflows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_dir_event_overflows_total",
			Help: "File-system event queue overflows (each one triggers a rescan).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.pending, m.known, m.rescans, m.overflows)
	}
	return m
}
