package dir

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	pending   prometheus.GaugeFunc
	known     prometheus.Counter
	rescans   prometheus.Counter
	overflows prometheus.Counter
	skipped   *prometheus.CounterVec
}

// newMetrics registers the source's metrics on reg through promauto (nil:
// not registered; registering twice on one registry is a wiring bug and
// panics at start). pending is called at every scrape: the gauge is counted
// from the file table then, so it stays true while the source is blocked
// handing a file to a full queue.
func newMetrics(reg prometheus.Registerer, pending func() float64) *metrics {
	f := promauto.With(reg)

	m := &metrics{
		pending: f.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dmarc_agent_dir_pending_files",
			Help: "Files found in the watched directory and not yet acknowledged: waiting to be stable, queued, or being processed.",
		}, pending),
		known: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_dir_known_files_total",
			Help: "Files whose content was delivered or rejected before (a duplicate, or a file already seen before a restart); not delivered again.",
		}),
		rescans: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_dir_rescans_total",
			Help: "Full scans of the watched directory.",
		}),
		overflows: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_dir_event_overflows_total",
			Help: "File-system event queue overflows (each one triggers a rescan).",
		}),
		skipped: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_dir_skipped_files_total",
			Help: "Paths in the watched folder not read: symlink (follow_symlinks is off) or not_regular (named pipe, socket, device). Counted once per path and run.",
		}, []string{"reason"}),
	}
	return m
}
