package dir

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	pending   prometheus.GaugeFunc
	known     prometheus.Counter
	rescans   prometheus.Counter
	overflows prometheus.Counter
	skipped   *prometheus.CounterVec
}

// newMetrics registers the source's metrics on reg (which may be nil).
// pending is called at every scrape: the gauge is counted from the file
// table then, so it stays true while the source is blocked handing a file
// to a full queue.
func newMetrics(reg prometheus.Registerer, pending func() float64) *metrics {
	m := &metrics{
		pending: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dmarc_agent_dir_pending_files",
			Help: "Files found in the watched directory and not yet acknowledged: waiting to be stable, queued, or being processed.",
		}, pending),
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
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_dir_skipped_files_total",
			Help: "Paths in the watched folder not read: symlink (follow_symlinks is off) or not_regular (named pipe, socket, device). Counted once per path and run.",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.pending, m.known, m.rescans, m.overflows, m.skipped)
	}
	return m
}
