package aggregate

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

const (
	// maxDepth bounds element nesting; the format is five levels deep.
	maxDepth = 64
	// maxValue bounds the text of one element.
	maxValue = 1 << 20
	// maxPending bounds the records buffered when they come before the
	// report metadata or the published policy.
	maxPending = 10000
	// ns2 is the RFC 9990 namespace.
	ns2 = "urn:ietf:params:xml:ns:dmarc-2.0"
)

// Parse reads one aggregate report and calls fn for each record, in document
// order. It returns the number of records passed to fn.
//
// Before the first call, the report metadata and the published policy are
// complete and validated: rep is the same *Report for every call, does not
// change, and stays valid after Parse returns. rec is reused between calls, its slices included: fn must copy what
// it keeps.
//
// Parse is strict where data would be wrong (no report_id, missing or invalid
// date range, begin after end, no policy domain, a record without a valid
// source_ip or count, no records, XML that is not well-formed or truncated)
// and lenient elsewhere (see the package documentation and FIELDS.md). A
// record without <count> is rejected rather than counted as one message: the
// message totals would otherwise be silently wrong.
//
// An error caused by the report matches ErrInvalid and carries a one-line
// reason; records already passed to fn belong to that rejected report and
// must be discarded. An error returned by fn stops the parse and is returned
// unchanged.
func Parse(r io.Reader, fn func(rep *Report, rec *Record) error) (records int, err error) {
	p := parserPool.Get().(*parser)
	defer func() {
		p.release()
		parserPool.Put(p)
	}()
	p.fn = fn
	p.rep = new(Report)
	p.sc.reset(prepareReader(r))
	err = p.run()
	return p.records, err
}

var parserPool = sync.Pool{New: func() any {
	return &parser{sc: newScanner(nil), recent: new([numNodes]recentValues)}
}}

type parser struct {
	sc  *scanner
	fn  func(*Report, *Record) error
	rep *Report
	rec Record

	stack    []node
	names    []byte // qualified names of open elements, concatenated
	nameEnds []int
	text     []byte // text of the open leaf element
	scratch  []byte

	rootSeen, rootDone bool   // <feedback> opened, closed
	wrapped            bool   // an element other than <feedback> came first
	firstRoot          string // its name
	ns2                bool
	metaDone, polDone  bool
	ready              bool
	begin, end         fieldValue
	hasIP, hasCount    bool
	pending            []Record
	nrec               int // records seen (ordinal for messages)
	records            int // records passed to fn

	// recent holds values of each element met before, shared between the
	// records and the reports this parser reads (at most numNodes *
	// recentSlots strings of up to maxRecentLen bytes).
	recent *[numNodes]recentValues
}

type fieldValue struct {
	set bool
	raw string
}

func (p *parser) release() {
	sc := p.sc
	sc.reset(nil)
	*p = parser{
		sc: sc, recent: p.recent,
		stack: p.stack[:0], names: p.names[:0], nameEnds: p.nameEnds[:0],
		text: p.text[:0], scratch: p.scratch[:0],
		rec: Record{Reasons: p.rec.Reasons[:0], DKIMResults: p.rec.DKIMResults[:0], SPFResults: p.rec.SPFResults[:0], Warnings: p.rec.Warnings[:0]},
	}
}

func invalid(format string, args ...any) error {
	return &Error{Reason: oneLine(fmt.Sprintf(format, args...))}
}

func (p *parser) run() error {
	p.stack = append(p.stack, nodeDocument)
	for {
		p.sc.skipSpace = !p.stack[len(p.stack)-1].isLeaf()
		k, err := p.sc.next()
		if err != nil {
			return p.readError(err)
		}
		switch k {
		case tokEOF:
			return p.finish()
		case tokStart:
			if err := p.start(); err != nil {
				return err
			}
		case tokEnd:
			if err := p.endElement(); err != nil {
				return err
			}
			if p.rootDone {
				return p.finish()
			}
		case tokText:
			top := p.stack[len(p.stack)-1]
			if top.isLeaf() {
				p.text = appendText(p.text, p.sc.text, p.sc.cdata)
				if len(p.text) > maxValue {
					return invalid("value of <%s> longer than %d bytes", p.topName(), maxValue)
				}
			}
		}
	}
}

func (p *parser) readError(err error) error {
	switch err {
	case errMarkupTooLong:
		return invalid("XML: %v", err)
	case io.ErrUnexpectedEOF:
		return invalid("XML truncated inside markup")
	}
	return &Error{Reason: oneLine("reading report: " + err.Error()), Err: err}
}

func (p *parser) topName() string {
	n := len(p.nameEnds)
	if n == 0 {
		return ""
	}
	from := 0
	if n > 1 {
		from = p.nameEnds[n-2]
	}
	return string(p.names[from:p.nameEnds[n-1]])
}

func (p *parser) start() error {
	if len(p.stack) > maxDepth {
		return invalid("XML: elements nested deeper than %d", maxDepth)
	}
	name := p.sc.name
	p.names = append(p.names, name...)
	p.nameEnds = append(p.nameEnds, len(p.names))
	local := p.lowerName(localName(name))
	parent := p.stack[len(p.stack)-1]
	var n node
	switch {
	case parent == nodeDocument || parent == nodeWrapper:
		// <feedback> is read where it is found: at the root, or inside or
		// after a stray element (a receiver opens <xs:schema> and never
		// closes it). Anything else there is a wrapper to look inside.
		if string(local) != "feedback" {
			n = nodeWrapper
			if !p.wrapped {
				p.wrapped, p.firstRoot = true, truncate(string(name), 64)
			}
			break
		}
		n = nodeFeedback
		p.rootSeen = true
		if p.wrapped {
			p.repair(RepairFeedbackNotRoot)
		}
		for _, a := range p.sc.attrs {
			if (string(a.name) == "xmlns" || bytes.HasPrefix(a.name, []byte("xmlns:"))) &&
				strings.EqualFold(string(bytes.TrimSpace(a.value)), ns2) {
				p.ns2 = true
			}
		}
	default:
		n = child(parent, local)
		if n == nodeUnknown {
			if a, kind, ok := alias(parent, local); ok {
				n = a
				p.noteAlias(kind)
			}
		}
	}
	p.stack = append(p.stack, n)
	switch n {
	case nodeRecord:
		p.nrec++
		p.rec = Record{Reasons: p.rec.Reasons[:0], DKIMResults: p.rec.DKIMResults[:0], SPFResults: p.rec.SPFResults[:0], Warnings: p.rec.Warnings[:0]}
		p.hasIP, p.hasCount = false, false
	case nodeReason:
		p.rec.Reasons = append(p.rec.Reasons, Reason{})
	case nodeAuthDKIM:
		p.rec.DKIMResults = append(p.rec.DKIMResults, DKIMResult{})
	case nodeAuthSPF:
		p.rec.SPFResults = append(p.rec.SPFResults, SPFResult{})
	}
	if n.isLeaf() {
		p.text = p.text[:0]
	}
	return nil
}

// lowerName returns name in lower case (element names are matched without
// regard to case).
func (p *parser) lowerName(name []byte) []byte {
	for _, c := range name {
		if c >= 'A' && c <= 'Z' {
			p.scratch = append(p.scratch[:0], name...)
			for i, c := range p.scratch {
				if c >= 'A' && c <= 'Z' {
					p.scratch[i] = c + 'a' - 'A'
				}
			}
			return p.scratch
		}
	}
	return name
}

func (p *parser) endElement() error {
	depth := len(p.nameEnds)
	if depth == 0 {
		return invalid("XML not well-formed: unexpected </%s>", truncate(string(p.sc.name), 64))
	}
	from := 0
	if depth > 1 {
		from = p.nameEnds[depth-2]
	}
	if open := p.names[from:]; !bytes.Equal(open, p.sc.name) {
		return invalid("XML not well-formed: <%s> closed by </%s>", truncate(string(open), 64), truncate(string(p.sc.name), 64))
	}
	p.names = p.names[:from]
	p.nameEnds = p.nameEnds[:depth-1]
	n := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	if n.isLeaf() {
		return p.setLeaf(n, trimSpace(p.text))
	}
	switch n {
	case nodeFeedback:
		p.rootDone = true
	case nodeMetadata:
		p.metaDone = true
		return p.maybeReady()
	case nodePolicy:
		p.polDone = true
		return p.maybeReady()
	case nodeRecord:
		return p.endRecord()
	}
	return nil
}

func (p *parser) endRecord() error {
	if !p.hasCount {
		return invalid("record %d: missing count", p.nrec)
	}
	if !p.hasIP {
		// The record still says how many messages were seen: keep it,
		// without a source.
		p.rec.Warnings = appendOnce(p.rec.Warnings, WarnMissingSourceIP)
	}
	if !p.ready {
		if len(p.pending) >= maxPending {
			return invalid("more than %d records before report_metadata and policy_published", maxPending)
		}
		p.pending = append(p.pending, cloneRecord(&p.rec))
		return nil
	}
	return p.emit(&p.rec)
}

func (p *parser) emit(rec *Record) error {
	if err := p.fn(p.rep, rec); err != nil {
		return err
	}
	p.records++
	return nil
}

func cloneRecord(r *Record) Record {
	c := *r
	c.Reasons = append([]Reason(nil), r.Reasons...)
	c.DKIMResults = append([]DKIMResult(nil), r.DKIMResults...)
	c.SPFResults = append([]SPFResult(nil), r.SPFResults...)
	if r.Warnings != nil {
		c.Warnings = append([]string(nil), r.Warnings...)
	}
	return c
}
