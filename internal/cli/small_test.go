package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// A log line printed while the bar is drawn erases the bar first, so that
// the two never share a line; the bar comes back at the next step.
func TestProgressBarAndLogLinesDoNotShareALine(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, on: true, start: time.Now().Add(-2 * time.Second), total: 10}
	p.step()
	p.Write([]byte("level=WARN msg=x\n"))
	p.Write([]byte("level=WARN msg=y\n"))
	p.last = time.Time{}
	p.step()
	p.done()
	want := "\r[===                           ] 1/10 files, 2s" + "\r\033[K" + "level=WARN msg=x\n" + "level=WARN msg=y\n" +
		"\r[======                        ] 2/10 files, 2s" + "\r\033[K"
	if got := buf.String(); got != want {
		t.Errorf("stderr\n%q\nwant\n%q", got, want)
	}
}

// A PATH that does not exist is a usage error (exit 2) before anything is
// read, not a rejected input (exit 3).
func TestIngestMissingPathIsUsageError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	code, stdout, stderr := runCLI(t, offline, "ingest", samples, missing)
	if code != ExitUsage || stdout != "" || !strings.HasPrefix(stderr, "dmarc-agent ingest: stat "+missing+": no such file or directory\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// Each rejected file is printed once: in the summary, not also as a log line.
func TestIngestPrintsEachRejectionOnce(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "junk.xml"), []byte("not a report"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, offline, "ingest", "--out", t.TempDir(), dir)
	if code != ExitRejected {
		t.Fatalf("exit %d", code)
	}
	if n := strings.Count(stdout+stderr, "junk.xml"); n != 1 {
		t.Errorf("junk.xml printed %d times:\nstdout %s\nstderr %s", n, stdout, stderr)
	}
}

// dashboards import pointed at OpenSearch itself (a real node: it has no
// saved-objects API) prints no "0 created" line and says which URL it wants.
func TestDashboardsImportAtOpenSearchPortHints(t *testing.T) {
	base := testcluster.URL(t)
	code, stdout, stderr := runCLI(t, nil, "dashboards", "import", "--url", base)
	if code != ExitFatal || stdout != "" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "hint: that URL is OpenSearch itself") {
		t.Errorf("no hint:\n%s", stderr)
	}
}

// An ingest run logs one start-up line about enrichment, not one per GeoIP
// database plus one.
func TestIngestLogsOneEnrichmentLine(t *testing.T) {
	code, _, stderr := runCLI(t, offline, "ingest", "--out", t.TempDir(), samples)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := strings.Count(stderr, "level=INFO"); n != 1 || !strings.Contains(stderr, `msg="enrichment ready"`) || !strings.Contains(stderr, "geoip=") {
		t.Errorf("%d INFO lines, want the one enrichment line:\n%s", n, stderr)
	}
}
