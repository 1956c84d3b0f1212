package opensearch

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// appendBulk appends one action line and the document line for it.
func appendBulk(buf *bytes.Buffer, action string, it *item) {
	buf.Write(output.AppendAction(buf.AvailableBuffer(), action, it.doc))
	buf.Write(it.doc.Body)
	buf.WriteByte('\n')
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
