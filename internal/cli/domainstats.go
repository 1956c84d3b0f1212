package cli

import (
	"cmp"
	"slices"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// domainStats summarises aggregate records of one policy domain.
type domainStats struct {
	Messages int64
	Passed   int64
	// failing: source address (as the document writes it) -> failing
	// messages, bounded by maxTracked.
	failing map[string]int64
}

// maxTracked bounds the failing sources kept per domain; when it is reached
// the smaller half is dropped (the heavy hitters a summary shows survive).
const maxTracked = 4096

func (d *domainStats) addFailing(ip string, n int64) {
	if d.failing == nil {
		d.failing = map[string]int64{}
	}
	d.failing[ip] += n
	if len(d.failing) > maxTracked {
		keep := d.TopFailing(maxTracked / 2) // deterministic: by count, then IP
		clear(d.failing)
		for _, s := range keep {
			d.failing[s.IP] = s.Messages
		}
	}
}

func (d *domainStats) merge(o *domainStats) {
	d.Messages += o.Messages
	d.Passed += o.Passed
	for ip, n := range o.failing {
		d.addFailing(ip, n)
	}
}

// sourceCount is a source and its failing message count.
type sourceCount struct {
	IP       string `json:"ip"`
	Messages int64  `json:"messages"`
}

// TopFailing returns the n sources with the most failing messages, ties by IP.
func (d *domainStats) TopFailing(n int) []sourceCount {
	out := make([]sourceCount, 0, len(d.failing))
	for ip, c := range d.failing {
		out = append(out, sourceCount{ip, c})
	}
	slices.SortFunc(out, func(a, b sourceCount) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), cmp.Compare(a.IP, b.IP))
	})
	return out[:min(n, len(out))]
}

// PassRate is the share of messages that passed DMARC, 0..1.
func (d *domainStats) PassRate() float64 {
	if d.Messages == 0 {
		return 0
	}
	return float64(d.Passed) / float64(d.Messages)
}

// reportTally is the pipeline.Tally of one aggregate report: every record
// of a report has the report's policy domain, so it counts into one
// domainStats, merged into the run's totals once per report.
type reportTally struct {
	seen   bool // a record was added: domain is set
	domain string
	stats  domainStats
	other  map[string]*domainStats // records of another domain: never seen, but counted right
}

func newReportTally() pipeline.Tally { return &reportTally{} }

// Add implements pipeline.Tally.
func (t *reportTally) Add(doc *mapping.AggregateDoc) {
	d := &t.stats
	switch {
	case !t.seen:
		t.seen, t.domain = true, doc.Policy.Domain
	case doc.Policy.Domain != t.domain:
		if t.other == nil {
			t.other = map[string]*domainStats{}
		}
		if d = t.other[doc.Policy.Domain]; d == nil {
			d = &domainStats{}
			t.other[doc.Policy.Domain] = d
		}
	}
	d.Messages += doc.Message.Count
	switch {
	case doc.DMARC.Passed():
		d.Passed += doc.Message.Count
	case doc.DMARC.Pass != nil: // unknown is neither passing nor failing
		src := doc.Source.IP // the address already formatted, never parsed again
		if src == "" {
			src = doc.Source.Address
		}
		d.addFailing(src, doc.Message.Count)
	}
}

// mergeInto adds the report's counts to the run's, by domain.
func (t *reportTally) mergeInto(domains map[string]*domainStats) {
	add := func(name string, s *domainStats) {
		d := domains[name]
		if d == nil {
			d = &domainStats{}
			domains[name] = d
		}
		d.merge(s)
	}
	if t.seen {
		add(t.domain, &t.stats)
	}
	for name, s := range t.other {
		add(name, s)
	}
}
