package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// An unreachable cluster (nothing listens on the port) fails ingest in
// seconds, before any input is read, with exit 1 and a message naming the
// URL and the cause.
func TestIngestUnreachableClusterFailsFast(t *testing.T) {
	url := "http://" + freePort(t)
	t0 := time.Now()
	code, stdout, stderr := runCLI(t, offline, "ingest", samples, "--opensearch", url)
	took := time.Since(t0)
	if code != ExitFatal {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFatal, stdout, stderr)
	}
	if took > preflightTimeout {
		t.Errorf("took %s, more than the %s pre-flight bound", took, preflightTimeout)
	}
	if !strings.Contains(stderr, "OpenSearch at "+url) || !strings.Contains(stderr, "connection refused") {
		t.Errorf("stderr names neither the URL nor the cause:\n%s", stderr)
	}
	if stdout != "" {
		t.Errorf("a summary was printed although nothing was read:\n%s", stdout)
	}
	t.Logf("failed in %s: %s", took.Round(time.Millisecond), strings.TrimSpace(stderr))
}

// A cluster that answers its health check but refuses every write (HTTP
// 503, which a real node gives only on demand when broken): each bulk
// request is retried for --retry-budget, then the message is not delivered,
// ingest stops reading new inputs, says what to do, and exits 1. The log
// does not promise a retry that will not come.
func TestIngestGivesUpWithinItsBudget(t *testing.T) {
	var bulks atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/" {
			fmt.Fprint(w, `{"version":{"number":"3.6.0","distribution":"opensearch"}}`)
			return
		}
		bulks.Add(1) // template installation, then bulk requests
		http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	dir := t.TempDir()
	const n = 400
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%04d.xml", i)), []byte(aggregateReport(i)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := append(slices.Clone(offline), "DMARC_AGENT_PIPELINE__IN_FLIGHT=4", "DMARC_AGENT_PIPELINE__WORKERS=1")
	code, stdout, stderr := runCLI(t, env, "ingest", "--summary", "json", dir, "--opensearch", srv.URL, "--retry-budget", "1s")
	if code != ExitFatal {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFatal, stdout, stderr)
	}
	j := readSummary(t, stdout)
	if j.Files >= n || *j.Indexed != 0 {
		t.Errorf("files %d (want fewer than %d: reading stops), indexed %d", j.Files, n, *j.Indexed)
	}
	if !slices.ContainsFunc(j.Errors, func(e string) bool {
		return strings.Contains(e, "stopped reading inputs") && strings.Contains(e, "Run the same command again")
	}) {
		t.Errorf("errors do not say reading stopped and what to do: %q", j.Errors)
	}
	if strings.Contains(stderr, "will retry") && !strings.Contains(stderr, "bulk request will be retried") {
		t.Errorf("log promises a retry ingest never makes:\n%s", stderr)
	}
	if !strings.Contains(stderr, "not acknowledged to its source") {
		t.Errorf("log does not say the message was left unacknowledged:\n%s", stderr)
	}
	if bulks.Load() == 0 {
		t.Error("no write request reached the fake")
	}
	t.Logf("read %d of %d files, %d write requests", j.Files, n, bulks.Load())
}

func TestIngestRetryBudgetMustBePositive(t *testing.T) {
	code, _, stderr := runCLI(t, offline, "ingest", "--retry-budget", "0s", samples)
	if code != ExitUsage || !strings.Contains(stderr, "--retry-budget must be positive") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}
