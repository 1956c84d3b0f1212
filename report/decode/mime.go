package decode

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/report/failure"
	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

// maxTextReport bounds the body of a message held whole so that, when it
// holds no attached report, it can still be recognised as a failure report
// written as plain text (no ARF part). Such reports are small; a larger
// message is streamed.
const maxTextReport = 1 << 20

// message walks one RFC 822 message. It rejects the message when nothing in
// it was a report or was rejected for a reason of its own.
func (w *walker) message(br *bufio.Reader, name string, depth int) error {
	before := w.parts + w.rejects
	h, raw, err := readHeader(br)
	if err != nil {
		w.rej(name, fmt.Errorf("reading message header: %w", err))
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(br, maxTextReport+1))
	if err != nil {
		w.rej(name, fmt.Errorf("reading message body: %w", err))
		return nil
	}
	if len(head) > maxTextReport {
		return w.entity(h, raw, io.MultiReader(bytes.NewReader(head), br), name, depth)
	}
	if ct, _ := mediaType(h); strings.HasPrefix(ct, "multipart/") && failure.HasFeedbackPart(head) {
		// A failure report sent as multipart/mixed: its feedback part
		// (maybe base64 or quoted-printable) means nothing alone.
		return w.yield(name, kind.Failure, io.MultiReader(bytes.NewReader(raw), bytes.NewReader(head)))
	}
	if err := w.entity(h, raw, bytes.NewReader(head), name, depth); err != nil {
		return err
	}
	if w.parts+w.rejects == before {
		if failure.Looks(h, head) {
			return w.yield(name, kind.Failure, io.MultiReader(bytes.NewReader(raw), bytes.NewReader(head)))
		}
		w.rej(name, kind.Classed(kind.ErrNoReport, "no report found in message"))
	}
	return nil
}

// entity walks a message body or a MIME part. raw is the raw header of a
// message (nil for a part). A multipart/report; report-type=feedback-report
// entity is a failure report: it is yielded whole, header included.
func (w *walker) entity(h textproto.MIMEHeader, raw []byte, body io.Reader, name string, depth int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if depth > maxDepth {
		w.rej(name, fmt.Errorf("containers nested deeper than %d levels", maxDepth))
		return nil
	}
	ct, params := mediaType(h)
	if ct == "multipart/report" && strings.EqualFold(params["report-type"], "feedback-report") {
		if raw == nil {
			raw = rawHeader(h)
		}
		return w.yield(name, kind.Failure, io.MultiReader(bytes.NewReader(raw), body))
	}
	body = decodeTransfer(h, body)
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		if params["boundary"] == "" {
			return w.walk(body, name, depth+1, sniffCtx{quiet: true, noMail: true})
		}
		return w.multipart(body, params["boundary"], name, depth)
	case ct == "message/rfc822" || ct == "message/global":
		br := getReader(body)
		defer putReader(br)
		return w.message(br, name, depth+1)
	}
	// A leaf: an attachment, an inline body. Only a report or a container
	// counts; text that is neither is ignored.
	return w.walk(body, name, depth+1, sniffCtx{quiet: true, noMail: strings.HasPrefix(ct, "text/")})
}

func (w *walker) multipart(body io.Reader, boundary, name string, depth int) error {
	mr := multipart.NewReader(body, boundary)
	var last *unterminated
	for i := 1; ; i++ {
		p, err := mr.NextRawPart()
		if err == io.EOF || last != nil && last.cut {
			return nil // a missing closing boundary after a complete last part
		}
		if err != nil {
			w.rej(name, fmt.Errorf("malformed MIME multipart: %w", err))
			return nil
		}
		if i > maxParts {
			w.rej(name, fmt.Errorf("more than %d MIME parts", maxParts))
			return nil
		}
		pname := name
		if fn := partFileName(p.Header); fn != "" {
			pname += "/" + fn
		} else if ct, _ := mediaType(p.Header); !strings.HasPrefix(ct, "multipart/") {
			pname += fmt.Sprintf("/part%d", i)
		}
		last = &unterminated{r: p, w: w}
		if err := w.entity(p.Header, nil, last, pname, depth+1); err != nil {
			return err
		}
	}
}

// unterminated reads one MIME part. When the message ends without the
// closing boundary, the part ends there (the repair RepairMIMEUnterminated)
// instead of failing: if the part's own data is cut short, its decoder
// (base64, gzip, the parser) says so.
type unterminated struct {
	r   io.Reader
	w   *walker
	cut bool
}

func (u *unterminated) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	// mime/multipart says a missing boundary with the bare
	// io.ErrUnexpectedEOF; a wrapped one is an outer layer's own error.
	if err == io.ErrUnexpectedEOF { //nolint:errorlint // see above

		if !u.cut {
			u.cut = true
			u.w.note(RepairMIMEUnterminated)
		}
		err = io.EOF
	}
	return n, err
}

// mediaType returns the lower-cased media type and its parameters;
// text/plain when absent, and the bare type when the parameters are broken.
func mediaType(h textproto.MIMEHeader) (string, map[string]string) {
	v := h.Get("Content-Type")
	if v == "" {
		return "text/plain", nil
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil && mt == "" {
		mt, _, _ = strings.Cut(v, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	return mt, params
}

// partFileName is the attachment's name, from Content-Disposition or the
// Content-Type name parameter, RFC 2047/2231 decoded.
func partFileName(h textproto.MIMEHeader) string {
	var name string
	if _, p, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil || errors.Is(err, mime.ErrInvalidMediaParameter) {
		name = p["filename"]
	}
	if name == "" {
		_, p := mediaType(h)
		name = p["name"]
	}
	if name == "" {
		return ""
	}
	dec := mime.WordDecoder{}
	if d, err := dec.DecodeHeader(name); err == nil {
		name = d
	}
	return cleanName(name)
}

// decodeTransfer undoes the Content-Transfer-Encoding.
func decodeTransfer(h textproto.MIMEHeader, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return layerReader{base64.NewDecoder(base64.StdEncoding, &b64Filter{r: r}), "base64 data"}
	case "quoted-printable":
		return layerReader{quotedprintable.NewReader(r), "quoted-printable data"}
	}
	return r
}

// b64Filter drops what base64 text may carry besides the alphabet: line
// ends, spaces, tabs. A byte that no base64 text holds ('-' of a stray
// boundary, '<' of HTML) ends the stream.
type b64Filter struct {
	r    io.Reader
	done bool
}

func (f *b64Filter) Read(p []byte) (int, error) {
	for {
		if f.done {
			return 0, io.EOF
		}
		n, err := f.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			switch {
			case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			case c == '-' || c == '<': // "--boundary" of a broken message, HTML
				f.done = true
			default:
				if !f.done {
					p[j] = c
					j++
				}
			}
		}
		if j > 0 || err != nil {
			if err == nil && f.done {
				err = io.EOF
			}
			return j, err
		}
	}
}
