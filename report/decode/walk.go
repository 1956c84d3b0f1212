package decode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

// ErrTooLarge is wrapped by the error of a read past Options.MaxBytes. It is
// kind.ErrTooLarge, named here for callers that only know the decoder.
var ErrTooLarge = kind.ErrTooLarge

const (
	// maxDepth bounds containers inside containers (zip in gzip in MIME ...).
	maxDepth = 8
	// maxZipEntries bounds the entries of one zip archive.
	maxZipEntries = 1000
	// maxParts bounds the MIME parts of one multipart entity.
	maxParts = 1000
	// maxHeaderBytes bounds the header of one message.
	maxHeaderBytes = 1 << 20
	// sniffSize is how much of a payload is looked at to recognise it.
	sniffSize = 64 << 10
	// zipMemory is how much of a zip archive is kept in memory; the rest
	// of it goes to a temporary file.
	zipMemory = 8 << 20
)

// Walk finds every report payload in r and calls fn for each, in order.
// name names r in Part.Name and in rejections (a path, an attachment name).
//
// Payloads are recognised by content, recursively: zip, gzip, XML with a
// <feedback> root (KindAggregate), JSON with "policies" or
// "organization-name" (KindSMTPTLS), RFC 822/MIME messages and mbox files.
// A message (top-level or message/rfc822) whose Content-Type is
// multipart/report; report-type=feedback-report is yielded whole, header
// included, as KindFailure and not descended into; such a MIME part inside
// another multipart is yielded the same way, its header rewritten from the
// parsed fields.
//
// What cannot be decoded (empty input, corrupt or truncated gzip/zip, unknown
// content, a message with no report, nesting deeper than 8, more than 1000
// zip entries or MIME parts) goes to reject with a one-line reason, and the
// walk goes on. Errors met while the handler reads Part.Body (a gzip stream
// truncated further on, ErrTooLarge) are the handler's to report.
//
// Walk returns the first error of fn unchanged, or ctx.Err(); nil otherwise.
func Walk(ctx context.Context, r io.Reader, name string, opt Options, fn Handler, reject Rejecter) error {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.MaxMessageBytes <= 0 {
		opt.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if reject == nil {
		reject = func(string, error) {}
	}
	w := &walker{ctx: ctx, opt: opt, fn: fn, reject: reject}
	// Random access to the input spares a zip archive a copy.
	switch v := r.(type) {
	case *os.File:
		st, err := v.Stat()
		off, err2 := v.Seek(0, io.SeekCurrent)
		if err == nil && err2 == nil && st.Mode().IsRegular() && off <= st.Size() {
			w.topRA, w.topSize = io.NewSectionReader(v, off, st.Size()-off), st.Size()-off
		}
	case interface {
		io.ReaderAt
		io.Seeker
		Size() int64
	}: // bytes.Reader, strings.Reader, io.SectionReader
		if off, err := v.Seek(0, io.SeekCurrent); err == nil && off <= v.Size() {
			w.topRA, w.topSize = io.NewSectionReader(v, off, v.Size()-off), v.Size()-off
		}
	}
	return w.walk(r, name, 0, ctxLoud)
}

type walker struct {
	ctx     context.Context
	opt     Options
	fn      Handler
	reject  Rejecter
	parts   int // payloads yielded
	rejects int
	// The whole input's decompression budget: bytes out of every gzip
	// layer and zip entry, and zip entries opened, across all containers.
	inflated   int64
	zipEntries int
	noted      []string // container repairs, in the order met (see note)
	claimed    int      // noted[:claimed] belong to payloads already yielded

	// topRA reads the whole input at random, when it allows it (a file).
	topRA   io.ReaderAt
	topSize int64
}

// sniffCtx says how strict recognition is where a payload sits.
type sniffCtx struct {
	// quiet: content that is not a report or container is ignored rather
	// than rejected (the text body or a PDF attachment of a mail).
	quiet bool
	// noMail: do not take the content for a message or an mbox (a
	// text/plain body that happens to start with "From ").
	noMail bool
}

var ctxLoud = sniffCtx{}

func (w *walker) rej(name string, err error) {
	w.claimed = len(w.noted) // repairs met so far belong to what is rejected
	w.rejects++
	w.reject(name, oneLineError{err})
}

// oneLineError shows err on one line and keeps it for errors.Is.
type oneLineError struct{ err error }

func (e oneLineError) Error() string { return oneLine(e.err.Error()) }
func (e oneLineError) Unwrap() error { return e.err }

func (w *walker) yield(name string, k kind.Kind, body io.Reader) error {
	w.parts++
	// The repairs of this payload are those noted since the previous
	// payload's callback returned: sniffing may have read a small payload
	// whole before this call.
	start := w.claimed
	repairs := func() []string {
		var kinds []string // each kind once: nested multiparts note theirs each
		for _, k := range w.noted[start:] {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
		return kinds
	}
	err := w.fn(w.ctx, Part{Name: name, Kind: k, Body: w.capped(body), Repairs: repairs})
	w.claimed = len(w.noted)
	return err
}

// note records a container repair for the payload being read.
func (w *walker) note(kind string) { w.noted = append(w.noted, kind) }

// walk recognises r and hands it to the matching decoder.
func (w *walker) walk(r io.Reader, name string, depth int, sc sniffCtx) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if depth > maxDepth {
		w.rej(name, fmt.Errorf("containers nested deeper than %d levels", maxDepth))
		return nil
	}
	br := getReader(r)
	defer putReader(br) // decoding is synchronous: nothing reads br after walk returns
	head, err := br.Peek(sniffSize)
	if len(head) == 0 {
		switch {
		case err != nil && !errors.Is(err, io.EOF):
			w.rej(name, err)
		case !sc.quiet:
			w.rej(name, errors.New("empty input"))
		}
		return nil
	}
	switch k := sniff(head); {
	case k == kindZip:
		return w.zip(br, name, depth, sc)
	case k == kindGzip:
		return w.gzip(br, name, depth, sc)
	case k == kindXML:
		root := xmlRoot(head)
		if root == "feedback" || hasFeedback(head) {
			return w.yield(name, kind.Aggregate, br)
		}
		if !sc.quiet {
			if root == "" {
				w.rej(name, errors.New("unknown content: XML without a root element in its first 64 KiB"))
			} else {
				w.rej(name, fmt.Errorf("unknown content: XML root element <%s> is not <feedback>", truncate(root, 40)))
			}
		}
	case k == kindJSON:
		if isTLSReport(head) {
			return w.yield(name, kind.SMTPTLS, br)
		}
		if !sc.quiet {
			w.rej(name, errors.New("unknown content: JSON that is not an SMTP TLS report"))
		}
	case k == kindMbox && !sc.noMail:
		return w.mbox(br, name, depth)
	case k == kindMessage && !sc.noMail:
		return w.message(br, name, depth)
	case k == kindOLE && !sc.quiet:
		w.rej(name, errors.New("unknown content: an Outlook .msg file (save the mail as .eml)"))
	case !sc.quiet:
		w.rej(name, errors.New("unknown content: not a report, an archive or a mail message"))
	}
	return nil
}

// maxMessageZipEntries bounds the zip entries opened in one input, across
// every zip it holds (a zip of zips of 1000 entries each).
const maxMessageZipEntries = maxZipEntries

// inflating counts r's bytes against the input's decompression budget.
func (w *walker) inflating(r io.Reader) io.Reader { return &budgetReader{r: r, w: w} }

// budgetSpent reports that nothing more may be decompressed.
func (w *walker) budgetSpent() bool { return w.inflated > w.opt.MaxMessageBytes }

func (w *walker) budgetError() error {
	return fmt.Errorf("%w: more than %d bytes decompressed from this input in all (decode.max_message_bytes)", ErrTooLarge, w.opt.MaxMessageBytes)
}

type budgetReader struct {
	r io.Reader
	w *walker
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.w.budgetSpent() {
		return 0, b.w.budgetError()
	}
	if left := b.w.opt.MaxMessageBytes + 1 - b.w.inflated; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.r.Read(p)
	b.w.inflated += int64(n)
	if b.w.budgetSpent() {
		return n, b.w.budgetError()
	}
	return n, err
}

// capped limits r to Options.MaxBytes.
func (w *walker) capped(r io.Reader) io.Reader {
	return &capReader{r: r, left: w.opt.MaxBytes, max: w.opt.MaxBytes}
}

// capReader fails with ErrTooLarge once more than max bytes were read.
type capReader struct {
	r    io.Reader
	left int64
	max  int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.tooLarge()
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n + int(c.left), c.tooLarge()
	}
	return n, err
}

func (c *capReader) tooLarge() error {
	return fmt.Errorf("%w: more than %d bytes after decompression", ErrTooLarge, c.max)
}

// layerReader names the layer in read errors: "truncated gzip data".
type layerReader struct {
	r    io.Reader
	what string
}

func (l layerReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, ErrTooLarge) {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("truncated %s: %w", l.what, err)
		} else {
			err = fmt.Errorf("%s: %w", l.what, err)
		}
	}
	return n, err
}
