package pipeline

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/dmarc-agent/dmarc-agent/enrich"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// aggSink takes the built documents of one aggregate report and enriches,
// encodes and spools them in batches. A report that fills a first batch
// on a machine with more than one core gets a second goroutine: the parser
// builds the next batch while it enriches and encodes the previous one, so
// a single large report uses two cores. Batches go through in order, so
// the spool holds the same documents in the same order either way.
type aggSink struct {
	p   *Pipeline
	ctx context.Context
	pr  *Prepared
	res *Result
	sc  *aggScratch
	cur []builtDoc // the batch the parser fills

	// set once the second goroutine runs
	work   chan []builtDoc // full batches, to the flusher
	free   chan []builtDoc // flushed batches, back to the parser
	done   chan struct{}
	failed atomic.Bool
	err    error // the flusher's first error; read after done is closed
	stop   sync.Once
}

// twoStage says whether large reports get the second goroutine: only when
// there is a second core to run it. Tests replace it.
var twoStage = func() bool { return runtime.GOMAXPROCS(0) > 1 }

func (p *Pipeline) newAggSink(ctx context.Context, pr *Prepared, res *Result) *aggSink {
	sc := getScratch()
	return &aggSink{p: p, ctx: ctx, pr: pr, res: res, sc: sc, cur: sc.batch}
}

// slot returns the place of the next document in the current batch; fill
// it, then call added.
func (s *aggSink) slot() *builtDoc {
	s.cur = append(s.cur, builtDoc{})
	return &s.cur[len(s.cur)-1]
}

// added queues the document of the last slot. Its error is ours (spool,
// context), never the input's.
func (s *aggSink) added() error {
	if len(s.cur) < enrichBatch {
		return nil
	}
	if s.work == nil && !twoStage() {
		err := s.flush(s.cur)
		s.cur = s.cur[:0]
		return err
	}
	if s.work == nil {
		s.start()
	}
	if s.failed.Load() {
		s.close()
		return s.err
	}
	s.work <- s.cur
	select {
	case s.cur = <-s.free:
	default:
		s.cur = make([]builtDoc, 0, enrichBatch)
	}
	return nil
}

func (s *aggSink) start() {
	s.work = make(chan []builtDoc, 1) // one batch waits while one is flushed: bounded
	s.free = make(chan []builtDoc, 3)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		for b := range s.work {
			if s.err == nil {
				if s.err = s.flushRecovered(b); s.err != nil {
					s.failed.Store(true)
				}
			}
			clear(b)
			s.free <- b[:0]
		}
	}()
}

// close stops the second goroutine, if any, after the batches queued.
func (s *aggSink) close() {
	s.stop.Do(func() {
		if s.work != nil {
			close(s.work)
			<-s.done
		}
	})
}

// finish flushes what is left and releases the sink.
func (s *aggSink) finish() error {
	s.close()
	err := s.err
	if err == nil {
		err = s.flush(s.cur)
	}
	s.release()
	return err
}

// abort drops what is queued (the report is bad) and releases the sink.
func (s *aggSink) abort() {
	s.close()
	s.release()
}

func (s *aggSink) release() {
	clear(s.cur)
	s.sc.batch = s.cur[:0]
	putScratch(s.sc)
	s.sc, s.cur = nil, nil
}

// flushRecovered is flush on the second goroutine, where a panic would
// crash the process: the panic becomes the batch's error (a *panicError).
func (s *aggSink) flushRecovered(b []builtDoc) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	return s.flush(b)
}

// flush enriches, encodes and spools one batch.
func (s *aggSink) flush(batch []builtDoc) error {
	if len(batch) == 0 || !s.pr.keeping() {
		return nil // validating only: the documents are built again (stream.go)
	}
	if e := s.p.d.Enricher; e != nil {
		docs := s.sc.docs[:0]
		for i := range batch {
			docs = append(docs, &batch[i].doc)
		}
		if ae, ok := e.(enrich.AddrAggregator); ok {
			addrs := s.sc.addrs[:0]
			for i := range batch {
				addrs = append(addrs, batch[i].addr)
			}
			ae.AggregateAddrs(s.ctx, docs, addrs)
			s.sc.addrs = addrs[:0]
		} else {
			e.Aggregate(s.ctx, docs)
		}
		clear(docs)
		s.sc.docs = docs[:0]
	}
	if err := s.ctx.Err(); err != nil {
		return err
	}
	for i := range batch {
		bd := &batch[i]
		var err error
		if s.sc.js, err = s.sc.enc.AppendJSON(s.sc.js[:0], &bd.doc); err != nil {
			return fmt.Errorf("encoding document: %w", err)
		}
		if err := s.pr.add(bd.index, bd.id, s.sc.js); err != nil {
			return err
		}
		s.res.Documents++
		s.res.noteID(bd.id)
		s.res.addAggregate(&bd.doc)
	}
	return nil
}

// aggScratch is the per-report working memory, recycled between reports:
// the first batch, the slice handed to the enricher, the encoding buffer
// and the encoder that writes the report's prefix once.
type aggScratch struct {
	batch []builtDoc
	docs  []*mapping.AggregateDoc
	addrs []netip.Addr // the documents' source addresses, for the enricher
	js    []byte
	enc   mapping.AggregateEncoder
}

var aggScratches = sync.Pool{New: func() any {
	return &aggScratch{batch: make([]builtDoc, 0, enrichBatch), docs: make([]*mapping.AggregateDoc, 0, enrichBatch)}
}}

func getScratch() *aggScratch { return aggScratches.Get().(*aggScratch) }

func putScratch(sc *aggScratch) {
	if cap(sc.js) > 1<<20 {
		sc.js = nil // an outsized document: do not keep its buffer
	}
	aggScratches.Put(sc)
}
