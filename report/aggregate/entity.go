package aggregate

import (
	"bytes"
	"unicode/utf8"
)

// appendText appends raw character data to dst, decoding the five predefined
// entities and numeric character references, and normalising line ends
// ("\r\n" and a lone "\r" become "\n") as an XML processor must. An '&' that
// does not begin a valid reference is kept as written: receivers write
// "AT&T" unescaped, and a custom entity (from a DTD) is never expanded.
func appendText(dst, raw []byte, cdata bool) []byte {
	if cdata {
		return appendNewlines(dst, raw)
	}
	for {
		i := bytes.IndexByte(raw, '&')
		if i < 0 {
			return appendNewlines(dst, raw)
		}
		dst = appendNewlines(dst, raw[:i])
		raw = raw[i:]
		r, n := decodeRef(raw)
		if n == 0 {
			dst = append(dst, '&')
			raw = raw[1:]
			continue
		}
		dst = utf8.AppendRune(dst, r)
		raw = raw[n:]
	}
}

func appendNewlines(dst, raw []byte) []byte {
	for {
		i := bytes.IndexByte(raw, '\r')
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		dst = append(dst, '\n')
		raw = raw[i+1:]
		if len(raw) > 0 && raw[0] == '\n' {
			raw = raw[1:]
		}
	}
}

// decodeRef decodes the reference at the start of b (b[0] == '&'). n is 0
// when b does not start with a valid reference.
func decodeRef(b []byte) (r rune, n int) {
	end := bytes.IndexByte(b[:min(len(b), entityHold)], ';')
	if end < 2 {
		return 0, 0
	}
	name := b[1:end]
	if name[0] == '#' {
		return decodeCharRef(name[1:], end+1)
	}
	switch string(name) {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "quot":
		return '"', end + 1
	case "apos":
		return '\'', end + 1
	}
	return 0, 0
}

func decodeCharRef(num []byte, n int) (rune, int) {
	base := rune(10)
	if len(num) > 0 && num[0] == 'x' {
		base, num = 16, num[1:]
	}
	if len(num) == 0 || len(num) > 8 {
		return 0, 0
	}
	var r rune
	for _, c := range num {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, 0
		}
		r = r*base + d
	}
	if !isXMLChar(r) {
		return 0, 0
	}
	return r, n
}

// isXMLChar is the XML 1.0 Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
