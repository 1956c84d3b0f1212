package cli

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// TestIngestOpenSearchTwice: the same inputs ingested twice leave the same
// _count, and the second run reports every document as a duplicate.
func TestIngestOpenSearchTwice(t *testing.T) {
	testcluster.Run(t, ingestOpenSearchTwice)
}

func ingestOpenSearchTwice(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	env := append(slices.Clone(offline), "DMARC_AGENT_INDEX__PREFIX="+prefix)

	code, stdout, stderr := runCLI(t, env, "ingest", "--summary", "json", "--opensearch", base, samples)
	if code != ExitOK {
		t.Fatalf("first run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	first := readSummary(t, stdout)
	if first.Indexed == nil || *first.Indexed != first.Documents || *first.Duplicates != 0 || *first.Failed != 0 || first.Documents == 0 {
		t.Fatalf("first run %+v", first)
	}
	n := testcluster.Count(t, base, prefix+"-*")
	if n != first.Documents {
		t.Fatalf("_count %d after the first run, want %d", n, first.Documents)
	}

	code, stdout, _ = runCLI(t, env, "ingest", "--summary", "json", "--opensearch", base, samples)
	second := readSummary(t, stdout)
	if code != ExitOK || *second.Indexed != 0 || *second.Duplicates != first.Documents || *second.Failed != 0 {
		t.Fatalf("second run: exit %d %+v", code, second)
	}
	if n2 := testcluster.Count(t, base, prefix+"-*"); n2 != n {
		t.Fatalf("_count %d after the second run, want %d", n2, n)
	}

	// --reindex overwrites: everything indexed again, nothing duplicated.
	code, stdout, _ = runCLI(t, env, "ingest", "--summary", "json", "--reindex", "--opensearch", base, samples)
	third := readSummary(t, stdout)
	if code != ExitOK || *third.Indexed != first.Documents || *third.Duplicates != 0 {
		t.Fatalf("reindex run: exit %d %+v", code, third)
	}
	if n3 := testcluster.Count(t, base, prefix+"-*"); n3 != n {
		t.Fatalf("_count %d after reindex, want %d", n3, n)
	}
}

// TestIngestOpenSearchRefusedDocument: documents the cluster refuses are
// reported with id and reason, the run exits 3, and the rest is indexed.
func TestIngestOpenSearchRefusedDocument(t *testing.T) {
	testcluster.Run(t, ingestOpenSearchRefusedDocument)
}

func ingestOpenSearchRefusedDocument(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	env := append(slices.Clone(offline), "DMARC_AGENT_INDEX__PREFIX="+prefix)
	// An index made before the templates, where source.ip cannot hold an address.
	bad := prefix + "-aggregate-2023.11"
	testcluster.Do(t, base, http.MethodPut, "/"+bad, `{"mappings":{"properties":{"source":{"properties":{"ip":{"type":"long"}}}}}}`)

	code, stdout, stderr := runCLI(t, env, "ingest", "--summary", "json", "--opensearch", base, samples)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitRejected, stdout, stderr)
	}
	j := readSummary(t, stdout)
	if *j.Failed == 0 || *j.Failed+*j.Indexed != j.Documents || len(j.Refused) != *j.Failed {
		t.Fatalf("summary %+v", j)
	}
	for _, r := range j.Refused {
		if r.Index != bad || r.ID == "" || !strings.Contains(r.Reason, "source.ip") {
			t.Errorf("refused %+v: want index %s, an id and a reason naming source.ip", r, bad)
		}
	}
	if n := testcluster.Count(t, base, prefix+"-aggregate-*,"+prefix+"-failure-*,"+prefix+"-smtp-tls-*"); n != *j.Indexed {
		t.Fatalf("_count %d, want the %d indexed", n, *j.Indexed)
	}
	if n := testcluster.Count(t, base, j.DeadLetter); j.DeadLetter != prefix+"-dead-letter" || n != *j.Failed {
		t.Fatalf("dead-letter %q holds %d documents, want %s with the %d refused", j.DeadLetter, n, prefix+"-dead-letter", *j.Failed)
	}
}
