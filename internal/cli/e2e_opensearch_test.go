package cli

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// TestAgentOpenSearchOutage runs the agent against the real OpenSearch node
// through a proxy that drops every connection for a while. While the cluster
// is unreachable the agent acknowledges nothing and reads no further than
// its queue; when it returns, every report is indexed once. A rebuild of a
// second index from the raw archive gives the same document ids.
func TestAgentOpenSearchOutage(t *testing.T) {
	testcluster.Run(t, agentOpenSearchOutage)
}

func agentOpenSearchOutage(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	down.Store(true)
	var refused atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() { // as a cluster that is gone: the connection drops
			refused.Add(1)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	dir := t.TempDir()
	in, arch := filepath.Join(dir, "incoming"), filepath.Join(dir, "archive")
	os.MkdirAll(in, 0o750)
	addr := freePort(t)
	cfgFile := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`
index: {prefix: %s}
sources:
  dir:
    enabled: true
    path: %s
    stable_for: 400ms
    rescan_interval: 1s
    after_delivery: move
    state_file: %s
    truncated_grace: 1s  # the truncated gzip files dropped here are corrupt for good
output:
  opensearch:
    urls: [%q]
    flush_interval: 100ms
    retry: {initial_interval: 50ms, max_interval: 300ms, max_elapsed: 0s}
    template: {replicas: 0}
    retention_days: 0
archive: {enabled: true, dir: %s}
enrich:
  dns: {offline: true}
pipeline: {workers: 2, in_flight: 16, queue_size: 4, shutdown_grace: 5s}
http: {listen: %q}
`, prefix, in, filepath.Join(dir, "dir.db"), proxy.URL, arch, addr)), 0o600)

	// The files are there before the agent starts: its first scan sees them
	// all. dmarc_agent_dir_pending_files is set before each delivery round,
	// and a round blocks while the pipeline is full, so files dropped while
	// the agent runs may not be counted yet when it saturates (seen on a
	// loaded machine: 69 to 154 of 180).
	valid, corrupt, copies := dropFiles(t, in, 0, 200, rand.New(rand.NewPCG(5, 6)))
	agent := startAgent(t, nil, "run", "--config", cfgFile)
	metrics := "http://" + addr + "/metrics"

	// Output down: the messages in flight block in Write, the queue fills,
	// the folder source stops handing over files. Nothing is acknowledged.
	waitUntil(t, "the pipeline saturated", time.Minute, func() bool {
		m := scrape(t, metrics)
		return value(m, "dmarc_agent_queue_depth") == 4 && value(m, "dmarc_agent_messages_in_flight") == 16
	})
	time.Sleep(time.Second) // a broken agent would read ahead or acknowledge now
	m := scrape(t, metrics)
	if got := countFiles(t, filepath.Join(in, "processed"), ""); got != 0 {
		t.Errorf("%d files marked processed while the cluster was down", got)
	}
	if got := value(m, "dmarc_agent_messages_total", "outcome", "delivered"); got != 0 {
		t.Errorf("%v messages delivered while the cluster was down", got)
	}
	if q, f := value(m, "dmarc_agent_queue_depth"), value(m, "dmarc_agent_messages_in_flight"); q > 4 || f > 16 {
		t.Errorf("queue %v, in flight %v: beyond the bounds (4, 16)", q, f)
	}
	if pending := value(m, "dmarc_agent_dir_pending_files"); pending < float64(len(valid))-25 {
		t.Errorf("only %v files waiting in the folder: the source read ahead", pending)
	}
	if rss := value(m, "process_resident_memory_bytes"); rss > 300<<20 {
		t.Errorf("resident memory %v bytes while waiting", rss)
	}
	if code, _, _ := runCLI(t, nil, "healthcheck", "--url", "http://"+addr+"/readyz"); code != ExitFatal {
		t.Errorf("/readyz answered ready while the cluster was down")
	}
	if refused.Load() == 0 {
		t.Fatal("the agent never tried the cluster")
	}
	t.Logf("cluster down: %d connections dropped, %v files waiting in the folder, queue %v, in flight %v, rss %.0f MiB",
		refused.Load(), value(m, "dmarc_agent_dir_pending_files"), value(m, "dmarc_agent_queue_depth"),
		value(m, "dmarc_agent_messages_in_flight"), value(m, "process_resident_memory_bytes")/(1<<20))

	// The cluster returns: everything is delivered, once.
	down.Store(false)
	waitUntil(t, "every file handled", 3*time.Minute, func() bool {
		return countFiles(t, in, "") == countFiles(t, filepath.Join(in, "processed"), "")+countFiles(t, filepath.Join(in, "failed"), "")
	})
	if got := countFiles(t, filepath.Join(in, "failed"), ".reason"); got != len(corrupt) {
		t.Errorf("%d files failed, want %d", got, len(corrupt))
	}
	if n := testcluster.Count(t, base, prefix+"-aggregate-*"); n != len(valid) {
		t.Errorf("_count = %d, want %d (one document per valid report)", n, len(valid))
	}
	m = scrape(t, metrics)
	if got := value(m, "dmarc_agent_messages_total", "outcome", "delivered") + value(m, "dmarc_agent_dir_known_files_total"); got != float64(len(valid)+copies) {
		t.Errorf("delivered + known = %v, want %d", got, len(valid)+copies)
	}
	agent.cmd.Process.Signal(syscall.SIGTERM)
	if code := agent.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d", code)
	}

	// Rebuild another index from the raw archive: same ids, same count.
	rebuilt := testcluster.Prefix(t, base)
	env := append(slices.Clone(offline), "DMARC_AGENT_INDEX__PREFIX="+rebuilt, "DMARC_AGENT_OUTPUT__OPENSEARCH__TEMPLATE__REPLICAS=0")
	if code, _, stderr := runCLI(t, env, "ingest", "--reindex", "--opensearch", base, arch); code != ExitOK {
		t.Fatalf("ingest --reindex of the archive: exit %d\n%s", code, tail(stderr, 2000))
	}
	orig, again := ids(t, base, prefix+"-aggregate-*"), ids(t, base, rebuilt+"-aggregate-*")
	t.Logf("%d valid reports (%d copies), %d corrupt; %d documents, %d rebuilt from the archive", len(valid), copies, len(corrupt), len(orig), len(again))
	if len(orig) != len(valid) || !slices.Equal(orig, again) {
		t.Errorf("rebuild from the archive: %d ids, original %d; equal: %v", len(again), len(orig), slices.Equal(orig, again))
	}
}

// ids returns the sorted document ids of the indices matching pattern.
func ids(t *testing.T, base, pattern string) []string {
	t.Helper()
	testcluster.Do(t, base, http.MethodPost, "/"+pattern+"/_refresh", "")
	res := testcluster.Do(t, base, http.MethodPost, "/"+pattern+"/_search", `{"size":10000,"_source":false,"query":{"match_all":{}}}`)
	var out []string
	for _, h := range res["hits"].(map[string]any)["hits"].([]any) {
		out = append(out, h.(map[string]any)["_id"].(string))
	}
	slices.Sort(out)
	return out
}
