package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPausedWriterDeliveredOnce: a writer that stalls mid-file for three
// times stable_for (a stalled scp, a slow NFS) used to get its report moved
// to failed/ as truncated, and the rest rejected as a second file. Through
// the real pipeline: the half file is read, looks truncated, stays; the
// finished file is delivered once, and failed/ stays empty.
func TestPausedWriterDeliveredOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test of the agent process")
	}
	const stable = 200 * time.Millisecond
	base := t.TempDir()
	in, out := filepath.Join(base, "incoming"), filepath.Join(base, "out")
	if err := os.MkdirAll(in, 0o750); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(base, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf(`
sources:
  dir: {enabled: true, path: %s, stable_for: %s, rescan_interval: 1s, after_delivery: move, state_file: %s}
output: {file: {dir: %s}}
archive: {enabled: true, dir: %s}
enrich: {dns: {offline: true}}
http: {listen: ""}
`, in, stable, filepath.Join(base, "dir.db"), out, filepath.Join(base, "archive"))), 0o600); err != nil {
		t.Fatal(err)
	}
	agent := startAgent(t, nil, "run", "--config", cfgFile)
	waitUntil(t, "agent started", 30*time.Second, func() bool { return strings.Contains(agent.log(), "agent started") })

	report := aggregateReport(7)
	cut := strings.Index(report, "<record>") + 20
	p := filepath.Join(in, "receiver!example.com!7.xml")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(report[:cut]); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	waitUntil(t, "the half file read", 30*time.Second, func() bool { return strings.Contains(agent.log(), "file looks incomplete") })
	// The pause is the scenario: the writer stalls for 3 × stable_for in all.
	time.Sleep(3*stable - time.Since(paused))
	if _, err := f.WriteString(report[cut:]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	waitUntil(t, "the report delivered", 30*time.Second, func() bool { return countFiles(t, filepath.Join(in, "processed"), "") == 1 })
	agent.cmd.Process.Signal(syscall.SIGTERM)
	if code := agent.wait(t, 30*time.Second); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if got := countFiles(t, filepath.Join(in, "failed"), ""); got != 0 {
		t.Errorf("failed/ holds %d files", got)
	}
	ids := ndjsonIDs(t, out)
	if len(ids) != 1 {
		t.Errorf("%d documents, want 1", len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("document %s written %d times", id, n)
		}
	}
	if got := countFiles(t, filepath.Join(base, "archive"), ".xml.gz"); got != 1 {
		t.Errorf("archive holds %d reports, want 1", got)
	}
	if s := agent.log(); strings.Count(s, "file looks incomplete") != 1 {
		t.Errorf("half file read %d times, want 1:\n%s", strings.Count(s, "file looks incomplete"), tail(s, 3000))
	}
}
