package opensearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// appendBulk appends one action line and the document line for it. The
// action is written by hand: encoding/json would HTML-escape <, > and & in
// ids and index names, and the ids must reach the cluster byte for byte.
func appendBulk(buf *bytes.Buffer, action string, it *item) {
	buf.WriteString(`{"`)
	buf.WriteString(action)
	buf.WriteString(`":{"_index":`)
	appendJSONString(buf, it.doc.Index)
	buf.WriteString(`,"_id":`)
	appendJSONString(buf, it.doc.ID)
	buf.WriteString("}}\n")
	buf.Write(it.doc.Body)
	buf.WriteByte('\n')
}

// appendJSONString writes s as a JSON string, escaping only what JSON
// requires (quote, backslash, control characters, invalid UTF-8).
func appendJSONString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf.WriteByte('\\')
				buf.WriteByte(c)
			case c < 0x20:
				buf.WriteString(`\u00`)
				buf.WriteByte(hex[c>>4])
				buf.WriteByte(hex[c&0xf])
			default:
				buf.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(`\ufffd`)
		} else {
			buf.WriteString(s[i : i+size])
		}
		i += size
	}
	buf.WriteByte('"')
}

// bulkResponse is the part of a _bulk answer we read.
type bulkResponse struct {
	Errors bool              `json:"errors"`
	Items  []json.RawMessage `json:"items"`
}

// bulkItem is one entry of items: {"<action>": {...}}.
type bulkItem struct {
	Status int        `json:"status"`
	Result string     `json:"result"`
	Error  *bulkError `json:"error"`
}

type bulkError struct {
	Type     string     `json:"type"`
	Reason   string     `json:"reason"`
	CausedBy *bulkError `json:"caused_by"`
}

func (e *bulkError) String() string {
	if e == nil {
		return "no reason given"
	}
	s := e.Type + ": " + e.Reason
	if e.CausedBy != nil {
		s += " (caused by " + e.CausedBy.String() + ")"
	}
	return s
}

// outcome is what happened to one document in one attempt.
type outcome int

const (
	outIndexed outcome = iota
	outDuplicate
	outFailed // permanent: the document itself was refused
	outRetry  // transient: send it again
)

// itemOutcome classifies an item status.
func itemOutcome(status int) outcome {
	switch {
	case status >= 200 && status < 300:
		return outIndexed
	case status == 409:
		return outDuplicate
	case retryableStatus(status):
		return outRetry
	default:
		return outFailed
	}
}

// parseBulk reads a 2xx _bulk answer for n documents and returns each
// item's status and reason. When errors is false every item succeeded and
// statuses is nil.
func parseBulk(body []byte, n int) (statuses []int, reasons []string, err error) {
	var r bulkResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, nil, fmt.Errorf("decoding bulk response: %w", err)
	}
	if len(r.Items) != n {
		return nil, nil, fmt.Errorf("bulk response has %d items for %d documents", len(r.Items), n)
	}
	if !r.Errors {
		return nil, nil, nil
	}
	statuses = make([]int, n)
	reasons = make([]string, n)
	for i, raw := range r.Items {
		var wrapper map[string]bulkItem
		if err := json.Unmarshal(raw, &wrapper); err != nil || len(wrapper) != 1 {
			return nil, nil, fmt.Errorf("decoding bulk response item %d: %v", i, err)
		}
		for _, it := range wrapper {
			statuses[i] = it.Status
			if it.Error != nil {
				reasons[i] = it.Error.String()
			}
		}
	}
	return statuses, reasons, nil
}
