package failure

import (
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
		name, value, ok := splitField(strings.TrimSpace(l))
		if !ok {
			continue
		}
		name = strings.ToLower(name)
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
