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

// itemResult is one item's status and error, nil when it succeeded.
type itemResult struct {
	status int
	err    *bulkError
}

func (r itemResult) errType() string {
	if r.err == nil {
		return ""
	}
	return r.err.Type
}

func (r itemResult) reason() string {
	return fmt.Sprintf("HTTP %d: %s", r.status, r.err.String())
}

// parseBulk reads a 2xx _bulk answer for n documents and returns each
// item's result. When errors is false every item succeeded and results is
// nil.
func parseBulk(body []byte, n int) (results []itemResult, err error) {
	var r bulkResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decoding bulk response: %w", err)
	}
	if len(r.Items) != n {
		return nil, fmt.Errorf("bulk response has %d items for %d documents", len(r.Items), n)
	}
	if !r.Errors {
		return nil, nil
	}
	results = make([]itemResult, n)
	for i, raw := range r.Items {
		var wrapper map[string]bulkItem
		if err := json.Unmarshal(raw, &wrapper); err != nil || len(wrapper) != 1 {
			return nil, fmt.Errorf("decoding bulk response item %d: %v", i, err)
		}
		for _, it := range wrapper {
			results[i] = itemResult{status: it.Status, err: it.Error}
		}
	}
	return results, nil
}

// requestError reads the error type of a whole-request refusal
// ({"error":{"type":...},"status":...}); "" when the body says none.
func requestError(body []byte) string {
	var r struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &r) != nil || len(r.Error) == 0 {
		return ""
	}
	var e bulkError
	if json.Unmarshal(r.Error, &e) != nil {
		return ""
	}
	return e.Type
}
