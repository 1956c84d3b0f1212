package pipeline

import (
	"hash"

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
	tally      Tally     // of the report being parsed (Deps.Tally)
}

// addAggregate counts one document of the report being parsed: what the
// metrics need always, the rest only through the report's tally.
func (r *Result) addAggregate(doc *mapping.AggregateDoc) {
	r.Messages += doc.Message.Count
	if r.tally != nil {
		r.tally.Add(doc)
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
}

// Merge adds o's counts to r; callers build run summaries with it.
func (r *Result) Merge(o Result) { r.merge(&o) }
