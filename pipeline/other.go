package pipeline

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/failure"
	"github.com/dmarc-agent/dmarc-agent/report/tlsrpt"
)

// parseFailure builds the one document of a failure report.
func (p *Pipeline) parseFailure(ctx context.Context, pr *Prepared, body io.Reader, res *Result) (time.Time, error) {
	rep, err := failure.Parse(body, pr.msg.Received)
	if err != nil {
		return time.Time{}, err
	}
	for _, k := range rep.Repairs {
		res.addRepair(k, 1)
	}
	doc, index, id := mapping.BuildFailure(p.d.Prefix, rep, p.d.Failure)
	if p.d.Enricher != nil {
		p.d.Enricher.Sources(ctx, []*mapping.Source{&doc.Source})
	}
	return rep.Time(), p.spoolDoc(pr, res, index, id, doc)
}

// parseTLS builds one document per policy of an SMTP TLS report.
func (p *Pipeline) parseTLS(_ context.Context, pr *Prepared, body io.Reader, res *Result) (time.Time, error) {
	rep, err := tlsrpt.Parse(body)
	if err != nil {
		return time.Time{}, err
	}
	for _, k := range rep.Repairs {
		res.addRepair(k, 1)
	}
	for _, pol := range rep.Policies {
		for _, k := range pol.Repairs {
			res.addRepair(k, 1)
		}
	}
	var date time.Time
	for _, e := range mapping.BuildTLS(p.d.Prefix, rep) {
		date = e.Doc.Timestamp
		if err := p.spoolDoc(pr, res, e.Index, e.ID, e.Doc); err != nil {
			return date, err
		}
	}
	return date, nil
}

func (p *Pipeline) spoolDoc(pr *Prepared, res *Result, index, id string, doc any) error {
	body, err := newEncoder().encode(doc)
	if err != nil {
		return internalError{fmt.Errorf("encoding document: %w", err)}
	}
	if err := pr.add(index, id, body); err != nil {
		return internalError{err}
	}
	res.Documents++
	res.noteID(id)
	return nil
}
