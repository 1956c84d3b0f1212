package opensearch

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// tooLarge makes the fake answer 413 to any bulk request of more than max
// actions, as nginx's client_max_body_size or a small
// http.max_content_length would, and counts those answers.
func tooLarge(f *fakeCluster, max int, refused *int) {
	f.bulk = func(_ int, lines []bulkLine, w http.ResponseWriter) bool {
		if len(lines) <= max {
			return false // stored by the fake like a real node
		}
		f.mu.Lock()
		*refused++
		f.mu.Unlock()
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(w, "<html><head><title>413 Request Entity Too Large</title></head></html>")
		return true
	}
}

// TestTooLargeRequestsAreSplit: a 413 is about the request, not the
// documents. Every document is written once, the Write succeeds, and later
// requests are sent small enough from the start.
func TestTooLargeRequestsAreSplit(t *testing.T) {
	f := newFake(t)
	var refused int
	tooLarge(f, 3, &refused)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 20)))
	if err != nil || res.Indexed != 20 {
		t.Fatalf("Write = %+v, %v; want 20 indexed", res, err)
	}
	if f.docCount() != 20 {
		t.Fatalf("%d documents stored, want 20", f.docCount())
	}
	// 20 → 413; 10, 10 → 413; 5, 5, 5, 5 → 413; halves of 2 and 3 pass.
	if refused != 7 {
		t.Errorf("%d requests refused as too large, want 7", refused)
	}
	for _, b := range f.bulkRequests() {
		seen := map[string]bool{}
		for _, l := range b {
			if seen[l.ID] {
				t.Fatalf("document %s twice in one request", l.ID)
			}
			seen[l.ID] = true
		}
	}

	// The next Write starts below the size that was refused.
	before := refused
	more := make([]output.Doc, 20)
	for i := range more {
		more[i] = output.Doc{Index: "dmarc-aggregate-2026.11", ID: fmt.Sprintf("more-%d", i), Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	res, err = o.Write(t.Context(), seq(more))
	if err != nil || res.Indexed != 20 {
		t.Fatalf("second Write = %+v, %v; want 20 indexed", res, err)
	}
	if refused != before {
		t.Errorf("%d more requests refused as too large after the size was learned, want 0", refused-before)
	}
	if f.docCount() != 40 {
		t.Errorf("%d documents stored, want 40", f.docCount())
	}
}

// TestOneDocumentTooLargeIsNotAcknowledged: a document larger than the
// limit on its own cannot be written. It is neither acknowledged nor
// dead-lettered (the entry would be as large); its neighbours are written.
func TestOneDocumentTooLargeIsNotAcknowledged(t *testing.T) {
	f := newFake(t)
	f.bulk = func(_ int, lines []bulkLine, w http.ResponseWriter) bool {
		for _, l := range lines {
			if strings.Contains(l.Body, "huge") {
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				io.WriteString(w, `{"error":{"type":"content_too_long_exception","reason":"entity content is too long"},"status":413}`)
				return true
			}
		}
		return false
	}
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	ds := docs("dmarc-aggregate-2026.11", 8)
	ds[5].Body = []byte(`{"n":"huge"}`)
	res, err := o.Write(t.Context(), seq(ds))
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Fatalf("Write error = %v, want the 413 named", err)
	}
	if res.Indexed != 7 || len(res.Failed) != 0 {
		t.Errorf("Write = %+v, want 7 indexed and none dead-lettered", res)
	}
	if f.docCount() != 7 {
		t.Errorf("%d documents stored, want the 7 others", f.docCount())
	}
}
