// Package xmlskip holds the one skipper of XML declarations (<!DOCTYPE ...>
// with its internal subset) shared by the decoder's sniffer and the
// aggregate-report scanner, so that both agree on where a document's root
// element starts.
package xmlskip

import "bytes"

// DirectiveEnd returns the index just after the '>' that closes the
// directive data starts with ("<!DOCTYPE ...>", "<!ENTITY ...>"), skipping
// an internal subset, quoted strings and comments inside, as encoding/xml
// does; like encoding/xml it takes the byte after "<!" as it is. It returns
// -1 when data ends before the directive does. Declared entities are never
// expanded: this only finds the end.
func DirectiveEnd(data []byte) int {
	depth := 0
	var quote byte
	for i := 3; i < len(data); i++ {
		c := data[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			if depth == 0 {
				return i + 1
			}
			depth--
		case c == '<':
			if hasPrefixOrShort(data[i:], "<!--") {
				if len(data)-i < 4 {
					return -1
				}
				j := bytes.Index(data[i+4:], []byte("-->"))
				if j < 0 {
					return -1
				}
				i += 4 + j + 2
				continue
			}
			depth++
		}
	}
	return -1
}

// hasPrefixOrShort reports whether data starts with p, or is a prefix of p.
func hasPrefixOrShort(data []byte, p string) bool {
	n := min(len(data), len(p))
	return string(data[:n]) == p[:n]
}
