package aggregate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// The scanner is a small streaming XML tokenizer made for the shallow,
// attribute-poor DMARC format. It is several times faster than encoding/xml
// because it allocates nothing per token: names and text are slices into its
// own buffer, valid until the next call.
//
// It never expands a DTD or a custom entity (no XML bomb can grow it), skips
// comments, processing instructions and DOCTYPE, and is lenient where
// receivers are sloppy: a '<' that does not begin well-formed markup and an '&'
// that does not begin a known reference are kept as literal text. On
// well-formed input its tokens equal those of encoding/xml (fuzzed).

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText
)

const (
	scanBufSize = 64 << 10
	// maxMarkup bounds one tag, comment, CDATA section or DOCTYPE. A longer
	// one (a gigantic attribute) is an error rather than unbounded memory.
	maxMarkup = 1 << 20
	// entityHold is how many trailing bytes of a text chunk are held back
	// when they may hold the start of an entity reference.
	entityHold = 32
)

var errMarkupTooLong = fmt.Errorf("markup longer than %d bytes (gigantic attribute?)", maxMarkup)

type attr struct{ name, value []byte }

type scanner struct {
	r   io.Reader
	buf []byte
	pos int
	end int
	eof bool
	err error // read error other than io.EOF

	// Results of the last token.
	name      []byte // tokStart, tokEnd: qualified name
	attrs     []attr // tokStart
	selfClose bool   // tokStart: <name/>; the scanner then returns tokEnd next
	text      []byte // tokText: raw text (entities not decoded) or CDATA
	cdata     bool   // tokText: text is CDATA content, no entities
	pendEnd   bool   // a self-closed element's end is due

	// skipSpace, set by the caller, drops white space between markup
	// (where it means nothing, between elements) without a token.
	skipSpace bool
}

func newScanner(r io.Reader) *scanner {
	return &scanner{r: r, buf: make([]byte, scanBufSize)}
}

func (s *scanner) reset(r io.Reader) {
	*s = scanner{r: r, buf: s.buf[:cap(s.buf)], attrs: s.attrs[:0]}
}

// fill reads more input, moving unread bytes to the front and growing the
// buffer (up to maxMarkup) when it is full. It reports whether new bytes
// arrived.
func (s *scanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxMarkup+entityHold {
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for i := 0; i < 100; i++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.eof = true
	s.err = io.ErrNoProgress
	return false
}

// next returns the next token.
func (s *scanner) next() (tokKind, error) {
	if s.pendEnd {
		s.pendEnd = false
		return tokEnd, nil
	}
	for {
		if s.pos >= s.end && !s.fill() {
			return tokEOF, s.err
		}
		if s.skipSpace {
			i := s.pos
			for i < s.end && isSpace(s.buf[i]) {
				i++
			}
			if i == s.end {
				s.pos = i
				continue
			}
			if s.buf[i] == '<' {
				s.pos = i
			}
		}
		if s.buf[s.pos] != '<' {
			if k, ok := s.scanText(); ok {
				return k, nil
			}
			continue
		}
		k, err := s.scanMarkup()
		if err != nil || k != tokEOF {
			return k, err
		}
		// markup skipped (comment, PI, DOCTYPE): go on
	}
}

// scanText returns text up to the next '<'. ok is false when it needs more
// input before it can return anything.
func (s *scanner) scanText() (tokKind, bool) {
	data := s.buf[s.pos:s.end]
	if i := bytes.IndexByte(data, '<'); i >= 0 {
		s.text, s.cdata = data[:i], false
		s.pos += i
		return tokText, true
	}
	if s.eof {
		s.text, s.cdata = data, false
		s.pos = s.end
		return tokText, true
	}
	// Hold back a possible partial entity reference at the end.
	n := len(data)
	if j := bytes.LastIndexByte(data[max(0, n-entityHold):], '&'); j >= 0 {
		j += max(0, n-entityHold)
		if bytes.IndexByte(data[j:], ';') < 0 {
			n = j
		}
	}
	if n > 0 && data[n-1] == '\r' {
		n-- // "\r\n" is one line end: keep the pair together
	}
	if n == 0 {
		s.fill()
		return tokEOF, false
	}
	s.text, s.cdata = data[:n], false
	s.pos += n
	return tokText, true
}

// scanMarkup handles s.buf[s.pos] == '<'. It returns tokEOF with a nil
// error for skipped markup.
func (s *scanner) scanMarkup() (tokKind, error) {
	for {
		data := s.buf[s.pos:s.end]
		k, n, res := parseMarkup(data, s)
		switch res {
		case markupOK:
			s.pos += n
			return k, nil
		case markupLiteral:
			// Not markup: a literal '<' in text.
			s.text, s.cdata = data[:1], true
			s.pos++
			return tokText, nil
		}
		// markupMore: need more input. Read until the unparsed input has
		// doubled, so that a reader giving a few bytes at a time does not make
		// long markup cost a rescan per read.
		if len(data) >= maxMarkup {
			return tokEOF, errMarkupTooLong
		}
		got := s.fill()
		for got && s.end-s.pos < 2*len(data) && s.fill() {
		}
		if !got {
			if s.err != nil {
				return tokEOF, s.err
			}
			if !s.eof {
				return tokEOF, errMarkupTooLong
			}
			return tokEOF, io.ErrUnexpectedEOF
		}
	}
}

// localName strips a namespace prefix ("x:a" is "a"; ":a" and "a:" stay).
func localName(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i > 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return name
}
