package failure

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"unicode"
)

// The MIME reading here is deliberately lenient: failure reports come from
// many small reporters, and net/textproto refuses header lines that real
// reports contain (no colon, a space before the colon, 8-bit bytes).

// field is one header field, its value unfolded and trimmed.
type field struct{ name, value string }

// header is an ordered list of fields.
type header []field

// get returns the first value of name (case-insensitive).
func (h header) get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// all returns every value of name.
func (h header) all(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// entity is a message or a body part.
type entity struct {
	header header
	body   []byte
}

// splitLines splits on LF, dropping a CR before it.
func splitLines(b []byte) []string {
	s := string(b)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// parseEntity splits b at the first empty line into header and body.
func parseEntity(b []byte) entity {
	lines := splitLines(b)
	n := len(lines)
	for i, l := range lines {
		if l == "" {
			n = i
			break
		}
	}
	h, _ := parseHeaderLines(lines[:n])
	var body []byte
	if n < len(lines) {
		// Re-find the byte offset of the body to keep it byte-exact.
		off := 0
		for i := 0; i <= n; i++ {
			j := bytes.IndexByte(b[off:], '\n')
			if j < 0 {
				off = len(b)
				break
			}
			off += j + 1
		}
		body = b[off:]
	}
	return entity{header: h, body: body}
}

// parseHeaderLines reads "Name: value" lines with folded continuations.
// Lines that are not fields (free text around them) are skipped and counted.
func parseHeaderLines(lines []string) (header, int) {
	var h header
	junk := 0
	last := -1
	for _, l := range lines {
		if l == "" {
			last = -1
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && last >= 0 {
			h[last].value = strings.TrimSpace(h[last].value + " " + strings.TrimSpace(l))
			continue
		}
		name, value, ok := splitField(l)
		if !ok {
			junk++
			last = -1
			continue
		}
		h = append(h, field{name: name, value: value})
		last = len(h) - 1
	}
	return h, junk
}

// splitField splits "Name: value"; the name is letters, digits and dashes,
// optionally followed by spaces before the colon.
func splitField(l string) (name, value string, ok bool) {
	i := strings.IndexByte(l, ':')
	if i <= 0 {
		return "", "", false
	}
	name = strings.TrimRight(l[:i], " \t")
	if name == "" || len(name) > 76 {
		return "", "", false
	}
	for _, r := range name {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')) {
			return "", "", false
		}
	}
	return name, strings.TrimSpace(l[i+1:]), true
}

// mediaType returns the lower-cased media type and its parameters. Broken
// parameters (an unquoted file name with parentheses or brackets) do not
// lose the type or the other parameters.
func mediaType(v string) (string, map[string]string) {
	if v == "" {
		return "", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params
	}
	typ, rest, _ := strings.Cut(v, ";")
	typ = strings.ToLower(strings.TrimSpace(typ))
	params = map[string]string{}
	for rest != "" {
		var p string
		p, rest = cutParam(rest)
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		}
		if k != "" {
			params[k] = val
		}
	}
	return typ, params
}

// cutParam cuts one parameter off s at a semicolon outside quotes.
func cutParam(s string) (string, string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case ';':
			if !inQuote {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

// decodedBody undoes the Content-Transfer-Encoding. Broken encodings keep
// what could be decoded.
func (e entity) decodedBody() []byte {
	switch strings.ToLower(strings.TrimSpace(e.header.get("Content-Transfer-Encoding"))) {
	case "base64":
		clean := make([]byte, 0, len(e.body))
		for _, c := range e.body {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				clean = append(clean, c)
			}
		}
		clean = bytes.TrimRight(clean, "=")
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(e.body)))
		return out
	}
	return e.body
}

// parts splits a multipart body at its boundary. The preamble and epilogue
// are dropped; a missing closing boundary keeps the last part.
func parts(body []byte, boundary string) []entity {
	if boundary == "" {
		return nil
	}
	delim := "--" + boundary
	var out []entity
	var cur []string
	in := false
	lines := splitLines(body)
	flush := func() {
		if in {
			out = append(out, parseEntity([]byte(strings.Join(cur, "\n"))))
		}
		cur = nil
	}
	for _, l := range lines {
		t := strings.TrimRight(l, " \t")
		if t == delim+"--" {
			flush()
			in = false
			break
		}
		if t == delim {
			flush()
			in = true
			continue
		}
		if in {
			cur = append(cur, l)
		}
	}
	flush()
	return out
}
