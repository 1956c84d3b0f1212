package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"
	"github.com/dmarc-agent/dmarc-agent/pipeline/spool"
	"github.com/dmarc-agent/dmarc-agent/report/decode"
)

// A message whose documents do not fit in memory, bound for an output that
// drains at once (output.Streaming), is read twice instead of spilled to
// disk (see docs/decisions.md, "Large reports are read twice"):
//
//  1. Prepare parses every report as usual, but once the spool is full it
//     stops keeping, enriching and encoding documents: it only learns which
//     reports are valid (pr.validating).
//  2. Deliver reads the message again and streams the documents of the
//     reports found valid to the output, in Writes of a few hundred
//     kilobytes, while they are parsed. The reports found invalid are
//     skipped: no document of theirs reaches the output, so no later
//     failure has anything to take back.
//
// The message is acknowledged only when every Write returned without error.

// add keeps one encoded document of the report being parsed: in the spool,
// in nothing (validating), or in a Write (streaming).
func (pr *Prepared) add(index, id string, body []byte) error {
	switch {
	case pr.writer != nil:
		return pr.writer.add(index, id, body)
	case pr.validating.Load():
		return nil
	}
	err := pr.spool.Add(index, id, body)
	if errors.Is(err, spool.ErrFull) {
		pr.validating.Store(true)
		return nil
	}
	return err
}

// keeping says whether the documents being built are kept: false while
// validating, when enriching and encoding them would be wasted.
func (pr *Prepared) keeping() bool { return pr.writer != nil || !pr.validating.Load() }

// streams says whether p's output may be handed a message in several Writes.
func (p *Pipeline) streams() bool {
	_, ok := p.d.Output.(output.Streaming)
	return ok
}

func (p *Pipeline) newSpool() *spool.Spool {
	if p.streams() {
		return spool.NewBounded(p.cfg.SpoolMemoryBytes, p.d.TempDir, p.cfg.StreamAboveBytes, p.budget)
	}
	return spool.New(p.cfg.SpoolMemoryBytes, p.d.TempDir, p.budget)
}

// stream is the second reading of a message that was validated: it writes
// the documents of its valid reports and returns their result. Any error is
// ours or the output's (the message is delivered again later), never the
// input's: an input that no longer parses as it did the first time has
// changed between the two readings.
func (p *Pipeline) stream(ctx context.Context, pr *Prepared) (Result, output.Result, error) {
	var res Result
	select {
	case p.cpu <- struct{}{}:
		defer func() { <-p.cpu }()
	case <-ctx.Done():
		return res, output.Result{}, fmt.Errorf("waiting to process %s again: %w", pr.msg.ID, ctx.Err())
	}
	rc, err := pr.msg.Open(ctx)
	if err != nil {
		return res, output.Result{}, fmt.Errorf("opening %s again: %w", pr.msg.ID, err)
	}
	defer rc.Close()
	var in io.Reader = rc
	var sr *sourceReader
	if _, isFile := rc.(*os.File); !isFile {
		sr = &sourceReader{r: rc}
		in = sr
	}
	w := newStreamWriter(ctx, p.d.Output)
	pr.writer = w
	defer func() { pr.writer = nil }()
	n := 0
	err = decode.Walk(ctx, in, pr.msg.Name, p.d.Decode, func(ctx context.Context, part decode.Part) error {
		i := n
		n++
		if pr.bad[i] {
			return nil // rejected on the first reading: not one document of it is written
		}
		return p.streamPart(ctx, pr, part, &res)
	}, nil)
	if sr != nil && sr.err != nil {
		err = fmt.Errorf("reading %s again: %w", pr.msg.ID, sr.err)
	}
	out, werr := w.finish(err == nil)
	if err != nil {
		return res, out, fmt.Errorf("processing %s again: %w", pr.msg.ID, err)
	}
	if n != pr.parts {
		return res, out, fmt.Errorf("processing %s again: %d reports found, %d the first time (did the input change?)", pr.msg.ID, n, pr.parts)
	}
	return res, out, werr
}

// streamPart parses, enriches and streams one report found valid before.
func (p *Pipeline) streamPart(ctx context.Context, pr *Prepared, part decode.Part, res *Result) error {
	var partRes Result
	_, err := p.parseRecovered(ctx, pr, part, part.Body, &partRes)
	if err == nil {
		if _, derr := io.Copy(io.Discard, part.Body); derr != nil {
			err = derr
		}
	}
	if err != nil {
		var ie internalError
		if errors.As(err, &ie) || ctx.Err() != nil {
			return err
		}
		// Valid the first time, not now: the input changed, or a panic
		// (a bug) was met in what only this reading does (enrichment).
		// Documents of the report may already be written; the message
		// stays pending, and its next delivery writes the same ids.
		return internalError{fmt.Errorf("%s: valid when first read, not when read again: %w", part.Name, err)}
	}
	if part.Repairs != nil {
		for _, k := range part.Repairs() {
			partRes.addRepair(k, 1)
		}
	}
	partRes.Reports = map[mapping.Kind]int{part.Kind: 1}
	partRes.docsByKind = map[mapping.Kind]int{part.Kind: partRes.Documents}
	partRes.Copies = []ReportCopy{partRes.copyOf(part.Kind)}
	res.merge(&partRes)
	return nil
}

// Streamed Writes: each carries up to streamBatchBytes of document bodies
// (or streamBatchDocs documents); at most streamWrites of one message are
// in flight at once, so a streamed message holds at most about
// streamWrites × streamBatchBytes, whatever its size.
const (
	streamBatchBytes = 512 << 10
	streamBatchDocs  = 2048
	streamWrites     = 3
)

// streamBatch is the documents of one Write; their bodies are cut from buf.
type streamBatch struct {
	buf  []byte
	docs []output.Doc
}

// streamWriter hands a message's documents to the output in batches, each
// in its own Write, a few at once.
type streamWriter struct {
	ctx    context.Context
	cancel context.CancelFunc
	out    output.Output
	cur    *streamBatch
	free   chan *streamBatch // batches written, to fill again
	slots  chan struct{}     // one per Write in flight
	wg     sync.WaitGroup

	mu  sync.Mutex
	res output.Result
	err error // the first Write's error
}

func newStreamWriter(ctx context.Context, out output.Output) *streamWriter {
	w := &streamWriter{out: out, free: make(chan *streamBatch, streamWrites), slots: make(chan struct{}, streamWrites)}
	w.ctx, w.cancel = context.WithCancel(ctx)
	return w
}

func (w *streamWriter) add(index, id string, body []byte) error {
	if w.cur != nil && (len(w.cur.docs) == streamBatchDocs || len(w.cur.buf)+len(body) > cap(w.cur.buf)) {
		if err := w.send(); err != nil {
			return err
		}
	}
	if w.cur == nil {
		select {
		case w.cur = <-w.free:
		default:
			w.cur = &streamBatch{buf: make([]byte, 0, max(streamBatchBytes, len(body)))}
		}
	}
	b := w.cur
	start := len(b.buf)
	b.buf = append(b.buf, body...)
	// The body stays where it was cut: buf never grows past its capacity
	// (a larger document gets a batch of its own size).
	b.docs = append(b.docs, output.Doc{Index: index, ID: id, Body: b.buf[start:len(b.buf):len(b.buf)]})
	return nil
}

// send starts the Write of the current batch, once fewer than streamWrites
// are in flight.
func (w *streamWriter) send() error {
	b := w.cur
	w.cur = nil
	if b == nil || len(b.docs) == 0 {
		return w.failed()
	}
	select {
	case w.slots <- struct{}{}:
	case <-w.ctx.Done():
		return w.failedOr(w.ctx.Err())
	}
	if err := w.failed(); err != nil {
		<-w.slots
		return err
	}
	w.wg.Go(func() {
		defer func() { <-w.slots }()
		res, err := w.out.Write(w.ctx, func(yield func(output.Doc, error) bool) {
			for _, d := range b.docs {
				if !yield(d, nil) {
					return
				}
			}
		})
		w.mu.Lock()
		w.res.Add(res)
		if err != nil && w.err == nil {
			w.err = err
			w.cancel() // the message is not delivered: stop the other Writes
		}
		w.mu.Unlock()
		if err == nil {
			// Every document was acknowledged: the output holds none of
			// these bodies any more, the batch may be filled again.
			clear(b.docs)
			b.buf, b.docs = b.buf[:0], b.docs[:0]
			if cap(b.buf) == streamBatchBytes {
				select {
				case w.free <- b:
				default:
				}
			}
		}
	})
	return nil
}

func (w *streamWriter) failed() error { return w.failedOr(nil) }

func (w *streamWriter) failedOr(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	return err
}

// finish writes what is left when ok, else cancels the Writes in flight,
// and waits for them all.
func (w *streamWriter) finish(ok bool) (output.Result, error) {
	var err error
	if ok {
		err = w.send()
	} else {
		w.cancel()
	}
	w.wg.Wait()
	w.cancel()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		err = w.err
	}
	return w.res, err
}
