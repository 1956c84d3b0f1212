package decode

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/dmarc-agent/dmarc-agent/report/internal/xmlskip"
)

type contentKind int

const (
	kindUnknown contentKind = iota
	kindZip
	kindGzip
	kindXML
	kindJSON
	kindMbox
	kindMessage
	kindOLE
)

var bom = []byte("\xef\xbb\xbf")

// sniff recognises content from its first bytes.
func sniff(head []byte) contentKind {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return kindGzip
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return kindOLE
	case bytes.HasPrefix(head, []byte("From ")):
		return kindMbox
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, bom), " \t\r\n")
	switch {
	case len(t) == 0:
		return kindUnknown
	case t[0] == '<':
		return kindXML
	case t[0] == '{':
		return kindJSON
	case isHeaderLine(head):
		return kindMessage
	}
	return kindUnknown
}

// isHeaderLine reports whether head starts with an RFC 5322 header field:
// a name of printable ASCII without ':' and then ':'.
func isHeaderLine(head []byte) bool {
	for i, c := range head {
		switch {
		case c == ':':
			return i > 0
		case c <= ' ' || c > '~' || i >= 76:
			return false
		}
	}
	return false
}

// xmlRoot returns the local name of the root element, lower-cased, skipping
// the declaration, comments, processing instructions and a DOCTYPE. It is
// "" when the root does not start within head.
func xmlRoot(head []byte) string {
	t := bytes.TrimPrefix(head, bom)
	for {
		t = bytes.TrimLeft(t, " \t\r\n")
		switch {
		case bytes.HasPrefix(t, []byte("<?")):
			i := bytes.Index(t, []byte("?>"))
			if i < 0 {
				return ""
			}
			t = t[i+2:]
		case bytes.HasPrefix(t, []byte("<!--")):
			i := bytes.Index(t[4:], []byte("-->"))
			if i < 0 {
				return ""
			}
			t = t[4+i+3:]
		case bytes.HasPrefix(t, []byte("<!")):
			i := xmlskip.DirectiveEnd(t)
			if i < 0 {
				return ""
			}
			t = t[i:]
		case bytes.HasPrefix(t, []byte("<")):
			end := bytes.IndexAny(t[1:], " \t\r\n/>")
			if end < 0 {
				return ""
			}
			name := string(t[1 : 1+end])
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
			if !utf8.ValidString(name) {
				name = strings.ToValidUTF8(name, "?")
			}
			return strings.ToLower(name)
		default:
			return ""
		}
	}
}

// hasFeedback reports whether head holds a <feedback> start tag further
// in, with or without a namespace prefix: a report wrapped in, or preceded
// by, a stray element (an unclosed <xs:schema>). The parser reads it there.
func hasFeedback(head []byte) bool {
	for rest := head; ; {
		i := bytes.IndexByte(rest, '<')
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
		name := rest
		if end := bytes.IndexAny(name, " \t\r\n/>"); end >= 0 {
			name = name[:end]
		} else {
			return false
		}
		if j := bytes.IndexByte(name, ':'); j >= 0 {
			name = name[j+1:]
		}
		if bytes.EqualFold(name, []byte("feedback")) {
			return true
		}
	}
}

// isTLSReport reports whether JSON looks like an RFC 8460 report.
func isTLSReport(head []byte) bool {
	return bytes.Contains(head, []byte(`"policies"`)) || bytes.Contains(head, []byte(`"organization-name"`))
}

// oneLine makes a reason fit on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
