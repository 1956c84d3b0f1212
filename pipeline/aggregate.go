package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/dmarc-agent/dmarc-agent/enrich/verdict"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
)

// builtDoc is one record's document, held by value in the sink's batches,
// which are reused: a document costs no allocation of its own.
type builtDoc struct {
	doc       mapping.AggregateDoc
	index, id string
	addr      netip.Addr // the record's source IP, which doc.Source.IP was formatted from; invalid when none
}

// parseAggregate streams records into documents; the sink enriches,
// encodes and spools them in batches.
func (p *Pipeline) parseAggregate(ctx context.Context, pr *Prepared, body io.Reader, res *Result) (time.Time, error) {
	var (
		b    *mapping.AggregateBuilder
		date time.Time
		sink = p.newAggSink(ctx, pr, res)
	)
	if p.d.Tally != nil {
		res.tally = p.d.Tally()
	}
	// The sink is released however this returns, a panic of the parser
	// included (see parseRecovered).
	finished := false
	defer func() {
		if !finished {
			sink.abort()
		}
		if b != nil {
			b.Close()
		}
	}()
	_, err := aggregate.Parse(body, func(rep *aggregate.Report, rec *aggregate.Record) error {
		if b == nil {
			b = mapping.NewAggregateBuilder(p.d.Prefix, rep)
			b.SetSpillDir(p.d.TempDir)
			date = rep.Metadata.Begin
			for _, k := range rep.Repairs {
				res.addRepair(k, 1)
			}
		}
		if !pr.keeping() {
			return nil // validating only: the records are built on the second reading
		}
		bd := sink.slot()
		bd.index, bd.id = b.BuildInto(&bd.doc, rec)
		bd.addr = rec.SourceIP
		if err := b.Err(); err != nil {
			return internalError{fmt.Errorf("counting identical records: %w", err)}
		}
		verdict.Derive(&bd.doc) // what policy_evaluated does not say
		if err := sink.added(); err != nil {
			return internalError{err}
		}
		return nil
	})
	if err != nil {
		return date, err
	}
	err = sink.finish()
	finished = true // finish released the sink, unless it panicked
	if err != nil {
		return date, internalError{err}
	}
	return date, nil
}
