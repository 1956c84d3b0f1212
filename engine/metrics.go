package engine

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// RunMetrics are the runner's Prometheus metrics. Messages by outcome are
// counted by the processor (Metrics). Create them once per registry; a Runner
// may be run several times with the same RunMetrics.
type RunMetrics struct {
	handedBack  *prometheus.CounterVec
	inFlight    prometheus.Gauge
	lag         *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	duration    prometheus.Histogram
	queueDepth  prometheus.GaugeFunc
	queueLen    atomic.Pointer[func() int]
}

// NewRunMetrics registers the runner's metrics with reg (nil: not registered).
func NewRunMetrics(reg prometheus.Registerer) *RunMetrics {
	// Registered on reg through promauto (nil: not registered); registering
	// twice on one registry is a wiring bug and panics at start.
	f := promauto.With(reg)

	m := &RunMetrics{
		handedBack: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_messages_handed_back_total",
			Help: "Messages handed back to their source at shutdown (queued, or cut off by the grace period); delivered again later.",
		}, []string{"source"}),
		inFlight: f.NewGauge(prometheus.GaugeOpts{
			Name: "dmarc_agent_messages_in_flight",
			Help: "Messages being processed by a worker now.",
		}),
		lag: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dmarc_agent_source_lag_seconds",
			Help: "Age of the last message a worker took from the source: start of processing minus the time the source received it.",
		}, []string{"source"}),
		lastSuccess: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dmarc_agent_source_last_success_timestamp_seconds",
			Help: "Unix time of the last message of the source delivered to the output.",
		}, []string{"source"}),
		duration: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "dmarc_agent_message_duration_seconds",
			Help:    "Time to process one message, from worker start to outcome.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 9), // 10ms .. ~11min
		}),
	}
	m.queueDepth = f.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "dmarc_agent_queue_depth",
		Help: "Messages waiting between the sources and the workers.",
	}, func() float64 {
		if f := m.queueLen.Load(); f != nil {
			return float64((*f)())
		}
		return 0
	})
	return m
}

// InitSource makes the source's series visible at 0 before its first message.
func (m *RunMetrics) InitSource(source string) {
	m.handedBack.WithLabelValues(source)
}

func (m *RunMetrics) observeStart(source string, received, now time.Time) {
	m.inFlight.Inc()
	if !received.IsZero() {
		m.lag.WithLabelValues(source).Set(now.Sub(received).Seconds())
	}
}

func (m *RunMetrics) observeEnd(source string, delivered bool, took time.Duration, now time.Time) {
	m.inFlight.Dec()
	m.duration.Observe(took.Seconds())
	if delivered {
		m.lastSuccess.WithLabelValues(source).Set(float64(now.UnixNano()) / 1e9)
	}
}
