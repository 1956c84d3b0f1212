package enrich

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	geo      *prometheus.CounterVec // result: found, not_found, error
	invalid  prometheus.Counter
	matches  *prometheus.CounterVec // matched_by: ptr, dkim, asn, none
	verdicts *prometheus.CounterVec // verdict
}

func newMetrics(reg prometheus.Registerer) *metrics {
	// Registered on reg through promauto (nil: not registered); registering
	// twice on one registry is a wiring bug and panics at start.
	f := promauto.With(reg)

	m := &metrics{
		geo: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_geoip_lookups_total",
			Help: "GeoIP lookups of distinct addresses per batch, by result (found, not_found, error).",
		}, []string{"result"}),
		invalid: f.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_invalid_ips_total",
			Help: "Source IPs that could not be parsed and were left unenriched.",
		}),
		matches: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_sender_matches_total",
			Help: "Sources enriched, by the signal that named the sender (ptr, dkim, asn, none).",
		}, []string{"matched_by"}),
		verdicts: f.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_verdicts_total",
			Help: "Aggregate records by verdict.",
		}, []string{"verdict"}),
	}
	for _, r := range []string{"found", "not_found", "error"} {
		m.geo.WithLabelValues(r)
	}
	for _, b := range []string{"ptr", "dkim", "asn", "none"} {
		m.matches.WithLabelValues(b)
	}
	for _, v := range []string{"aligned", "forwarded", "misconfigured", "spoofed"} {
		m.verdicts.WithLabelValues(v)
	}
	return m
}
