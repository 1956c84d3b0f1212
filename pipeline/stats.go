package pipeline

import (
	"cmp"
	"hash"
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
	// Warnings counts aggregate records kept despite a problem (an
	// unreadable source_ip): their documents carry warnings.
	Warnings int
	// Repairs counts what was repaired or flagged, by kind: reports for
	// report and container repairs, records for record warnings.
	Repairs map[string]int
	// Copies has one entry per valid report, so that a run summary can
	// count a report that arrived in several containers once.
	Copies []ReportCopy

	docsByKind map[mapping.Kind]int
	ids        hash.Hash // of the ids of the report's documents, while it is parsed
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
	switch {
	case doc.DMARC.Passed():
		d.Passed += doc.Message.Count
	case doc.DMARC.Pass != nil: // unknown is neither passing nor failing
		src := doc.Source.IP
		if src == "" {
			src = doc.Source.Address
		}
		d.addFailing(src, doc.Message.Count)
	}
	if len(doc.Warnings) > 0 {
		r.Warnings++
		for _, w := range doc.Warnings {
			r.addRepair(w, 1)
		}
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
	r.Warnings += o.Warnings
	for k, n := range o.Repairs {
		r.addRepair(k, n)
	}
	r.Copies = append(r.Copies, o.Copies...)
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
