package failure

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// MaxBytes caps the size of one report read by Parse.
const MaxBytes = 32 << 20

// ErrInvalid marks a report that cannot be used: it is bad input, and
// reading it again will not help. The wrapping error says why in one line.
var ErrInvalid = errors.New("invalid failure report")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Parse reads one failure report: a whole mail message, with or without an
// mbox "From " line first, CRLF or LF line ends. received is when the report
// was received; it dates the report only when the report has no date.
//
// A report must say which domain it is about and which IP address sent the
// failed message; otherwise Parse returns an error wrapping ErrInvalid.
func Parse(r io.Reader, received time.Time) (*Report, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading failure report: %w", err)
	}
	if len(b) > MaxBytes {
		return nil, invalid("larger than %d bytes", MaxBytes)
	}
	b = stripMboxLine(b)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, invalid("empty message")
	}
	msg := parseEntity(b)
	top, ok := findReport(msg, 0)
	if !ok {
		top = msg
	}
	var p pieces
	p.collect(top, 0)

	rep := &Report{Received: received.UTC()}
	rep.ReportFrom = address(top.header.get("From"))
	rep.ReportDate = parseDate(top.header.get("Date"))

	var fields header
	if p.feedback != nil {
		rep.Format = FormatARF
		fields, _ = parseHeaderLines(splitLines(p.feedback.decodedBody()))
		if !ok {
			rep.Repairs = append(rep.Repairs, RepairFeedbackOutsideReport)
		}
	} else {
		rep.Format = FormatText
		fields = textReportFields(rep, p.texts)
		if !hasARFField(fields) {
			return nil, invalid("no feedback-report part and no ARF fields in the text")
		}
	}
	rep.applyFields(fields)

	var orig header
	switch {
	case p.original != nil:
		orig = rep.readOriginal(p.original, p.originalFull)
	case rep.Format == FormatText:
		orig = originalFromText(fields) // headers quoted in the text
	}
	rep.applyOriginal(orig)
	return rep, rep.check()
}

// textReportFields reads the ARF fields of plain-text parts: in the ARF
// layout ("Source-IP: ..." at the start of a line), else in another layout
// (textLayoutFields), noting the repair when that was needed.
func textReportFields(rep *Report, texts []entity) header {
	var fields header
	for _, t := range texts {
		lines := splitLines(t.decodedBody())
		h, _ := parseHeaderLines(lines)
		if !hasARFField(h) {
			if other := textLayoutFields(lines); hasARFField(other) {
				h = other
				if !slices.Contains(rep.Repairs, RepairTextLayout) {
					rep.Repairs = append(rep.Repairs, RepairTextLayout)
				}
			}
		}
		fields = append(fields, h...)
	}
	return fields
}

// stripMboxLine drops leading blank lines and an mbox "From " separator.
func stripMboxLine(b []byte) []byte {
	for {
		t := bytes.TrimLeft(b, " \t")
		switch {
		case bytes.HasPrefix(t, []byte("\r\n")):
			b = t[2:]
		case bytes.HasPrefix(t, []byte("\n")):
			b = t[1:]
		case bytes.HasPrefix(b, []byte("From ")):
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				return nil
			}
			b = b[i+1:]
		default:
			return b
		}
	}
}

// findReport finds the multipart/report entity: the message itself, or a
// message forwarded inside it as message/rfc822.
func findReport(e entity, depth int) (entity, bool) {
	if depth > 8 {
		return entity{}, false
	}
	mt, params := mediaType(e.header.get("Content-Type"))
	switch {
	case mt == "multipart/report":
		return e, true
	case strings.HasPrefix(mt, "multipart/"):
		for _, p := range parts(e.body, params["boundary"]) {
			if r, ok := findReport(p, depth+1); ok {
				return r, true
			}
		}
	case mt == "message/rfc822":
		return findReport(parseEntity(e.decodedBody()), depth+1)
	}
	return entity{}, false
}

// pieces are the parts of a report that matter.
type pieces struct {
	feedback     *entity
	original     *entity
	originalFull bool // message/rfc822, not headers only
	texts        []entity
}

func (p *pieces) collect(e entity, depth int) {
	mt, params := mediaType(e.header.get("Content-Type"))
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth < 8 {
			for _, c := range parts(e.body, params["boundary"]) {
				p.collect(c, depth+1)
			}
		}
	case strings.HasSuffix(mt, "/feedback-report"):
		if p.feedback == nil {
			p.feedback = &e
		}
	case mt == "text/rfc822-headers" || mt == "message/rfc822-headers" || mt == "message/global-headers":
		if p.original == nil {
			p.original, p.originalFull = &e, false
		}
	case mt == "message/rfc822" || mt == "message/global" || mt == "text/rfc822" || isEMLAttachment(mt, params, e.header):
		if p.original == nil {
			p.original, p.originalFull = &e, true
		}
	case mt == "" || mt == "text/plain":
		p.texts = append(p.texts, e)
	}
}

// isEMLAttachment recognises an original sent as application/octet-stream
// with a .eml name.
func isEMLAttachment(mt string, params map[string]string, h header) bool {
	if mt != "application/octet-stream" {
		return false
	}
	_, dp := mediaType(h.get("Content-Disposition"))
	for _, n := range []string{params["name"], dp["filename"]} {
		if strings.HasSuffix(strings.ToLower(strings.TrimSpace(n)), ".eml") {
			return true
		}
	}
	return false
}

// check rejects reports that cannot be attributed.
func (r *Report) check() error {
	if r.FeedbackType == "" {
		r.FeedbackType = "auth-failure"
	}
	if r.FeedbackType != "auth-failure" {
		return invalid("feedback type %q is not an authentication failure report", r.FeedbackType)
	}
	if r.ReportedDomain == "" {
		return invalid("no reported domain (no Reported-Domain, original From, DKIM-Domain or Original-Mail-From)")
	}
	if !r.SourceIP.IsValid() {
		return invalid("no source IP (no valid Source-IP, Received-SPF client-ip or Received header)")
	}
	if r.Time().IsZero() {
		return invalid("no date (no Arrival-Date, report Date or original Date) and the receive time is unknown")
	}
	return nil
}
