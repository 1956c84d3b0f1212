package aggregate

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

// prepareReader looks at the XML declaration and, when it names a legacy
// single- or multi-byte encoding (ISO-8859-1, windows-1252, ...), returns a
// reader that yields UTF-8. ISO-8859-1 is read as windows-1252, its superset,
// as browsers do. UTF-8, ASCII, unknown labels and UTF-16 labels on a document
// that evidently is not UTF-16 are read as UTF-8.
func prepareReader(r io.Reader) io.Reader {
	if r == nil {
		return nil
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	var rest io.Reader = bytes.NewReader(head)
	if err == nil {
		rest = io.MultiReader(rest, r)
	} else if err != io.ErrUnexpectedEOF && err != io.EOF {
		rest = io.MultiReader(rest, errReader{err})
	}
	label := declaredEncoding(head)
	switch label {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return rest
	}
	if strings.HasPrefix(label, "utf-16") || strings.HasPrefix(label, "utf-32") {
		return rest
	}
	enc, err2 := htmlindex.Get(label)
	if err2 != nil {
		return rest
	}
	return transform.NewReader(rest, enc.NewDecoder())
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// declaredEncoding returns the lower-cased encoding of the XML declaration.
func declaredEncoding(head []byte) string {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := head[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	v := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(v) == 0 || v[0] != '=' {
		return ""
	}
	v = bytes.TrimLeft(v[1:], " \t\r\n")
	if len(v) < 2 || (v[0] != '"' && v[0] != '\'') {
		return ""
	}
	j := bytes.IndexByte(v[1:], v[0])
	if j < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(string(v[1 : 1+j])))
}
