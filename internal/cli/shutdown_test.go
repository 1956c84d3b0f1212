package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// TestStopWithClusterDownFitsTheGrace: SIGTERM while the cluster is down
// (nothing listens on its port) and reports wait in the output's retries.
// The agent must exit 0 within pipeline.shutdown_grace + 2 s in total, the
// output's retries included (it took grace + 16.8 s), and hand the reports
// back: a restart against a reachable output delivers each exactly once.
func TestStopWithClusterDownFitsTheGrace(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test of the agent process")
	}
	const grace = 3 * time.Second
	base := t.TempDir()
	in := filepath.Join(base, "incoming")
	if err := os.MkdirAll(in, 0o750); err != nil {
		t.Fatal(err)
	}
	const n = 6
	for i := range n {
		if err := os.WriteFile(filepath.Join(in, fmt.Sprintf("r%d.xml", i)), []byte(aggregateReport(i)), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	cfgFile := filepath.Join(base, "config.yaml")
	writeFile := func(output string) {
		t.Helper()
		if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf(`
log: {level: info, format: text}
sources:
  dir: {enabled: true, path: %s, stable_for: 100ms, rescan_interval: 1s, after_delivery: move, state_file: %s}
archive: {enabled: true, dir: %s}
enrich: {dns: {offline: true}}
pipeline: {workers: 2, in_flight: 8, queue_size: 4, shutdown_grace: %s}
http: {listen: ""}
%s
`, in, filepath.Join(base, "dir.db"), filepath.Join(base, "archive"), grace, output)), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Down for a while already: the output's backoff has reached long waits
	// (10-30 s, as after a minute of outage with the defaults).
	down := "http://" + freePort(t)
	writeFile("output: {opensearch: {urls: [\"" + down + "\"], retry: {initial_interval: 20s, max_interval: 30s, max_elapsed: 0s}}}")
	agent := startAgent(t, nil, "run", "--config", cfgFile)
	waitUntil(t, "the output retrying", time.Minute, func() bool {
		agentLogs := agent.log()
		return strings.Contains(agentLogs, "OpenSearch refuses writes for now")
	})
	agent.cmd.Process.Signal(syscall.SIGTERM)
	t0 := time.Now()
	code := agent.wait(t, grace+30*time.Second)
	took := time.Since(t0)
	if code != ExitOK {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	if took > grace+2*time.Second {
		t.Errorf("stopped in %s, more than shutdown_grace %s + 2 s", took.Round(time.Millisecond), grace)
	}
	t.Logf("stopped in %s with the cluster down (grace %s)", took.Round(time.Millisecond), grace)
	if got := countFiles(t, filepath.Join(in, "processed"), ""); got != 0 {
		t.Fatalf("%d files marked processed although nothing was written", got)
	}
	if logs := agent.log(); !strings.Contains(logs, "handed back") {
		t.Errorf("the log does not say the work was handed back:\n%s", tail(logs, 3000))
	}

	// Restart against an output that answers: every report once.
	cluster := os.Getenv("OPENSEARCH_URL") != "" || os.Getenv("DMARC_AGENT_REQUIRE_OPENSEARCH") == "1"
	var url, prefix string
	out := filepath.Join(base, "out")
	if cluster {
		url = testcluster.URL(t)
		prefix = testcluster.Prefix(t, url)
		writeFile(fmt.Sprintf("index: {prefix: %s}\noutput: {opensearch: {urls: [%q]}}", prefix, url))
	} else {
		writeFile("output: {file: {dir: " + out + "}}")
	}
	again := startAgent(t, nil, "run", "--config", cfgFile, "--once")
	if code := again.wait(t, 2*time.Minute); code != ExitOK {
		t.Fatalf("restart: exit %d", code)
	}
	if got := countFiles(t, filepath.Join(in, "processed"), ""); got != n {
		t.Errorf("%d files processed after the restart, want %d", got, n)
	}
	if cluster {
		if got := testcluster.Count(t, url, prefix+"-*"); got != n {
			t.Errorf("_count %d after the restart, want %d (one document per report, once)", got, n)
		}
		return
	}
	ids := ndjsonIDs(t, out)
	if len(ids) != n {
		t.Errorf("%d distinct documents, want %d", len(ids), n)
	}
	for id, c := range ids {
		if c != 1 {
			t.Errorf("document %s written %d times", id, c)
		}
	}
}
