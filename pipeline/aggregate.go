package pipeline

import (
	"context"
	"io"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
)

type builtDoc struct {
	doc       *mapping.AggregateDoc
	index, id string
}

// parseAggregate streams records into documents; the sink enriches,
// encodes and spools them in batches.
func (p *Pipeline) parseAggregate(ctx context.Context, pr *Prepared, body io.Reader, res *Result) (time.Time, error) {
	var (
		b    *mapping.AggregateBuilder
		date time.Time
		sink = p.newAggSink(ctx, pr, res)
	)
	_, err := aggregate.Parse(body, func(rep *aggregate.Report, rec *aggregate.Record) error {
		if b == nil {
			b = mapping.NewAggregateBuilder(p.d.Prefix, rep)
			date = rep.Metadata.Begin
		}
		doc, index, id := b.Build(rec)
		if err := sink.add(builtDoc{doc, index, id}); err != nil {
			return internalError{err}
		}
		return nil
	})
	if err != nil {
		sink.abort()
		return date, err
	}
	if err := sink.finish(); err != nil {
		return date, internalError{err}
	}
	return date, nil
}
