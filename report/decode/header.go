package decode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"sort"
	"strings"
)

// readHeader reads a message header up to the blank line, unfolding
// continuation lines, with LF or CRLF line ends, in any field order. It keeps
// the raw bytes (a failure report is yielded whole). Lines that are not
// fields are skipped; a header larger than maxHeaderBytes is an error.
func readHeader(br *bufio.Reader) (textproto.MIMEHeader, []byte, error) {
	h := make(textproto.MIMEHeader)
	var raw []byte
	var key string
	var val []byte
	flush := func() {
		if key != "" {
			h[key] = append(h[key], strings.TrimSpace(string(val)))
		}
		key, val = "", val[:0]
	}
	for {
		line, err := readLine(br, maxHeaderBytes-len(raw))
		raw = append(raw, line...)
		if errors.Is(err, errLineTooLong) || len(raw) >= maxHeaderBytes {
			return nil, nil, fmt.Errorf("message header larger than %d bytes", maxHeaderBytes)
		}
		text := bytes.TrimRight(line, "\r\n")
		switch {
		case len(text) == 0 && len(line) > 0: // the blank line
			flush()
			return h, raw, nil
		case len(text) > 0 && (text[0] == ' ' || text[0] == '\t'):
			if key != "" {
				val = append(val, ' ')
				val = append(val, bytes.TrimSpace(text)...)
			}
		case len(text) > 0:
			flush()
			if i := bytes.IndexByte(text, ':'); i > 0 && isHeaderLine(text) {
				key = textproto.CanonicalMIMEHeaderKey(string(bytes.TrimSpace(text[:i])))
				val = append(val[:0], bytes.TrimSpace(text[i+1:])...)
			}
		}
		if err != nil {
			if err == io.EOF {
				flush()
				return h, raw, nil // a message of headers only
			}
			return nil, nil, err
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line, its end included, of at most limit bytes.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		if len(line)+len(part) > limit {
			return line, errLineTooLong
		}
		line = append(line, part...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}

// rawHeader writes a parsed header back (sorted, for a nested part whose
// raw bytes are gone).
func rawHeader(h textproto.MIMEHeader) []byte {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}
