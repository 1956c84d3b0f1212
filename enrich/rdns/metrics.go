package rdns

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics counts reverse-DNS work.
type Metrics struct {
	Lookups      *prometheus.CounterVec // by result: found, not_found, timeout, error
	CacheHits    prometheus.Counter
	CacheMisses  prometheus.Counter
	Skipped      *prometheus.CounterVec // by reason: breaker, budget
	BreakerOpen  prometheus.Gauge
	BreakerTrips prometheus.Counter
	Unconfirmed  prometheus.Counter
	CacheEntries prometheus.GaugeFunc
}

func newMetrics(reg prometheus.Registerer, entries func() float64) *Metrics {
	// Registered on reg through promauto (nil: not registered); registering
	// twice on one registry is a wiring bug and panics at start.
	f := promauto.With(reg)

	m := &Metrics{
		Lookups: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_dns_lookups_total",
			Help: "Reverse-DNS lookups sent, by result (found, not_found, timeout, error).",
		}, []string{"result"}),
		CacheHits: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_dns_cache_hits_total",
			Help: "Reverse-DNS answers served from the cache (positive or negative).",
		}),
		CacheMisses: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_dns_cache_misses_total",
			Help: "Addresses not in the reverse-DNS cache.",
		}),
		Skipped: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_dns_skipped_total",
			Help: "Addresses left without reverse DNS, by reason (breaker open, batch budget spent).",
		}, []string{"reason"}),
		BreakerOpen: f.NewGauge(prometheus.GaugeOpts{
			Name: "dmarc_agent_enrich_dns_breaker_open",
			Help: "1 while reverse DNS is suspended after consecutive timeouts.",
		}),
		BreakerTrips: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_dns_breaker_trips_total",
			Help: "Times reverse DNS was suspended after consecutive timeouts.",
		}),
		Unconfirmed: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_dns_unconfirmed_total",
			Help: "PTR names dropped because they did not resolve back to the address.",
		}),
		CacheEntries: f.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dmarc_agent_enrich_dns_cache_entries",
			Help: "Entries in the reverse-DNS cache.",
		}, entries),
	}
	for _, r := range []string{"found", "not_found", "timeout", "error"} {
		m.Lookups.WithLabelValues(r)
	}
	for _, r := range []string{"breaker", "budget"} {
		m.Skipped.WithLabelValues(r)
	}
	return m
}
