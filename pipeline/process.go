package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/pipeline/spool"
	"github.com/dmarc-agent/dmarc-agent/report/decode"
	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

// enrichBatch is how many documents are enriched together (the unit in which
// uncached reverse-DNS lookups run concurrently).
const enrichBatch = 512

// Prepared is a message whose reports are parsed and spooled, waiting for
// delivery. Deliver must be called exactly once.
type Prepared struct {
	msg      collector.Message
	spool    *spool.Spool
	archives []pendingArchive
	// Reading a message twice (stream.go): parts counts the reports met,
	// bad holds the ordinals of those rejected, validating says the spool
	// was full and documents are no longer kept, writer streams them on
	// the second reading.
	parts      int
	bad        map[int]bool
	validating atomic.Bool // set by the flusher goroutine, read by the parser
	writer     *streamWriter
	result     Result
	err        error   // transient: the message must be delivered again later
	delivered  *Result // set by Staged.Deliver
}

type pendingArchive struct {
	w    ArchiveWriter
	kind mapping.Kind
	date time.Time
}

// archiveTee copies what the parser reads into the archive writer. A write
// error never reaches the parser (it would look like a broken report): it
// is kept, the copy stops, and the part is failed as an internal fault.
type archiveTee struct {
	w   io.Writer
	err error
}

func (t *archiveTee) Write(p []byte) (int, error) {
	if t.err == nil {
		if _, err := t.w.Write(p); err != nil {
			t.err = err
		}
	}
	return len(p), nil
}

// sourceReader remembers the first read error of the message's source.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// internalError marks an error of ours (spool, context), as opposed to bad input.
type internalError struct{ err error }

func (e internalError) Error() string { return e.err.Error() }
func (e internalError) Unwrap() error { return e.err }

// Prepare decodes and parses every report of msg into the spool.
func (p *Pipeline) Prepare(ctx context.Context, msg collector.Message) *Prepared {
	p.idle.begin() // ended by Deliver
	pr := &Prepared{msg: msg, spool: p.newSpool()}
	select {
	case p.cpu <- struct{}{}:
		defer func() { <-p.cpu }()
	case <-ctx.Done():
		pr.err = fmt.Errorf("waiting to process %s: %w", msg.ID, ctx.Err())
		return pr
	}
	rc, err := msg.Open(ctx)
	if err != nil {
		pr.err = fmt.Errorf("opening %s: %w", msg.ID, err)
		return pr
	}
	defer rc.Close()
	var in io.Reader = rc
	var sr *sourceReader
	if _, isFile := rc.(*os.File); !isFile { // a file keeps its random access for zip
		sr = &sourceReader{r: rc}
		in = sr
	}
	err = p.walkRecovered(ctx, pr, in)
	switch {
	case sr != nil && sr.err != nil:
		// The source failed to give its bytes (an I/O error, a file that
		// changed while read): whatever the decoder made of it, the
		// message is not bad input. It is delivered again.
		pr.err = fmt.Errorf("reading %s: %w", msg.ID, sr.err)
		pr.result.Rejected = nil
	case err != nil:
		pr.err = fmt.Errorf("processing %s: %w", msg.ID, err)
	}
	if pr.validating.Load() {
		// What the spool holds is only the start of the message: the
		// documents are produced again by Deliver. Its memory goes back now.
		pr.spool.Release()
	}
	return pr
}

// walkRecovered decodes the message and parses each report (see part),
// with a panic of the decoders (outside any one report) turned into a
// rejection of the whole message with the reason.
func (p *Pipeline) walkRecovered(ctx context.Context, pr *Prepared, in io.Reader) (err error) {
	defer func() {
		if v := recover(); v != nil {
			pe := newPanicError(v)
			p.log.Error("panic while decoding a message; it is rejected", "id", pr.msg.ID, "panic", v, "stack", pe.stack)
			// Nothing of the message is delivered, so that none of it is
			// acknowledged as done: it is set aside whole, with the reason.
			pr.result = Result{Rejected: pr.result.Rejected}
			for _, a := range pr.archives {
				a.w.Abort()
			}
			pr.archives = nil
			pr.reject(pr.msg.Name, pe.Error(), "internal")
			err = nil
		}
	}()
	return decode.Walk(ctx, in, pr.msg.Name, p.d.Decode,
		func(ctx context.Context, part decode.Part) error { return p.part(ctx, pr, part) },
		func(name string, reason error) { pr.reject(name, reason.Error(), kind.Classify(reason, "container")) })
}

func (pr *Prepared) reject(name, reason, class string) {
	pr.result.Rejected = append(pr.result.Rejected, Rejection{Path: name, Reason: reason, Class: class})
}

// part parses one payload. Bad input is recorded as a rejection and the walk
// goes on; only our own failures (spool, context) stop it.
func (p *Pipeline) part(ctx context.Context, pr *Prepared, part decode.Part) error {
	ordinal := pr.parts
	pr.parts++
	m, err := pr.spool.Mark()
	if err != nil {
		return err
	}
	body := part.Body
	var aw ArchiveWriter
	var tee *archiveTee
	if p.d.Archiver != nil && !p.d.ArchiveSkip[part.Kind] {
		if aw, err = p.d.Archiver.Start(); err != nil {
			err = fmt.Errorf("starting archive copy: %w", err)
			p.d.ArchiveFault.Set(err)
			return internalError{err}
		}
		tee = &archiveTee{w: aw}
		body = io.TeeReader(body, tee)
	}
	var partRes Result
	date, err := p.parseRecovered(ctx, pr, part, body, &partRes)
	if err == nil {
		// Read to the end: checksums of compressed containers are verified
		// there, and the archive copy must be whole.
		if _, derr := io.Copy(io.Discard, body); derr != nil {
			err = fmt.Errorf("reading the rest of the report: %w", derr)
		}
	}
	if tee != nil && tee.err != nil {
		// Our disk, not the report: whatever the parse said, the message
		// waits and is delivered again (never set aside as bad input).
		aw.Abort()
		werr := fmt.Errorf("archiving %s: %w", part.Name, tee.err)
		p.d.ArchiveFault.Set(werr)
		return internalError{werr}
	}
	if err == nil && part.Repairs != nil {
		// Container repairs (bytes after a gzip member, a missing closing
		// MIME boundary) are only known once the payload was read whole.
		for _, k := range part.Repairs() {
			partRes.addRepair(k, 1)
		}
	}
	if err != nil {
		if aw != nil {
			aw.Abort()
		}
		var ie internalError
		var pe *panicError
		isPanic := errors.As(err, &pe)
		if !isPanic && (errors.As(err, &ie) || ctx.Err() != nil) {
			return err
		}
		if rerr := pr.spool.Rollback(m); rerr != nil {
			return rerr
		}
		class := kind.Classify(err, "report")
		if isPanic {
			class = "internal"
			p.log.Error("panic while processing a report; it is rejected", "id", pr.msg.ID, "part", part.Name, "panic", pe.v, "stack", pe.stack)
		}
		pr.reject(part.Name, oneLine(err), class)
		if pr.bad == nil {
			pr.bad = map[int]bool{}
		}
		pr.bad[ordinal] = true
		return nil
	}
	partRes.Reports = map[mapping.Kind]int{part.Kind: 1}
	partRes.docsByKind = map[mapping.Kind]int{part.Kind: partRes.Documents}
	partRes.Copies = []ReportCopy{partRes.copyOf(part.Kind)}
	pr.result.merge(&partRes)
	if aw != nil {
		pr.archives = append(pr.archives, pendingArchive{aw, part.Kind, date})
	}
	return nil
}

// parseRecovered is parse with a panic (a parser or enricher bug met by
// some input) turned into a *panicError, so that the report is rejected
// with a reason under every command instead of crashing the process.
func (p *Pipeline) parseRecovered(ctx context.Context, pr *Prepared, part decode.Part, body io.Reader, res *Result) (date time.Time, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	return p.parse(ctx, pr, part, body, res)
}

// panicError is a panic met while parsing or enriching one report. The
// report is rejected with it as the reason: a crash would stop every other
// message, and a retry would panic again. It is our fault, not the
// input's, and says so.
type panicError struct {
	v     any
	stack string
}

func newPanicError(v any) *panicError { return &panicError{v: v, stack: string(debug.Stack())} }

func (e *panicError) Error() string {
	return fmt.Sprintf("internal error: panic while processing the report: %v", e.v)
}

// parse dispatches on the report kind and returns the report's own date.
func (p *Pipeline) parse(ctx context.Context, pr *Prepared, part decode.Part, body io.Reader, res *Result) (time.Time, error) {
	switch part.Kind {
	case mapping.KindAggregate:
		return p.parseAggregate(ctx, pr, body, res)
	case mapping.KindFailure:
		return p.parseFailure(ctx, pr, body, res)
	case mapping.KindSMTPTLS:
		return p.parseTLS(ctx, pr, body, res)
	default:
		return time.Time{}, fmt.Errorf("%s reports are not supported", part.Kind)
	}
}

// encoder writes documents as compact JSON without HTML escaping.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newEncoder() *encoder {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

func (e *encoder) encode(v any) ([]byte, error) {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(e.buf.Bytes(), []byte{'\n'}), nil
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
