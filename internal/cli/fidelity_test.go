package cli

import (
	"bytes"
	"compress/gzip"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const reportFixtures = "../../mapping/testdata/reports"

func copyFixtures(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(reportFixtures, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(n, "!", "_")), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ndjsonLines(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	for _, b := range readDir(t, dir) {
		n += bytes.Count(b, []byte("\n"))
	}
	return n
}

// TestIngestCountsEachReportOnce: the Google report in four containers and
// another report: the summary counts what was written, once, and says how
// many copies it skipped.
func TestIngestCountsEachReportOnce(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	copyFixtures(t, in, "google.xml", "google.zip", "google.eml", "google.com!example.com!1700006400!1700092799.xml.gz", "microsoft.zip")
	code, stdout, stderr := runCLI(t, offline, "ingest", "--summary", "json", "--out", out, in)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	j := readSummary(t, stdout)
	// Google: 5 records, 99 messages; Microsoft: 3 records, 14 messages.
	if j.Files != 5 || j.Reports["aggregate"] != 2 || j.Documents != 8 || j.Messages != 113 || j.SkippedCopies != 3 {
		t.Fatalf("summary %+v, want 5 files, 2 reports, 8 documents, 113 messages, 3 skipped copies", j)
	}
	if n := ndjsonLines(t, out); n != 2*j.Documents {
		t.Fatalf("%d NDJSON lines written, summary says %d documents", n, j.Documents)
	}

	// The same figures as one copy of each.
	alone, aloneOut := t.TempDir(), t.TempDir()
	copyFixtures(t, alone, "google.xml", "microsoft.zip")
	_, stdout2, _ := runCLI(t, offline, "ingest", "--summary", "json", "--out", aloneOut, alone)
	j2 := readSummary(t, stdout2)
	if j2.SkippedCopies != 0 || j2.Documents != j.Documents || j2.Messages != j.Messages || !reflect.DeepEqual(j2.Domains, j.Domains) {
		t.Fatalf("with copies %+v\nwithout %+v", j, j2)
	}

	_, text, _ := runCLI(t, offline, "ingest", "--out", t.TempDir(), in)
	if !strings.Contains(text, "documents: 8   messages: 113\n") ||
		!strings.Contains(text, "skipped: 3 copies of reports already counted (same report in another file or container)\n") {
		t.Fatalf("text summary:\n%s", text)
	}
}

// TestIngestRepairedReports: what real receivers send is written, not
// rejected, and the summary counts the warnings and repairs.
func TestIngestRepairedReports(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	copyFixtures(t, in, "odd-source-ips.xml", "no-policy-dkim.xml", "gzip-trailing-crlf.xml.gz", "data-range.zip", "xs-schema.eml", "epoch-1970.xml")
	for _, f := range []string{"mixed_base64.eml", "exim_text.eml", "domino_forward.eml"} {
		b, err := os.ReadFile(filepath.Join("../../report/failure/testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"tls_zoneless.json", "tls_no_policy_domain.json"} {
		b, err := os.ReadFile(filepath.Join("../../report/tlsrpt/testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		var gzb bytes.Buffer
		zw := gzip.NewWriter(&gzb)
		zw.Write(b)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, f+".gz"), gzb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runCLI(t, offline, "ingest", "--summary", "json", "--out", out, in)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	j := readSummary(t, stdout)
	// odd-source-ips: 5 records, 17 messages; no-policy-dkim: 5, 21; the
	// small report (1, 1) three times (gz, zip, mail: one counted); the
	// 1970 copy of it is another report (other dates): 1, 1. Three failure
	// reports (one document each), two TLS reports (1 + 2 policies).
	if j.Reports["aggregate"] != 4 || j.Reports["failure"] != 3 || j.Reports["smtp_tls"] != 2 ||
		j.Documents != 12+3+3 || j.Messages != 40 || j.SkippedCopies != 2 || j.Warnings != 4 || len(j.Rejected) != 0 {
		t.Fatalf("summary %+v", j)
	}
	// Repairs of the counted copies. Which of the three small copies is
	// counted depends on the input order (names sorted): data-range.zip.
	want := map[string]int{"invalid_source_ip": 3, "missing_source_ip": 1, "alias_data_range": 1, "implausible_date": 1,
		"feedback_outside_report": 1, "text_report_layout": 2, "datetime_without_zone": 1, "policy_domain_inferred": 1}
	if !maps.Equal(j.Repairs, want) {
		t.Errorf("repairs %v, want %v", j.Repairs, want)
	}
	// example.com: passing messages: odd 2+3+7, old 10, small 1, 1970 1 = 24 of 40.
	d := j.Domains["example.com"]
	if d.Messages != 40 || d.PassRate != 24.0/40 {
		t.Errorf("example.com %+v, want 40 messages, pass rate 0.6", d)
	}
	if n := ndjsonLines(t, out); n != 2*j.Documents {
		t.Fatalf("%d NDJSON lines, %d documents", n, j.Documents)
	}
	// Failing sources: an unreadable address as written, a missing one named.
	_, text, _ := runCLI(t, offline, "ingest", "--out", t.TempDir(), in)
	for _, want := range []string{
		"warnings: 4 records kept despite a problem (see the documents' warnings)\n",
		"repaired: alias_data_range 1, datetime_without_zone 1, feedback_outside_report 1, implausible_date 1, invalid_source_ip 3, missing_source_ip 1, policy_domain_inferred 1, text_report_layout 2\n",
		"example.com: DMARC pass 60.0% of 40 messages; top failing sources: 192.0.2.2 (5), 901.234.567.890 (4), 192.0.2.3 (2), no source_ip (1)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text summary lacks %q:\n%s", want, text)
		}
	}
}
