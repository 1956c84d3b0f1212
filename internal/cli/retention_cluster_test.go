package cli

import (
	"fmt"
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

// monthIndices creates <prefix>-aggregate-YYYY.MM for the current month and
// the 13 before it (index 0 is the current month), plus look-alike foreign
// indices, and returns the monthly names and the foreign ones.
func monthIndices(t *testing.T, c testcluster.Cluster, prefix string, now time.Time) (months, foreign []string) {
	t.Helper()
	cur := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := range 14 {
		months = append(months, prefix+"-aggregate-"+cur.AddDate(0, -i, 0).Format("2006.01"))
	}
	foreign = []string{prefix + "-aggregate-2024.01-backup", prefix + "-aggregatex-2024.01"}
	for _, n := range append(slices.Clone(months), foreign...) {
		testcluster.Do(t, c.URL, http.MethodPut, "/"+n, `{"settings":{"number_of_shards":1,"number_of_replicas":0}}`)
	}
	return months, foreign
}

// expiredMonths: with retention_days 120, the month i months before the
// current one is deleted when the month after it began at least 120 days
// ago. Months 5 and older always are, months 0 to 3 never; month 4 depends
// on the day.
func expiredMonths(months []string, now time.Time) (del, kept []string) {
	cur := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i, n := range months {
		switch {
		case i >= 5:
			del = append(del, n)
		case i <= 3:
			kept = append(kept, n)
		case !cur.AddDate(0, -3, 120).After(now):
			del = append(del, n)
		default:
			kept = append(kept, n)
		}
	}
	slices.Sort(del)
	slices.Sort(kept)
	return del, kept
}

// TestRetentionCommand: `dmarc-agent retention --dry-run` lists what it
// would delete and deletes nothing; without --dry-run it deletes exactly
// the expired months and leaves the foreign indices.
func TestRetentionCommand(t *testing.T) {
	testcluster.Run(t, func(t *testing.T, c testcluster.Cluster) {
		prefix := testcluster.Prefix(t, c.URL)
		now := time.Now().UTC()
		months, foreign := monthIndices(t, c, prefix, now)
		del, kept := expiredMonths(months, now)
		// The dead-letter index: two entries refused before the cutoff, one after.
		dl := prefix + "-dead-letter"
		foreign = append(foreign, dl)
		for i, age := range []int{400, 121, 119} {
			testcluster.Do(t, c.URL, http.MethodPut, fmt.Sprintf("/%s/_doc/e%d?refresh=true", dl, i),
				fmt.Sprintf(`{"@timestamp":%q,"reason":"test"}`, now.AddDate(0, 0, -age).Format(time.RFC3339)))
		}
		all := testcluster.Indices(t, c.URL, prefix+"-*")
		env := []string{"DMARC_AGENT_INDEX__PREFIX=" + prefix, "DMARC_AGENT_OUTPUT__OPENSEARCH__RETENTION_DAYS=120"}

		code, stdout, stderr := runCLI(t, env, "retention", "--dry-run", "--opensearch", c.URL)
		var want strings.Builder
		for _, n := range del {
			want.WriteString("would delete " + n + "\n")
		}
		cutoff := now.AddDate(0, 0, -120).Format(time.DateOnly)
		fmt.Fprintf(&want, "%d indices would be deleted, %d kept (months that ended before %s)\n", len(del), len(kept), cutoff)
		fmt.Fprintf(&want, "2 dead-letter entries would be deleted (refused before %s)\n", cutoff)
		if code != ExitOK || stdout != want.String() {
			t.Fatalf("--dry-run: exit %d\n%s\nwant\n%s\nstderr %s", code, stdout, want.String(), stderr)
		}
		if got := testcluster.Indices(t, c.URL, prefix+"-*"); !slices.Equal(got, all) {
			t.Fatalf("--dry-run changed the indices: %v, had %v", got, all)
		}

		code, stdout, stderr = runCLI(t, env, "retention", "--opensearch", c.URL)
		want.Reset()
		for _, n := range del {
			want.WriteString("deleted " + n + "\n")
		}
		fmt.Fprintf(&want, "%d indices deleted, %d kept (months that ended before %s)\n", len(del), len(kept), cutoff)
		fmt.Fprintf(&want, "2 dead-letter entries deleted (refused before %s)\n", cutoff)
		if code != ExitOK || stdout != want.String() {
			t.Fatalf("exit %d\n%s\nwant\n%s\nstderr %s", code, stdout, want.String(), stderr)
		}
		left := append(slices.Clone(kept), foreign...)
		slices.Sort(left)
		if got := testcluster.Indices(t, c.URL, prefix+"-*"); !slices.Equal(got, left) {
			t.Fatalf("left %v, want %v", got, left)
		}
		if n := testcluster.Count(t, c.URL, dl); n != 1 {
			t.Errorf("%s holds %d entries, want the 1 refused 119 days ago", dl, n)
		}
	})
}

// TestAgentRetentionOnCluster: `run` deletes the expired months at start,
// says once that it manages retention, and leaves everything else.
func TestAgentRetentionOnCluster(t *testing.T) {
	testcluster.Run(t, func(t *testing.T, c testcluster.Cluster) {
		prefix := testcluster.Prefix(t, c.URL)
		now := time.Now().UTC()
		months, foreign := monthIndices(t, c, prefix, now)
		del, kept := expiredMonths(months, now)

		dir := t.TempDir()
		in := filepath.Join(dir, "incoming")
		os.MkdirAll(in, 0o750)
		cfgFile := filepath.Join(dir, "config.yaml")
		addr := freePort(t)
		os.WriteFile(cfgFile, []byte(fmt.Sprintf(`
index: {prefix: %s}
sources:
  dir: {enabled: true, path: %s, state_file: %s}
output:
  opensearch:
    urls: [%q]
    template: {replicas: 0}
    retention_days: 120
enrich:
  dns: {offline: true}
http: {listen: %q}
`, prefix, in, filepath.Join(dir, "dir.db"), c.URL, addr)), 0o600)
		agent := startAgent(t, nil, "run", "--config", cfgFile)
		left := append(slices.Clone(kept), foreign...)
		slices.Sort(left)
		waitUntil(t, "the expired months deleted", 2*time.Minute, func() bool {
			return slices.Equal(testcluster.Indices(t, c.URL, prefix+"-*"), left)
		})
		m := scrape(t, "http://"+addr+"/metrics")
		if v := value(m, "dmarc_agent_output_engine_info", "engine", c.Engine, "version", c.Version); v != 1 {
			t.Errorf("dmarc_agent_output_engine_info{engine=%q,version=%q} = %v, want 1", c.Engine, c.Version, v)
		}
		agent.cmd.Process.Signal(syscall.SIGTERM)
		if code := agent.wait(t, time.Minute); code != ExitOK {
			t.Fatalf("agent exit %d", code)
		}
		logs := agent.logs.String()
		if n := strings.Count(logs, "retention: the agent deletes indices"); n != 1 {
			t.Errorf("said %d times that the agent manages retention, want once:\n%s", n, logs)
		}
		for _, n := range del {
			if !strings.Contains(logs, "index="+n+" ") {
				t.Errorf("deletion of %s not logged", n)
			}
		}
		if n := strings.Count(logs, "retention: index deleted"); n != len(del) {
			t.Errorf("%d deletions logged, want %d", n, len(del))
		}
		if n := strings.Count(logs, "msg=\"cluster detected\" component=opensearch engine="+c.Engine+" version="+c.Version); n != 1 {
			t.Errorf("engine logged %d times, want once", n)
		}
	})
}
