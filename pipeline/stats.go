package pipeline

import (
	"cmp"
	"slices"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// Rejection is one input, report or message that was refused, with a
// one-line reason.
type Rejection struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	// Class is a low-cardinality metric label: container (could not be
	// decoded), no_report (nothing in it was a report), too_large, report
	// (a report that failed to parse or validate).
	Class string `json:"-"`
}

// Result is what happened to one message.
type Result struct {
	Outcome   collector.Outcome
	Reports   map[mapping.Kind]int
	Documents int
	// Messages is the sum of the message counts of aggregate records.
	Messages int64
	Rejected []Rejection
	Output   output.Result
	Domains  map[string]*DomainStats

	docsByKind map[mapping.Kind]int
}

// DomainStats summarises aggregate records of one policy domain.
type DomainStats struct {
	Messages int64
	Passed   int64
	failing  map[string]int64 // source IP -> failing messages, bounded
}

// maxTracked bounds the failing sources kept per domain; when it is reached
// the smaller half is dropped (the heavy hitters a summary shows survive).
const maxTracked = 4096

func (d *DomainStats) addFailing(ip string, n int64) {
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

func (d *DomainStats) merge(o *DomainStats) {
	d.Messages += o.Messages
	d.Passed += o.Passed
	for ip, n := range o.failing {
		d.addFailing(ip, n)
	}
}

// SourceCount is a source and its failing message count.
type SourceCount struct {
	IP       string `json:"ip"`
	Messages int64  `json:"messages"`
}

// TopFailing returns the n sources with the most failing messages, ties by IP.
func (d *DomainStats) TopFailing(n int) []SourceCount {
	out := make([]SourceCount, 0, len(d.failing))
	for ip, c := range d.failing {
		out = append(out, SourceCount{ip, c})
	}
	slices.SortFunc(out, func(a, b SourceCount) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), cmp.Compare(a.IP, b.IP))
	})
	return out[:min(n, len(out))]
}

// PassRate is the share of messages that passed DMARC, 0..1.
func (d *DomainStats) PassRate() float64 {
	if d.Messages == 0 {
		return 0
	}
	return float64(d.Passed) / float64(d.Messages)
}

func (r *Result) addAggregate(doc *mapping.AggregateDoc) {
	r.Messages += doc.Message.Count
	if r.Domains == nil {
		r.Domains = map[string]*DomainStats{}
	}
	d := r.Domains[doc.Policy.Domain]
	if d == nil {
		d = &DomainStats{}
		r.Domains[doc.Policy.Domain] = d
	}
	d.Messages += doc.Message.Count
	if doc.DMARC.Pass {
		d.Passed += doc.Message.Count
	} else {
		d.addFailing(doc.Source.IP, doc.Message.Count)
	}
}

// merge adds o's counts to r (not the outcome).
func (r *Result) merge(o *Result) {
	if len(o.Reports) > 0 && r.Reports == nil {
		r.Reports = map[mapping.Kind]int{}
	}
	for k, n := range o.Reports {
		r.Reports[k] += n
	}
	r.Documents += o.Documents
	if len(o.docsByKind) > 0 && r.docsByKind == nil {
		r.docsByKind = map[mapping.Kind]int{}
	}
	for k, n := range o.docsByKind {
		r.docsByKind[k] += n
	}
	r.Messages += o.Messages
	r.Rejected = append(r.Rejected, o.Rejected...)
	r.Output.Add(o.Output)
	if len(o.Domains) > 0 && r.Domains == nil {
		r.Domains = map[string]*DomainStats{}
	}
	for name, d := range o.Domains {
		if r.Domains[name] == nil {
			r.Domains[name] = &DomainStats{}
		}
		r.Domains[name].merge(d)
	}
}

// Merge adds o's counts to r; callers build run summaries with it.
func (r *Result) Merge(o Result) { r.merge(&o) }
