package mapping

import (
	"slices"
	"time"
)

// AggregateEncoder writes aggregate documents as AppendJSON does, but
// encodes the report/policy prefix (@timestamp, report, policy: about 40 %
// of each document's bytes, the same for every record of a report) once and
// copies it while the documents it is given share it. Whether they do is
// checked on every document, field by field, so the output is AppendJSON's
// whatever the order of the documents. The zero value is ready; an
// encoder is not safe for concurrent use.
type AggregateEncoder struct {
	prefix []byte // encoded prefix of the fields below; nil: none yet
	ts     time.Time
	report ReportMeta // Errors and Repairs are copies
	policy PolicyPublished
	pct    int // *policy.Pct, copied
}

// AppendJSON appends d as d.AppendJSON(dst) would.
func (e *AggregateEncoder) AppendJSON(dst []byte, d *AggregateDoc) ([]byte, error) {
	if e.prefix == nil || !e.same(d) {
		p, err := d.appendPrefix(e.prefix[:0])
		if err != nil {
			e.prefix = nil
			return append(dst, p...), err // as AppendJSON: unspecified
		}
		e.remember(d, p)
	}
	return d.appendRecord(append(dst, e.prefix...))
}

// remember keeps what d's prefix p was encoded from, copying what the
// caller could change afterwards.
func (e *AggregateEncoder) remember(d *AggregateDoc, p []byte) {
	e.prefix, e.ts, e.report, e.policy = p, d.Timestamp, d.Report, d.Policy
	e.report.Errors = slices.Clone(d.Report.Errors)
	e.report.Repairs = slices.Clone(d.Report.Repairs)
	if d.Policy.Pct != nil {
		e.pct = *d.Policy.Pct
		e.policy.Pct = &e.pct
	}
}

// same reports whether d's prefix encodes as the one remembered. Times are
// compared with == (instant, location and monotonic reading), as AppendJSON
// does to reuse @timestamp's text for report.begin.
func (e *AggregateEncoder) same(d *AggregateDoc) bool {
	r, c := &d.Report, &e.report
	if d.Timestamp != e.ts || r.Begin != c.Begin || r.End != c.End ||
		r.OrgName != c.OrgName || r.OrgEmail != c.OrgEmail || r.ExtraContactInfo != c.ExtraContactInfo ||
		r.ID != c.ID || r.Generator != c.Generator || r.Schema != c.Schema ||
		!slices.Equal(r.Errors, c.Errors) || !slices.Equal(r.Repairs, c.Repairs) {
		return false
	}
	p, q := &d.Policy, &e.policy
	if (p.Pct == nil) != (q.Pct == nil) || (p.Pct != nil && *p.Pct != *q.Pct) {
		return false
	}
	return p.Domain == q.Domain && p.ADKIM == q.ADKIM && p.ASPF == q.ASPF && p.P == q.P &&
		p.SP == q.SP && p.NP == q.NP && p.FO == q.FO && p.Testing == q.Testing &&
		p.DiscoveryMethod == q.DiscoveryMethod
}
