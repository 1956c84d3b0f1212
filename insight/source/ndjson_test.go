package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/insight"
)

// TestReadNDJSON: documents are read pair by pair; a damaged pair is
// reported with its file and line, and the pairs after it still count.
func TestReadNDJSON(t *testing.T) {
	dir := t.TempDir()
	doc := `{"@timestamp":"2026-11-09T00:00:00Z","report":{"org_name":"g","id":"r","begin":"2026-11-09T00:00:00Z","end":"2026-11-09T23:59:59Z","schema":"rfc7489"},"policy":{"domain":"example.net"},"source":{"ip":"192.0.2.1"},"message":{"count":5},"dmarc":{"pass":true,"verdict":"aligned"}}`
	content := `{"create":{"_index":"dmarc-aggregate-2026.11","_id":"a"}}` + "\n" + doc + "\n" +
		`{"create":{"_index":"dmarc-aggregate-2026.11","_id":"b"}}` + "\n" + `{"message":` + "\n" +
		`{"index":{"_index":"dmarc-aggregate-2026.11","_id":"c"}}` + "\n" + doc + "\n" +
		`{"create":{"_index":"dmarc-aggregate-2026.11","_id":"a"}}` + "\n" + doc // a copy, no final newline
	os.WriteFile(filepath.Join(dir, "dmarc-aggregate-2026.11.ndjson"), []byte(content), 0o644)
	os.WriteFile(filepath.Join(dir, "report.html"), []byte("<html>"), 0o644)
	if !IsNDJSON(dir) || IsNDJSON(filepath.Join(dir, "report.html")) || IsNDJSON(filepath.Join(dir, "missing")) {
		t.Fatal("IsNDJSON")
	}
	c := insight.NewCollector(nil, time.Time{})
	if err := ReadNDJSON(dir, c); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range c.Facts().Agg {
		total += n
	}
	f := c.Facts()
	if total != 10 || len(f.Rejected) != 1 || !strings.HasSuffix(f.Rejected[0].Path, "dmarc-aggregate-2026.11.ndjson:4") ||
		!strings.Contains(f.Rejected[0].Reason, "decoding aggregate document b") {
		t.Fatalf("%d messages (want 10: a and c, a's copy once), rejected %+v", total, f.Rejected)
	}
}
