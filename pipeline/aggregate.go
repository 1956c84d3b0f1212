package pipeline

import (
	"context"
	"fmt"
	"io"
	"sync"
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
		b    *mapping.AggregateBuilder
		date time.Time
		sc   = getScratch()
	)
	batch, docs, js := sc.batch, sc.docs, sc.js
	defer func() {
		sc.batch, sc.docs, sc.js = batch, docs, js
		putScratch(sc)
	}()
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
			var err error
			if js, err = bd.doc.AppendJSON(js[:0]); err != nil {
				return fmt.Errorf("encoding document: %w", err)
			}
			if err := pr.spool.add(bd.index, bd.id, js); err != nil {
				return err
			}
			res.Documents++
			res.addAggregate(bd.doc)
		}
		clear(batch) // let the encoded documents go
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

// aggScratch is the per-report working memory of parseAggregate, recycled
// between reports: batches of documents and the encoding buffer.
type aggScratch struct {
	batch []builtDoc
	docs  []*mapping.AggregateDoc
	js    []byte
}

var aggScratches = sync.Pool{New: func() any {
	return &aggScratch{batch: make([]builtDoc, 0, enrichBatch), docs: make([]*mapping.AggregateDoc, 0, enrichBatch)}
}}

func getScratch() *aggScratch { return aggScratches.Get().(*aggScratch) }

func putScratch(sc *aggScratch) {
	clear(sc.batch[:cap(sc.batch)])
	clear(sc.docs[:cap(sc.docs)])
	sc.batch, sc.docs = sc.batch[:0], sc.docs[:0]
	if cap(sc.js) > 1<<20 {
		sc.js = nil // an outsized document: do not keep its buffer
	}
	aggScratches.Put(sc)
}
