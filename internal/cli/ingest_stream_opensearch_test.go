package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// bigAggregate returns a gzipped aggregate report of n distinct records.
func bigAggregate(t *testing.T, reportID string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><feedback><report_metadata><org_name>example.net</org_name><email>r@example.net</email><report_id>%s</report_id>
<date_range><begin>1700006400</begin><end>1700092799</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><p>none</p></policy_published>
`, reportID)
	for i := range n {
		fmt.Fprintf(&b, `<record><row><source_ip>10.%d.%d.%d</source_ip><count>%d</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><dkim><domain>example.com</domain><selector>s</selector><result>pass</result></dkim><spf><domain>example.com</domain><result>fail</result></spf></auth_results></record>
`, i>>16, i>>8&255, i&255, i%7+1)
	}
	b.WriteString("</feedback>\n")
	return b.String()
}

func writeGz(t *testing.T, path, s string) {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write([]byte(s))
	w.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIngestOpenSearchStreamsLargeReports: reports larger than the spool's
// memory are streamed to the real cluster. The valid one arrives whole;
// the one that turns out truncated near its end leaves nothing in the
// index; the streamed ids are those of the spool (a second run through a
// spool large enough to hold everything finds every document present).
func TestIngestOpenSearchStreamsLargeReports(t *testing.T) {
	testcluster.Run(t, ingestOpenSearchStreams)
}

func ingestOpenSearchStreams(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	in := t.TempDir()
	writeGz(t, filepath.Join(in, "good.xml.gz"), bigAggregate(t, "good", 6000))
	bad := bigAggregate(t, "bad", 6000)
	writeGz(t, filepath.Join(in, "bad.xml.gz"), bad[:len(bad)-300])
	env := append(slices.Clone(offline), "DMARC_AGENT_INDEX__PREFIX="+prefix,
		"DMARC_AGENT_PIPELINE__STREAM_ABOVE_BYTES=0",     // nothing spills:
		"DMARC_AGENT_PIPELINE__SPOOL_MEMORY_BYTES=65536") // about 80 documents held, so both reports stream

	code, stdout, stderr := runCLI(t, env, "ingest", "--summary", "json", "--opensearch", base, in)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d (the truncated report)\n%s\n%s", code, ExitRejected, stdout, stderr)
	}
	j := readSummary(t, stdout)
	if j.Documents != 6000 || *j.Indexed != 6000 || *j.Duplicates != 0 || len(j.Rejected) != 1 || !strings.HasSuffix(j.Rejected[0].Path, "bad.xml.gz") {
		t.Fatalf("summary: %d documents, %d indexed, %d duplicates, rejected %+v", j.Documents, *j.Indexed, *j.Duplicates, j.Rejected)
	}
	if n := testcluster.Count(t, base, prefix+"-*"); n != 6000 {
		t.Fatalf("_count %d, want the 6000 of the valid report and none of the truncated one", n)
	}

	env[len(env)-1] = "DMARC_AGENT_PIPELINE__SPOOL_MEMORY_BYTES=67108864" // held whole: no streaming
	code, stdout, _ = runCLI(t, env, "ingest", "--summary", "json", "--opensearch", base, in)
	j = readSummary(t, stdout)
	if code != ExitRejected || *j.Indexed != 0 || *j.Duplicates != 6000 {
		t.Fatalf("spooled run: exit %d, %d indexed, %d duplicates; want every document already present", code, *j.Indexed, *j.Duplicates)
	}
	if n := testcluster.Count(t, base, prefix+"-*"); n != 6000 {
		t.Fatalf("_count %d after the spooled run, want 6000", n)
	}
}
