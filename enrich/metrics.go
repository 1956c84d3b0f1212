package enrich

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	geo      *prometheus.CounterVec // result: found, not_found, error
	invalid  prometheus.Counter
	matches  *prometheus.CounterVec // matched_by: ptr, dkim, asn, none
	verdicts *prometheus.CounterVec // verdict
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		geo: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_geoip_lookups_total",
			Help: "GeoIP lookups of distinct addresses per batch, by result (found, not_found, error).",
		}, []string{"result"}),
		invalid: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_invalid_ips_total",
			Help: "Source IPs that could not be parsed and were left unenriched.",
		}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmarc_agent_enrich_sender_matches_total",
			Help: "Sources enriched, by the signal that named the sender (ptr, dkim, asn, none).",
		}, []string{"matched_by"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
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
	if reg != nil {
		for _, c := range []prometheus.Collector{m.geo, m.invalid, m.matches, m.verdicts} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("registering enrichment metrics: %w", err)
			}
		}
	}
	return m, nil
}
