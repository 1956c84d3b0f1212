package gmailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"sort"
	"strings"
)

// header is one header field, in message order.
type header struct{ Name, Value string }

// part is a node of the MIME tree as format=full shows it.
type part struct {
	id       string // Gmail partId: "" for the root, "0", "1", "1.0", ...
	mimeType string
	filename string
	headers  []header
	body     []byte // decoded content of a leaf
	children []*part
	attID    string // set for parts with a filename: served by attachments.get
}

// parseMessage builds the tree of a raw RFC 822 message. It never fails: an
// unparsable message is one text/plain leaf.
func parseMessage(raw []byte) *part {
	hs, body := splitHeader(raw)
	return parseEntity("", hs, body)
}

// splitHeader splits at the first blank line and unfolds header lines,
// keeping their order.
func splitHeader(raw []byte) ([]header, []byte) {
	var head, body []byte
	lf := bytes.Index(raw, []byte("\n\n"))
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 && (lf < 0 || i < lf) {
		head, body = raw[:i], raw[i+4:]
	} else if i := lf; i >= 0 {
		head, body = raw[:i], raw[i+2:]
	} else {
		head = raw
	}
	var hs []header
	for _, line := range strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(hs) > 0 {
			hs[len(hs)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		hs = append(hs, header{strings.TrimSpace(name), strings.TrimSpace(value)})
	}
	return hs, body
}

func get(hs []header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func parseEntity(id string, hs []header, body []byte) *part {
	p := &part{id: id, headers: hs, mimeType: "text/plain"}
	mt, params, err := mime.ParseMediaType(get(hs, "Content-Type"))
	if err == nil {
		p.mimeType = strings.ToLower(mt)
	}
	if _, dp, err := mime.ParseMediaType(get(hs, "Content-Disposition")); err == nil && dp["filename"] != "" {
		p.filename = dp["filename"]
	} else if params["name"] != "" {
		p.filename = params["name"]
	}
	if strings.HasPrefix(p.mimeType, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for i := 0; ; i++ {
			rp, err := mr.NextRawPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(rp)
			keys := make([]string, 0, len(rp.Header))
			for k := range rp.Header {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var chs []header
			for _, k := range keys {
				for _, v := range rp.Header[k] {
					chs = append(chs, header{k, v})
				}
			}
			cid := itoa(i)
			if id != "" {
				cid = id + "." + cid
			}
			p.children = append(p.children, parseEntity(cid, chs, b))
		}
		return p
	}
	switch strings.ToLower(get(hs, "Content-Transfer-Encoding")) {
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(body))
		if d, err := base64.StdEncoding.DecodeString(clean); err == nil {
			body = d
		}
	case "quoted-printable":
		if d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			body = d
		}
	}
	p.body = body
	return p
}

// walk visits every part.
func (p *part) walk(f func(*part)) {
	f(p)
	for _, c := range p.children {
		c.walk(f)
	}
}

// facts are what the query operators look at.
type facts struct {
	subject, from, to string
	messageID         string
	filenames         []string
}

func factsOf(root *part) facts {
	f := facts{from: get(root.headers, "From"), to: get(root.headers, "To")}
	f.subject = get(root.headers, "Subject")
	if d, err := new(mime.WordDecoder).DecodeHeader(f.subject); err == nil {
		f.subject = d
	}
	f.messageID = strings.Trim(strings.TrimSpace(get(root.headers, "Message-ID")), "<>")
	if a, err := mail.ParseAddress(f.from); err == nil {
		f.from = a.Name + " " + a.Address
	}
	root.walk(func(p *part) {
		if p.filename != "" {
			f.filenames = append(f.filenames, p.filename)
		}
	})
	return f
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
