package cli

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// multiReport is an aggregate report of October 2026 with records records;
// record r of report i has count counts(i, r).
func multiReport(i, records int, counts func(i, r int) int64) string {
	begin := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%28) * 24 * time.Hour).Unix()
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>refusal.example</org_name><email>noreply@refusal.example</email>
    <report_id>r-%d</report_id><date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>
  <policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
`, i, begin, begin+86399)
	for r := range records {
		fmt.Fprintf(&b, `  <record><row><source_ip>198.51.100.%d</source_ip><count>%d</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>example.com</domain><result>fail</result></spf></auth_results></record>
`, r+1, counts(i, r))
	}
	b.WriteString("</feedback>\n")
	return b.String()
}

// writeReports writes reports from..to-1 into dir (and, when mirror is
// set, the same bytes there too).
func writeReports(t *testing.T, dir, mirror string, from, to, records int, counts func(i, r int) int64) {
	t.Helper()
	for i := from; i < to; i++ {
		body := []byte(multiReport(i, records, counts))
		name := fmt.Sprintf("receiver!example.com!%d.xml", i)
		for _, d := range []string{mirror, dir} {
			if d == "" {
				continue
			}
			tmp := filepath.Join(d, "."+name+".tmp")
			if err := os.WriteFile(tmp, body, 0o640); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, filepath.Join(d, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// expectedIDs runs ingest into NDJSON files over dir: the ids a faultless
// delivery gives, and the document line of each.
func expectedIDs(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := t.TempDir()
	if code, _, stderr := runCLI(t, offline, "ingest", "--out", out, dir); code != ExitOK {
		t.Fatalf("ingest of the expected set: exit %d\n%s", code, stderr)
	}
	return ndjsonIDs(t, out)
}

func agentConfig(t *testing.T, dir, prefix, url, addr string) string {
	t.Helper()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
index: {prefix: %s}
sources:
  dir:
    enabled: true
    path: %s
    stable_for: 300ms
    rescan_interval: 1s
    after_delivery: move
    state_file: %s
output:
  opensearch:
    urls: [%q]
    flush_interval: 100ms
    retry: {initial_interval: 100ms, max_interval: 1s, max_elapsed: 0s}
    template: {replicas: 0, refresh_interval: 1s}
    retention_days: 0
enrich:
  dns: {offline: true}
pipeline: {workers: 2, in_flight: 32, queue_size: 8, shutdown_grace: 10s}
http: {listen: %q}
`, prefix, filepath.Join(dir, "incoming"), filepath.Join(dir, "dir.db"), url, addr)), 0o600)
	return cfg
}

func readyz(t *testing.T, addr string) (int, string) {
	t.Helper()
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestAgentWriteBlockLosesNothing: a write block on the agent's indices
// (index.blocks.write, as maintenance or a managed service's storage
// protection sets: 403 cluster_block_exception for every document) for
// 20 s in the middle of a run. Nothing is refused, nothing acknowledged
// while it lasts, /readyz says why; once it lifts every document is indexed
// exactly once, and the metrics and exit code say so.
func TestAgentWriteBlockLosesNothing(t *testing.T) {
	base := testcluster.URL(t)
	prefix := testcluster.Prefix(t, base)
	dir := t.TempDir()
	in, mirror := filepath.Join(dir, "incoming"), filepath.Join(dir, "mirror")
	os.MkdirAll(in, 0o750)
	os.MkdirAll(mirror, 0o750)
	addr := freePort(t)
	agent := startAgent(t, nil, "run", "--config", agentConfig(t, dir, prefix, base, addr))
	metrics := "http://" + addr + "/metrics"
	count := func(i, r int) int64 { return int64(i*100 + r + 1) }
	const records, first, total = 20, 100, 400

	writeReports(t, in, mirror, 0, first, records, count)
	waitUntil(t, "the first reports delivered", 2*time.Minute, func() bool {
		return value(scrape(t, metrics), "dmarc_agent_messages_total", "outcome", "delivered") == first
	})

	// Block writes on this test's indices only (never cluster-wide on the
	// shared node), then drop the rest of the reports.
	testcluster.Do(t, base, http.MethodPut, "/"+prefix+"-aggregate-*/_settings", `{"index.blocks.write":true}`)
	lifted := false
	lift := func() {
		if !lifted {
			testcluster.Do(t, base, http.MethodPut, "/"+prefix+"-aggregate-*/_settings", `{"index.blocks.write":null}`)
			lifted = true
		}
	}
	t.Cleanup(lift)
	writeReports(t, in, mirror, first, total, records, count)
	waitUntil(t, "the first blocked answer", time.Minute, func() bool {
		return value(scrape(t, metrics), "dmarc_agent_opensearch_documents_retried_total", "reason", "blocked") > 0
	})
	blockedAt := time.Now()
	code, body := readyz(t, addr)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "blocked") || !strings.Contains(body, "cluster_block_exception") {
		t.Errorf("/readyz while blocked: %d %q; want 503 naming the block", code, body)
	}
	// Hold the block for 20 s (the fault under test lasts that long),
	// checking meanwhile that nothing is acknowledged or refused.
	for time.Since(blockedAt) < 20*time.Second {
		m := scrape(t, metrics)
		if d := value(m, "dmarc_agent_messages_total", "outcome", "delivered"); d != first {
			t.Fatalf("%v messages delivered while the index was blocked, want %d", d, first)
		}
		if f := value(m, "dmarc_agent_opensearch_documents_total", "result", "failed") + value(m, "dmarc_agent_messages_total", "outcome", "dead_letter"); f != 0 {
			t.Fatalf("documents refused while the index was blocked: %v", f)
		}
		time.Sleep(500 * time.Millisecond) // sample the blocked period: nothing may be delivered during it
	}
	if n := countFiles(t, filepath.Join(in, "processed"), ".xml"); n != first {
		t.Fatalf("%d files acknowledged during the block, want %d", n, first)
	}
	m := scrape(t, metrics)
	blockedRetries := value(m, "dmarc_agent_opensearch_documents_retried_total", "reason", "blocked")
	held := time.Since(blockedAt)
	lift()

	waitUntil(t, "every report delivered", 3*time.Minute, func() bool {
		return value(scrape(t, metrics), "dmarc_agent_messages_total", "outcome", "delivered") == total
	})
	waitUntil(t, "ready again", time.Minute, func() bool { c, _ := readyz(t, addr); return c == http.StatusOK })
	m = scrape(t, metrics)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"dmarc_agent_messages_total", []string{"outcome", "delivered"}, total},
		{"dmarc_agent_messages_total", []string{"outcome", "dead_letter"}, 0},
		{"dmarc_agent_messages_total", []string{"outcome", "rejected"}, 0},
		{"dmarc_agent_opensearch_documents_total", []string{"result", "indexed"}, total * records},
		{"dmarc_agent_opensearch_documents_total", []string{"result", "failed"}, 0},
		{"dmarc_agent_opensearch_documents_total", []string{"result", "abandoned"}, 0},
		{"dmarc_agent_opensearch_documents_retrying", nil, 0},
	} {
		if got := value(m, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	want := expectedIDs(t, mirror)
	got := ids(t, base, prefix+"-aggregate-*")
	if len(want) != total*records || !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Errorf("%d ids indexed, %d expected; equal sets: %v", len(got), len(want), slices.Equal(got, slices.Sorted(maps.Keys(want))))
	}
	if n := testcluster.Count(t, base, prefix+"-aggregate-*"); n != total*records {
		t.Errorf("_count = %d, want %d", n, total*records)
	}
	if n := countFiles(t, filepath.Join(in, "processed"), ".xml"); n != total {
		t.Errorf("%d files acknowledged, want %d", n, total)
	}
	t.Logf("block held %s after the first blocked answer; %v documents retried while blocked; %d documents indexed once each",
		held.Round(100*time.Millisecond), blockedRetries, len(got))
	agent.cmd.Process.Signal(syscall.SIGTERM)
	if code := agent.wait(t, 30*time.Second); code != ExitOK {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
	if n := strings.Count(agent.logs.String(), "document refused"); n != 0 {
		t.Errorf("%d per-document refusal lines in the log", n)
	}
}

// TestAgentMappingConflictDeadLetters: under `run`, an index created with a
// conflicting mapping for one field (message.count as integer) refuses the
// documents whose count does not fit. They are kept in the dead-letter
// index with their reasons and origin; the rest is indexed; each message
// with a refusal counts as dead_letter (not delivered) with one log line;
// the agent exits 3, as ingest does.
func TestAgentMappingConflictDeadLetters(t *testing.T) {
	base := testcluster.URL(t)
	prefix := testcluster.Prefix(t, base)
	dir := t.TempDir()
	in, mirror := filepath.Join(dir, "incoming"), filepath.Join(dir, "mirror")
	os.MkdirAll(in, 0o750)
	os.MkdirAll(mirror, 0o750)
	testcluster.Do(t, base, http.MethodPut, "/"+prefix+"-aggregate-2026.10",
		`{"settings":{"number_of_replicas":0},"mappings":{"properties":{"message":{"properties":{"count":{"type":"integer"}}}}}}`)
	// Reports 0, 3, ..., 27 have one record too large for an integer.
	const reports, records = 30, 10
	big := func(i, r int) bool { return i%3 == 0 && r == 4 }
	count := func(i, r int) int64 {
		if big(i, r) {
			return 3_000_000_000 + int64(i)
		}
		return int64(i*100 + r + 1)
	}
	writeReports(t, in, mirror, 0, reports, records, count)
	want := expectedIDs(t, mirror)

	addr := freePort(t)
	agent := startAgent(t, nil, "run", "--config", agentConfig(t, dir, prefix, base, addr))
	metrics := "http://" + addr + "/metrics"
	waitUntil(t, "every report handled", 2*time.Minute, func() bool {
		m := scrape(t, metrics)
		return value(m, "dmarc_agent_messages_total", "outcome", "delivered")+value(m, "dmarc_agent_messages_total", "outcome", "dead_letter") == reports
	})
	m := scrape(t, metrics)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"dmarc_agent_messages_total", []string{"outcome", "delivered"}, 20},
		{"dmarc_agent_messages_total", []string{"outcome", "dead_letter"}, 10},
		{"dmarc_agent_messages_total", []string{"outcome", "retry"}, 0},
		{"dmarc_agent_documents_written_total", []string{"result", "indexed"}, 290},
		{"dmarc_agent_documents_written_total", []string{"result", "failed"}, 10},
		{"dmarc_agent_opensearch_documents_total", []string{"result", "indexed"}, 290},
		{"dmarc_agent_opensearch_documents_total", []string{"result", "failed"}, 10},
		{"dmarc_agent_opensearch_documents_total", []string{"result", "abandoned"}, 0},
	} {
		if got := value(m, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}

	// The dead-letter index holds exactly the refused documents.
	dl := prefix + "-dead-letter"
	testcluster.Do(t, base, http.MethodPost, "/"+dl+"/_refresh", "")
	res := testcluster.Do(t, base, http.MethodPost, "/"+dl+"/_search", `{"size":100}`)
	hits := res["hits"].(map[string]any)["hits"].([]any)
	refused := map[string]bool{}
	for _, h := range hits {
		e := h.(map[string]any)["_source"].(map[string]any)
		id, doc, reason := e["id"].(string), e["document"].(string), e["reason"].(string)
		refused[id] = true
		if e["index"] != prefix+"-aggregate-2026.10" || e["source"] != "dir" || !strings.HasPrefix(e["message_id"].(string), "receiver!example.com!") ||
			e["error_type"] != "mapper_parsing_exception" || !strings.Contains(reason, "message.count") || !strings.Contains(doc, `"count":30000000`) {
			t.Errorf("dead-letter entry %v", e)
		}
	}
	if len(refused) != 10 {
		t.Errorf("%d documents in the dead-letter index, want 10", len(refused))
	}
	got := ids(t, base, prefix+"-aggregate-*")
	if len(got) != 290 {
		t.Errorf("%d documents indexed, want 290", len(got))
	}
	all := slices.Sorted(slices.Values(append(slices.Clone(got), slices.Collect(maps.Keys(refused))...)))
	if len(want) != reports*records || !slices.Equal(all, slices.Sorted(maps.Keys(want))) {
		t.Errorf("indexed + dead-letter = %d ids; want exactly the %d expected", len(all), len(want))
	}
	for _, id := range got {
		if refused[id] {
			t.Errorf("id %s both indexed and in the dead-letter index", id)
		}
	}
	if n := countFiles(t, filepath.Join(in, "processed"), ".xml"); n != reports {
		t.Errorf("%d files acknowledged, want %d (every document indexed or kept)", n, reports)
	}
	agent.cmd.Process.Signal(syscall.SIGTERM)
	if code := agent.wait(t, 30*time.Second); code != ExitRejected {
		t.Errorf("exit code after SIGTERM = %d, want %d (documents were refused)", code, ExitRejected)
	}
	logs := agent.logs.String()
	if n := strings.Count(logs, "documents refused by the output"); n != 10 {
		t.Errorf("%d refusal log lines, want one per message with a refusal (10)", n)
	}
	if n := strings.Count(logs, "document refused by the output"); n != 0 {
		t.Errorf("%d per-document refusal lines", n)
	}
}
