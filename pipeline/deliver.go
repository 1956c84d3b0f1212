package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// Deliver writes a prepared message's documents and returns its result. The
// outcome is delivered only when the output acknowledged every document (and
// the archive holds every report); otherwise the source must deliver the
// message again.
func (p *Pipeline) Deliver(ctx context.Context, pr *Prepared) Result {
	defer pr.spool.Close()
	res := pr.result
	res.Outcome.Reports = map[string]int{}
	for k, n := range res.Reports {
		res.Outcome.Reports[string(k)] = n
	}
	res.Outcome.Reason = rejectionSummary(res.Rejected)
	src := pr.msg.Source
	switch {
	case pr.err != nil:
		res.Outcome.Err = pr.err
	case len(res.Reports) == 0:
		reason := res.Outcome.Reason
		if reason == "" {
			reason = "no report found"
		}
		res.Outcome.Err = fmt.Errorf("%w: %s", collector.ErrNoReport, reason)
	default:
		out, err := p.d.Output.Write(ctx, pr.spool.docs())
		res.Output = out
		if err != nil {
			res.Outcome.Err = fmt.Errorf("writing documents of %s: %w", pr.msg.ID, err)
		} else {
			res.Outcome.Err = p.commitArchives(pr)
		}
	}
	if res.Outcome.Err != nil {
		for _, a := range pr.archives {
			a.w.Abort()
		}
	}
	p.record(src, pr.msg.ID, &res)
	return res
}

func (p *Pipeline) commitArchives(pr *Prepared) error {
	var errs []error
	for _, a := range pr.archives {
		if err := a.w.Commit(a.kind, a.date); err != nil {
			errs = append(errs, fmt.Errorf("archiving a %s report: %w", a.kind, err))
		}
	}
	pr.archives = nil
	return errors.Join(errs...)
}

// record updates metrics and logs one line per message at most.
func (p *Pipeline) record(src, id string, res *Result) {
	o := res.Outcome
	outcome := "delivered"
	switch {
	case o.Rejected():
		outcome = "rejected"
	case o.Err != nil:
		outcome = "retry"
	}
	if m := p.d.Metrics; m != nil {
		m.Messages.WithLabelValues(src, outcome).Inc()
		for _, r := range res.Rejected {
			m.Rejected.WithLabelValues(r.Class).Inc()
		}
		if outcome == "delivered" {
			for k, n := range res.Reports {
				m.Reports.WithLabelValues(string(k)).Add(float64(n))
			}
			for k, n := range res.docsByKind {
				m.Documents.WithLabelValues(string(k)).Add(float64(n))
			}
			m.ReportMessages.Add(float64(res.Messages))
			for k, n := range res.Repairs {
				m.Repairs.WithLabelValues(k).Add(float64(n))
			}
			m.Written.WithLabelValues("indexed").Add(float64(res.Output.Indexed))
			m.Written.WithLabelValues("duplicate").Add(float64(res.Output.Duplicates))
			m.Written.WithLabelValues("failed").Add(float64(len(res.Output.Failed)))
		}
	}
	switch outcome {
	case "retry":
		p.log.Warn("message not delivered, will retry", "source", src, "id", id, "err", o.Err)
	case "rejected":
		p.log.Warn("message holds no valid report", "source", src, "id", id, "reason", o.Reason)
	default:
		p.log.Debug("message delivered", "source", src, "id", id, "reports", res.Outcome.Reports, "documents", res.Documents)
	}
	for _, f := range res.Output.Failed {
		p.log.Warn("document refused by the output", "index", f.Index, "id", f.ID, "reason", f.Reason)
	}
}

func rejectionSummary(rs []Rejection) string {
	if len(rs) == 0 {
		return ""
	}
	parts := make([]string, 0, 3)
	for _, r := range rs[:min(3, len(rs))] {
		parts = append(parts, r.Path+": "+r.Reason)
	}
	s := strings.Join(parts, "; ")
	if len(rs) > 3 {
		s += fmt.Sprintf("; and %d more", len(rs)-3)
	}
	return s
}
