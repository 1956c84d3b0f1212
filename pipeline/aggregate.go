package pipeline

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
)

type builtDoc struct {
	doc       *mapping.AggregateDoc
	index, id string
}

// parseAggregate streams records into documents, enriching them in batches.
func (p *Pipeline) parseAggregate(ctx context.Context, pr *Prepared, body io.Reader, res *Result) (time.Time, error) {
	var (
		b     *mapping.AggregateBuilder
		date  time.Time
		batch = make([]builtDoc, 0, enrichBatch)
		docs  = make([]*mapping.AggregateDoc, 0, enrichBatch)
		enc   = newEncoder()
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if p.d.Enricher != nil {
			docs = docs[:0]
			for _, bd := range batch {
				docs = append(docs, bd.doc)
			}
			p.d.Enricher.Aggregate(ctx, docs)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, bd := range batch {
			body, err := enc.encode(bd.doc)
			if err != nil {
				return fmt.Errorf("encoding document: %w", err)
			}
			if err := pr.spool.add(bd.index, bd.id, body); err != nil {
				return err
			}
			res.Documents++
			res.addAggregate(bd.doc)
		}
		batch = batch[:0]
		return nil
	}
	_, err := aggregate.Parse(body, func(rep *aggregate.Report, rec *aggregate.Record) error {
		if b == nil {
			b = mapping.NewAggregateBuilder(p.d.Prefix, rep)
			date = rep.Metadata.Begin
		}
		doc, index, id := b.Build(rec)
		batch = append(batch, builtDoc{doc, index, id})
		if len(batch) == enrichBatch {
			if err := flush(); err != nil {
				return internalError{err}
			}
		}
		return nil
	})
	if err != nil {
		return date, err
	}
	if err := flush(); err != nil {
		return date, internalError{err}
	}
	return date, nil
}
