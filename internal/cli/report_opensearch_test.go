package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/source"
	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// TestReportOpenSearchEqualsFiles: the samples and the quality set
// (repaired reports, source_ip texts that are not addresses) ingested into
// the real node (twice, so that every report has a copy) give, through
// aggregation queries, the very report the files give, in both languages
// and formats.
func TestReportOpenSearchEqualsFiles(t *testing.T) {
	testcluster.Run(t, reportClusterEqualsFiles)
}

func reportClusterEqualsFiles(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	env := append(slices.Clone(offline), "DMARC_AGENT_INDEX__PREFIX="+prefix)
	quality := reportSets["quality"]
	for range 2 {
		if code, stdout, stderr := runCLI(t, env, "ingest", "--opensearch", base, samples, quality); code != ExitOK {
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
		{"--format", "text", "--lang", "en", "--domain", "example.com"},
	} {
		code, fromFiles, stderr := runCLI(t, env, append(append([]string{"report"}, args...), samples, quality)...)
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
	_, fromFiles, _ := runCLI(t, env, "report", "--format", "json", samples, quality)
	if code != ExitOK || fromCluster != fromFiles || !strings.Contains(fromFiles, `"messages": 4965,`) {
		t.Errorf("paged: exit %d %s\n%s", code, stderr, firstDiff(fromCluster, fromFiles))
	}
	// The figures TestReportRepairsAndUnreadableSources checks on the files
	// come out of the aggregations too (equal reports could both lack them).
	var r insight.Report
	if err := json.Unmarshal([]byte(fromCluster), &r); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(r.Repairs, r.RecordWarnings)
	if want := "[{aggregate alias_data_range 2 [{Tiny ISP tiny-data-range-1} {Tiny ISP tiny-data-range-2}]} " +
		"{aggregate feedback_not_root 2 [{Tiny ISP tiny-data-range-2} {Tiny ISP tiny-stray}]} " +
		"{failure text_report_layout 1 [{mx.smallhost.example inv-1126@sender.example.net}]} " +
		"{smtp_tls datetime_without_zone 1 [{Very Large Receiver 2023-01-10T00:00:00_example.com}]}] " +
		"[{invalid_source_ip 4 14} {missing_source_ip 1 1}]"; got != want {
		t.Errorf("from OpenSearch: repairs and warnings %s, want %s", got, want)
	}
	if d := domainOf(t, r, "example.com"); len(d.Spoofing) == 0 || !slices.ContainsFunc(d.Spoofing, func(s insight.Spoof) bool {
		return s.IP == "" && s.Address == "901.234.567.890" && s.Messages == 4
	}) {
		t.Errorf("from OpenSearch: no spoofing row for the unreadable 901.234.567.890 with 4 messages: %+v", d.Spoofing)
	}
	source.PageSize = 1000

	// --since counts from now: the default 30 days leave out the 2023-2024
	// samples; the same window applied to the files gives the same report.
	code, fromCluster, stderr = runCLI(t, env, "report", "--format", "json", "--since", "400d", "--opensearch", base)
	if code != ExitOK {
		t.Fatalf("exit %d %s", code, stderr)
	}
	_, fromFiles, _ = runCLI(t, env, "report", "--format", "json", "--since", "400d", samples, quality)
	if fromCluster != fromFiles || strings.Contains(fromFiles, `"2023-11-15"`) || !strings.Contains(fromFiles, `"example.org"`) {
		t.Errorf("--since 400d: OpenSearch and files differ:\n%s", firstDiff(fromCluster, fromFiles))
	}
}
