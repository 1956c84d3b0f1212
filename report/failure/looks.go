package failure

import (
	"bytes"
	"strings"
)

// Looks reports whether a message looks like a failure report: its
// Content-Type is multipart/report with report-type=feedback-report, or its
// text (body: a decoded text/plain body, at most the first 64 KiB are read)
// holds "Feedback-Type: auth-failure", or two ARF fields of which one is
// Source-IP or Reported-Domain. It lets a decoder detect the plain-text
// reports that have no ARF part. header may be a mail.Header or a
// textproto.MIMEHeader.
func Looks(header map[string][]string, body []byte) bool {
	for k, vs := range header {
		if !strings.EqualFold(k, "Content-Type") || len(vs) == 0 {
			continue
		}
		mt, params := mediaType(vs[0])
		if mt == "multipart/report" && strings.EqualFold(params["report-type"], "feedback-report") {
			return true
		}
	}
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	n, key := 0, false
	for _, l := range splitLines(body) {
		// Lines may be indented (Exim) or quoted by a forwarding client.
		name, value, ok := strings.Cut(strings.TrimLeft(l, " \t>"), ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if arf, ok := textLabels[name]; ok {
			name = arf
		}
		if !arfFields[name] {
			continue
		}
		if name == "feedback-type" && strings.EqualFold(firstToken(value), "auth-failure") {
			return true
		}
		n++
		key = key || name == "source-ip" || name == "reported-domain"
	}
	return n >= 2 && key
}

// HasFeedbackPart reports whether body, the raw body of a multipart message
// (at most its first MiB is read), holds a part whose Content-Type is a
// feedback report (message/feedback-report), whatever the enclosing
// multipart and the part's transfer encoding: a failure report sent as
// multipart/mixed rather than multipart/report. A body that also holds a
// multipart/report (a report forwarded whole) is left to the walk.
func HasFeedbackPart(body []byte) bool {
	if len(body) > 1<<20 {
		body = body[:1<<20]
	}
	found := false
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if len(line) < 13 || line[0] != 'C' && line[0] != 'c' {
			continue
		}
		name, value, ok := splitField(strings.TrimRight(string(line), "\r"))
		if !ok || !strings.EqualFold(name, "Content-Type") {
			continue
		}
		switch mt, _ := mediaType(value); {
		case mt == "multipart/report":
			return false // a report inside (forwarded): the walk finds it
		case strings.HasSuffix(mt, "/feedback-report"):
			found = true
		}
	}
	return found
}
