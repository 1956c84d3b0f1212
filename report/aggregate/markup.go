package aggregate

import (
	"bytes"

	"github.com/dmarc-agent/dmarc-agent/report/internal/xmlskip"
)

// The markup parsers look at data, which starts with '<', and say whether
// it is complete markup (and how long), not markup at all (a literal '<'),
// or needs more input.

type markupResult uint8

const (
	markupOK markupResult = iota
	markupLiteral
	markupMore
)

// parseMarkup parses the markup at the start of data (data[0] == '<').
func parseMarkup(data []byte, s *scanner) (tokKind, int, markupResult) {
	if len(data) < 2 {
		return 0, 0, markupMore
	}
	switch c := data[1]; {
	case c == '/':
		return parseEndTag(data, s)
	case c == '?':
		i := bytes.Index(data[2:], []byte("?>"))
		if i < 0 {
			return 0, 0, markupMore
		}
		return tokEOF, i + 4, markupOK
	case c == '!':
		return parseBang(data, s)
	case isNameStart(c):
		return parseStartTag(data, s)
	}
	return 0, 0, markupLiteral
}

func parseBang(data []byte, s *scanner) (tokKind, int, markupResult) {
	const cdataOpen = "<![CDATA["
	switch {
	case hasPrefixOrShort(data, "<!--"):
		if len(data) < 4 {
			return 0, 0, markupMore
		}
		i := bytes.Index(data[4:], []byte("-->"))
		if i < 0 {
			return 0, 0, markupMore
		}
		return tokEOF, i + 7, markupOK
	case hasPrefixOrShort(data, cdataOpen):
		if len(data) < len(cdataOpen) {
			return 0, 0, markupMore
		}
		i := bytes.Index(data[len(cdataOpen):], []byte("]]>"))
		if i < 0 {
			return 0, 0, markupMore
		}
		s.text, s.cdata = data[len(cdataOpen):len(cdataOpen)+i], true
		return tokText, len(cdataOpen) + i + 3, markupOK
	case len(data) > 2 && data[2] == '-', len(data) > 2 && data[2] == '[':
		return 0, 0, markupLiteral
	}
	return parseDirective(data)
}

// parseDirective skips <!DOCTYPE ...> and other declarations (see
// xmlskip.DirectiveEnd). The entities a DOCTYPE declares are never expanded.
func parseDirective(data []byte) (tokKind, int, markupResult) {
	if n := xmlskip.DirectiveEnd(data); n >= 0 {
		return tokEOF, n, markupOK
	}
	return 0, 0, markupMore
}

// hasPrefixOrShort reports whether data starts with p, or is a prefix of p.
func hasPrefixOrShort(data []byte, p string) bool {
	n := min(len(data), len(p))
	return string(data[:n]) == p[:n]
}

func parseEndTag(data []byte, s *scanner) (tokKind, int, markupResult) {
	i := 2
	if i >= len(data) {
		return 0, 0, markupMore
	}
	if !isNameStart(data[i]) {
		return 0, 0, markupLiteral
	}
	for i < len(data) && isNameChar(data[i]) {
		i++
	}
	nameEnd := i
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	if i >= len(data) {
		return 0, 0, markupMore
	}
	if data[i] != '>' {
		return 0, 0, markupLiteral
	}
	s.name = data[2:nameEnd]
	return tokEnd, i + 1, markupOK
}

func parseStartTag(data []byte, s *scanner) (tokKind, int, markupResult) {
	i := 1
	for i < len(data) && isNameChar(data[i]) {
		i++
	}
	nameEnd := i
	s.attrs = s.attrs[:0]
	for {
		for i < len(data) && isSpace(data[i]) {
			i++
		}
		if i >= len(data) {
			return 0, 0, markupMore
		}
		switch c := data[i]; {
		case c == '>':
			s.name, s.selfClose = data[1:nameEnd], false
			return tokStart, i + 1, markupOK
		case c == '/':
			if i+1 >= len(data) {
				return 0, 0, markupMore
			}
			if data[i+1] != '>' {
				return 0, 0, markupLiteral
			}
			s.name, s.selfClose, s.pendEnd = data[1:nameEnd], true, true
			return tokStart, i + 2, markupOK
		case !isNameStart(c):
			return 0, 0, markupLiteral
		}
		// attribute: name S? = S? quoted value
		an := i
		for i < len(data) && isNameChar(data[i]) {
			i++
		}
		anEnd := i
		for i < len(data) && isSpace(data[i]) {
			i++
		}
		if i >= len(data) {
			return 0, 0, markupMore
		}
		if data[i] != '=' {
			return 0, 0, markupLiteral
		}
		i++
		for i < len(data) && isSpace(data[i]) {
			i++
		}
		if i >= len(data) {
			return 0, 0, markupMore
		}
		q := data[i]
		if q != '"' && q != '\'' {
			return 0, 0, markupLiteral
		}
		j := bytes.IndexByte(data[i+1:], q)
		if j < 0 {
			return 0, 0, markupMore
		}
		s.attrs = append(s.attrs, attr{name: data[an:anEnd], value: data[i+1 : i+1+j]})
		i += j + 2
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}
