package cli

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/insight/source"
	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// TestReportOpenSearchEqualsFiles: the samples ingested into the real node
// (twice, so that every report has a copy) give, through aggregation
// queries, the very report the files give, in both languages and formats.
func TestReportOpenSearchEqualsFiles(t *testing.T) {
	testcluster.Run(t, reportClusterEqualsFiles)
}

func reportClusterEqualsFiles(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	env := append(slices.Clone(offline), "DMARC_AGENT_INDEX__PREFIX="+prefix)
	for range 2 {
		if code, stdout, stderr := runCLI(t, env, "ingest", "--opensearch", base, samples); code != ExitOK {
			t.Fatalf("ingest: exit %d\n%s\n%s", code, stdout, stderr)
		}
	}
	testcluster.Do(t, base, http.MethodPost, "/"+prefix+"-*/_refresh", "")

	// The samples go back to 2023: --since reaches them.
	for _, args := range [][]string{
		{"--format", "json", "--lang", "en"},
		{"--format", "json", "--lang", "ja"},
		{"--format", "text", "--lang", "ja"},
		{"--format", "json", "--lang", "en", "--domain", "example.net", "--domain", "example.org"},
	} {
		code, fromFiles, stderr := runCLI(t, env, append(append([]string{"report"}, args...), samples)...)
		if code != ExitOK {
			t.Fatalf("report from files %v: exit %d\n%s", args, code, stderr)
		}
		code, fromCluster, stderr := runCLI(t, env, append(append([]string{"report"}, args...), "--since", "5000d", "--opensearch", base)...)
		if code != ExitOK {
			t.Fatalf("report from OpenSearch %v: exit %d\n%s", args, code, stderr)
		}
		if fromCluster != fromFiles {
			t.Errorf("%v: the report from OpenSearch differs from the report from the files:\n%s", args, firstDiff(fromCluster, fromFiles))
		}
	}

	// Pages of 7 buckets: every query pages, and the report is the same.
	source.PageSize = 7
	defer func() { source.PageSize = 1000 }()
	code, fromCluster, stderr := runCLI(t, env, "report", "--format", "json", "--since", "5000d", "--opensearch", base)
	_, fromFiles, _ := runCLI(t, env, "report", "--format", "json", samples)
	if code != ExitOK || fromCluster != fromFiles || !strings.Contains(fromFiles, `"messages": 4965,`) {
		t.Errorf("paged: exit %d %s\n%s", code, stderr, firstDiff(fromCluster, fromFiles))
	}
	source.PageSize = 1000

	// --since counts from now: the default 30 days leave out the 2023-2024
	// samples; the same window applied to the files gives the same report.
	code, fromCluster, stderr = runCLI(t, env, "report", "--format", "json", "--since", "400d", "--opensearch", base)
	if code != ExitOK {
		t.Fatalf("exit %d %s", code, stderr)
	}
	_, fromFiles, _ = runCLI(t, env, "report", "--format", "json", "--since", "400d", samples)
	if fromCluster != fromFiles || strings.Contains(fromFiles, `"2023-11-15"`) || !strings.Contains(fromFiles, `"example.org"`) {
		t.Errorf("--since 400d: OpenSearch and files differ:\n%s", firstDiff(fromCluster, fromFiles))
	}
}
