package enrich

import (
	"github.com/dmarc-agent/dmarc-agent/enrich/senders"
	"github.com/dmarc-agent/dmarc-agent/enrich/verdict"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	geo      *prometheus.CounterVec // result: found, not_found, error
	invalid  prometheus.Counter
	matches  *prometheus.CounterVec // matched_by: ptr, dkim, asn, none
	verdicts *prometheus.CounterVec // verdict

	// the children of the vectors above, looked up once
	geoFound, geoNotFound, geoError      prometheus.Counter
	byPTR, byDKIM, byASN, byNone         prometheus.Counter
	aligned, forwarded, misconf, spoofed prometheus.Counter
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
	m.geoFound, m.geoNotFound, m.geoError = m.geo.WithLabelValues("found"), m.geo.WithLabelValues("not_found"), m.geo.WithLabelValues("error")
	m.byPTR, m.byDKIM = m.matches.WithLabelValues(senders.ByPTR), m.matches.WithLabelValues(senders.ByDKIM)
	m.byASN, m.byNone = m.matches.WithLabelValues(senders.ByASN), m.matches.WithLabelValues("none")
	m.aligned, m.forwarded = m.verdicts.WithLabelValues(verdict.Aligned), m.verdicts.WithLabelValues(verdict.Forwarded)
	m.misconf, m.spoofed = m.verdicts.WithLabelValues(verdict.Misconfigured), m.verdicts.WithLabelValues(verdict.Spoofed)
	return m
}

// add adds the counts of one batch.
func (m *metrics) add(n *batchCounts) {
	for _, c := range []struct {
		n int
		c prometheus.Counter
	}{
		{n.invalid, m.invalid}, {n.geoFound, m.geoFound}, {n.geoNotFound, m.geoNotFound}, {n.geoError, m.geoError},
		{n.byPTR, m.byPTR}, {n.byDKIM, m.byDKIM}, {n.byASN, m.byASN}, {n.byNone, m.byNone},
		{n.aligned, m.aligned}, {n.forwarded, m.forwarded}, {n.misconf, m.misconf}, {n.spoofed, m.spoofed},
	} {
		if c.n > 0 {
			c.c.Add(float64(c.n))
		}
	}
	for by, k := range n.other {
		m.matches.WithLabelValues(by).Add(float64(k))
	}
	for v, k := range n.otherVerdicts {
		m.verdicts.WithLabelValues(v).Add(float64(k))
	}
}
