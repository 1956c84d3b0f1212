package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// Deliver writes a prepared message's documents and returns its result. The
// outcome is delivered only when the output acknowledged every document (and
// the archive holds every report); otherwise the source must deliver the
// message again. A document the output refused for good counts as
// acknowledged only once the output has kept it in its dead-letter place;
// the outcome then carries the count (Outcome.Refused), the metric outcome
// is dead_letter, and one warning names the message.
func (p *Pipeline) Deliver(ctx context.Context, pr *Prepared) Result {
	defer pr.spool.Close()
	defer p.idle.end()
	res := pr.result
	res.Outcome.Reports = map[string]int{}
	for k, n := range res.Reports {
		res.Outcome.Reports[string(k)] = n
	}
	res.Outcome.Reason = rejectionSummary(res.Rejected)
	src := pr.msg.Source
	reuse := true
	switch {
	case pr.err != nil:
		res.Outcome.Err = pr.err
	case len(res.Reports) == 0:
		reason := res.Outcome.Reason
		if reason == "" {
			reason = "no report found"
		}
		if incomplete(res.Rejected) {
			res.Outcome.Err = fmt.Errorf("%w (%w): %s", collector.ErrNoReport, collector.ErrIncomplete, reason)
		} else {
			res.Outcome.Err = fmt.Errorf("%w: %s", collector.ErrNoReport, reason)
		}
	default:
		wctx := output.WithOrigin(ctx, output.Origin{Source: src, ID: pr.msg.ID})
		var out output.Result
		var err error
		if pr.validating.Load() {
			var streamed Result
			streamed, out, err = p.stream(wctx, pr)
			if err == nil {
				// The documents and their summary are those of the
				// second reading; the rejections, of the first.
				streamed.Outcome, streamed.Rejected = res.Outcome, res.Rejected
				res = streamed
			}
		} else {
			out, err = p.d.Output.Write(wctx, pr.spool.Docs())
		}
		res.Output = out
		if err != nil {
			// The output may still hold some documents (a Write ended by
			// its context): their memory is not reused.
			reuse = false
			res.Outcome.Err = fmt.Errorf("writing documents of %s: %w", pr.msg.ID, err)
		} else {
			res.Outcome.Err = p.commitArchives(pr)
			res.Outcome.Refused = len(out.Failed)
		}
	}
	if reuse {
		pr.spool.Release()
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
	committed := len(pr.archives) > 0
	pr.archives = nil
	err := errors.Join(errs...)
	switch {
	case err != nil:
		p.d.ArchiveFault.Set(err)
	case committed:
		p.d.ArchiveFault.Clear()
	}
	return err
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
	case o.Refused > 0:
		outcome = "dead_letter"
	}
	if m := p.d.Metrics; m != nil {
		m.Messages.WithLabelValues(src, outcome).Inc()
		for _, r := range res.Rejected {
			m.Rejected.WithLabelValues(r.Class).Inc()
		}
		if outcome == "delivered" || outcome == "dead_letter" {
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
		if p.d.OneShot {
			p.log.Warn("message not delivered; not acknowledged to its source (not retried in this run: fix the cause and run again)", "source", src, "id", id, "err", o.Err)
		} else {
			p.log.Warn("message not delivered; not acknowledged to its source, which delivers it again later", "source", src, "id", id, "err", o.Err)
		}
	case "rejected":
		p.log.Log(context.Background(), p.rejectLevel, "message holds no valid report", "source", src, "id", id, "reason", o.Reason)
	case "dead_letter":
		// One line for the message, however many documents were refused.
		f := res.Output.Failed[0]
		p.log.Warn("documents refused by the output; kept in its dead-letter place, the rest delivered",
			"source", src, "id", id, "refused", len(res.Output.Failed), "documents", res.Documents,
			"dead_letter", res.Output.DeadLetter, "first_index", f.Index, "first_id", f.ID, "first_reason", f.Reason)
	default:
		p.log.Debug("message delivered", "source", src, "id", id, "reports", res.Outcome.Reports, "documents", res.Documents)
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

// incomplete reports whether every rejection looks like input that ends
// early, or that changed while it was read: what a file still being written
// gives (see collector.ErrIncomplete). The reasons are the decoders' and
// parsers' one-line texts ("XML truncated: end of input inside <record>",
// "truncated gzip data", "corrupt or truncated zip", and the watched
// folder's "changed after it was found complete").
func incomplete(rs []Rejection) bool {
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		l := strings.ToLower(r.Reason)
		if !strings.Contains(l, "truncated") && !strings.Contains(l, "unexpected eof") &&
			!strings.Contains(l, "end of input") && !strings.Contains(l, "changed after it was found complete") {
			return false
		}
	}
	return true
}
