package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector/files"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail/gmailtest"
)

const samples = "../../testdata/samples"

// offline keeps reverse DNS out of tests: no network here, and documents
// must not depend on it.
var offline = []string{"DMARC_AGENT_ENRICH__DNS__OFFLINE=true"}

func runCLI(t *testing.T, environ []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Environ: environ}, args)
	return code, out.String(), errb.String()
}

func readSummary(t *testing.T, s string) jsonSummary {
	t.Helper()
	var j jsonSummary
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		t.Fatalf("summary is not one JSON object: %v\n%s", err, s)
	}
	return j
}

// readDir reads the NDJSON files of dir (report.html beside them has tests
// of its own).
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".ndjson" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func TestIngestSamples(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, offline, "ingest", "--summary", "json", "--out", out, samples)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	j := readSummary(t, stdout)
	// Seven samples of formats: five aggregate reports (Google gzip,
	// Microsoft zip, Yahoo mail, an RFC 9990 report, an IPv6-only report)
	// with 15 records and 272 messages; one failure report; one SMTP TLS
	// report with 2 policies. Then the example.net story (30 files): 28
	// daily aggregate reports with 157 records and 4,965 messages, one
	// failure report, one SMTP TLS report with 1 policy.
	if j.Files != 7+30 || j.Reports["aggregate"] != 5+28 || j.Reports["failure"] != 1+1 || j.Reports["smtp_tls"] != 1+1 ||
		j.Documents != 15+1+2+157+1+1 || j.Messages != 272+4965 || len(j.Rejected) != 0 {
		t.Fatalf("summary %+v", j)
	}
	if j.Indexed != nil {
		t.Error("indexed reported without OpenSearch")
	}
	files := readDir(t, out)
	lines := 0
	for _, b := range files {
		lines += bytes.Count(b, []byte("\n"))
	}
	if lines != 2*j.Documents {
		t.Fatalf("%d NDJSON lines, want an action and a document for each of %d", lines, j.Documents)
	}
	for _, name := range []string{"dmarc-failure-2026.11.ndjson", "dmarc-smtp-tls-2026.11.ndjson", "dmarc-aggregate-2023.11.ndjson",
		"dmarc-aggregate-2026.11.ndjson"} {
		if _, ok := files[name]; !ok {
			t.Errorf("%s not written; files: %v", name, slices.Collect(maps.Keys(files)))
		}
	}
	d := j.Domains["example.org"]
	if d.Messages != 128 || len(d.TopFailing) != 1 || d.TopFailing[0].IP != "2001:db8:bad::66" || d.TopFailing[0].Messages != 8 {
		t.Fatalf("example.org summary %+v", d)
	}
}

func TestIngestTwiceIsByteIdentical(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	env := append(slices.Clone(offline), "DMARC_AGENT_PIPELINE__WORKERS=4")
	for _, dir := range []string{a, b} {
		if code, _, stderr := runCLI(t, env, "ingest", "--out", dir, samples); code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	fa, fb := readDir(t, a), readDir(t, b)
	if len(fa) == 0 || len(fa) != len(fb) {
		t.Fatalf("files differ: %d vs %d", len(fa), len(fb))
	}
	for name, content := range fa {
		if !bytes.Equal(content, fb[name]) {
			t.Fatalf("%s differs between runs", name)
		}
	}
}

func TestIngestRejectsBadInputsAndKeepsTheRest(t *testing.T) {
	in := t.TempDir()
	good, err := os.ReadFile(filepath.Join(samples, "receiver-two.example!example.org!1767225600!1767311999.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var gzBuf bytes.Buffer
	zw := gzip.NewWriter(&gzBuf)
	zw.Write(good)
	zw.Close()
	corrupt := slices.Clone(gzBuf.Bytes()[:gzBuf.Len()/2])
	for name, data := range map[string][]byte{
		"a-good.xml":       good,
		"b-corrupt.xml.gz": corrupt,
		"c-empty.xml":      nil,
		"d-notes.txt":      []byte("minutes of the meeting\n"),
	} {
		if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	alone := t.TempDir()
	code, stdout, _ := runCLI(t, offline, "ingest", "--summary", "json", "--out", alone, filepath.Join(in, "a-good.xml"))
	want := readSummary(t, stdout)
	if code != ExitOK || want.Documents == 0 {
		t.Fatalf("good report alone: exit %d, %+v", code, want)
	}
	out := t.TempDir()
	// (A PATH that does not exist is a usage error: TestIngestMissingPathIsUsageError.)
	code, stdout, _ = runCLI(t, offline, "ingest", "--summary", "json", "--out", out, in)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d\n%s", code, ExitRejected, stdout)
	}
	j := readSummary(t, stdout)
	if j.Reports["aggregate"] != 1 || j.Documents != want.Documents || j.Messages != want.Messages {
		t.Fatalf("the good report was not kept whole: %+v, alone %+v", j, want)
	}
	if got, alone := readDir(t, out), readDir(t, alone); !bytes.Equal(got["dmarc-aggregate-2026.01.ndjson"], alone["dmarc-aggregate-2026.01.ndjson"]) || len(got) != 1 {
		t.Fatalf("documents differ from the good report's alone")
	}
	paths := map[string]string{}
	for _, r := range j.Rejected {
		paths[filepath.Base(r.Path)] = r.Reason
		if r.Reason == "" || strings.Contains(r.Reason, "\n") {
			t.Errorf("reason for %s is not one line: %q", r.Path, r.Reason)
		}
	}
	for _, want := range []string{"b-corrupt.xml.gz", "c-empty.xml", "d-notes.txt"} {
		if _, ok := paths[want]; !ok {
			t.Errorf("%s not rejected; rejections: %v", want, paths)
		}
	}
	if len(j.Rejected) != 3 {
		t.Errorf("%d rejections, want 3: %v", len(j.Rejected), paths)
	}
}

func TestIngestUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(bad, []byte("output:\n  file:\n    dri: x\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no paths", []string{"ingest"}, "PATH"},
		{"bad summary", []string{"ingest", "--summary", "xml", samples}, "--summary"},
		{"bad config", []string{"ingest", "--config", bad, samples}, "dri"},
		{"since without gmail", []string{"ingest", "--since", "2026-01-01", samples}, "--since"},
		{"bad opensearch url", []string{"ingest", "--opensearch", "ftp://x", samples}, "opensearch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, offline, tc.args...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d naming %q", code, stderr, ExitUsage, tc.want)
			}
		})
	}
}

// TestIngestGmailReprocess runs the real Gmail client library, the real
// pipeline and the file output against the fake Gmail API, with faults.
func TestIngestGmailReprocess(t *testing.T) {
	const box = "dmarc@example.com"
	f := gmailtest.New(box, "someone@example.com")
	t.Cleanup(f.Close)
	report, err := os.ReadFile(filepath.Join(samples, "yahoo-report.eml"))
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	delivered := f.Add(box, gmailtest.Msg{Raw: report, Date: when, Labels: []string{"INBOX", "dmarc/processed"}})
	junk := f.Add(box, gmailtest.Msg{Raw: []byte("From: a@example.net\r\nTo: dmarc@example.com\r\nSubject: Report Domain: example.com\r\n\r\nno attachment, sorry\r\n"), Date: when})
	old := f.Add(box, gmailtest.Msg{Raw: report, Date: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	other := f.Add("someone@example.com", gmailtest.Msg{Raw: report, Date: when})
	f.Inject(gmailtest.Fault{RPC: "users.messages.get", Kind: gmailtest.ServerError, Times: 1},
		gmailtest.Fault{RPC: "users.messages.get", Kind: gmailtest.DropMidBody, Times: 1, Skip: 1})

	dir := t.TempDir()
	env := append(slices.Clone(offline),
		"DMARC_AGENT_SOURCES__GMAIL__AUTH=none",
		"DMARC_AGENT_SOURCES__GMAIL__ENDPOINT="+f.URL+"/",
		"DMARC_AGENT_SOURCES__GMAIL__USER="+box,
		"DMARC_AGENT_SOURCES__GMAIL__STATE_FILE="+filepath.Join(dir, "state.json"),
		"DMARC_AGENT_SOURCES__GMAIL__RETRY__INITIAL_INTERVAL=5ms",
		"DMARC_AGENT_SOURCES__GMAIL__ACK_FLUSH_INTERVAL=10ms",
	)
	// Expected: what ingesting the same mail as a file gives.
	fileOut := filepath.Join(dir, "file-out")
	code, stdout, stderr := runCLI(t, offline, "ingest", "--summary", "json", "--out", fileOut, filepath.Join(samples, "yahoo-report.eml"))
	want := readSummary(t, stdout)
	if code != ExitOK || want.Documents == 0 {
		t.Fatalf("file ingest: exit %d %s", code, stderr)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr = runCLI(t, env, "ingest", "--summary", "json", "--out", out, "--gmail", "--since", "2026-03-01")
	if code != ExitRejected { // the junk mail is selected but holds no report
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	j := readSummary(t, stdout)
	// The already-processed report is read again, once, despite the faults.
	if j.Files != 2 || j.Reports["aggregate"] != 1 || j.Documents != want.Documents || j.Messages != want.Messages {
		t.Fatalf("summary %+v, want the file's %+v\n%s", j, want, stderr)
	}
	if len(j.Rejected) != 1 || !strings.Contains(j.Rejected[0].Reason, "no report") {
		t.Fatalf("rejections %+v", j.Rejected)
	}
	if got, want := readDir(t, out), readDir(t, fileOut); len(got) != 1 || !bytes.Equal(got["dmarc-aggregate-2023.11.ndjson"], want["dmarc-aggregate-2023.11.ndjson"]) {
		t.Fatalf("Gmail documents differ from the file's: %v vs %v", got, want)
	}
	if n := f.Pending(); n != 0 {
		t.Errorf("%d injected faults never fired", n)
	}
	if l := f.Labels(box, delivered); !slices.Contains(l, "dmarc/processed") {
		t.Errorf("delivered message labels %v", l)
	}
	if l := f.Labels(box, junk); !slices.Contains(l, "dmarc/failed") || slices.Contains(l, "dmarc/processed") {
		t.Errorf("junk message labels %v", l)
	}
	if l := f.Labels(box, old); slices.Contains(l, "dmarc/processed") || slices.Contains(l, "dmarc/failed") {
		t.Errorf("mail before --since was touched: %v", l)
	}
	if l := f.Labels("someone@example.com", other); slices.Contains(l, "dmarc/processed") {
		t.Errorf("another mailbox was touched: %v", l)
	}
}

// TestIngestSkipsHiddenEntries: inside a folder, dot-files and dot-folders
// (rsync and editor temporaries, unfinished archive copies) are not inputs.
func TestIngestSkipsHiddenEntries(t *testing.T) {
	in := t.TempDir()
	good, err := os.ReadFile(filepath.Join(samples, "receiver-two.example!example.org!1767225600!1767311999.xml"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(in, ".partial"), 0o755)
	for name, data := range map[string][]byte{
		"r.xml": good, ".r.xml.tmp": good[:100], ".DS_Store": []byte("\x00\x00\x00\x01Bud1"), ".partial/x.xml": good[:50],
	} {
		if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, _ := runCLI(t, offline, "ingest", "--summary", "json", "--out", t.TempDir(), in)
	if j := readSummary(t, stdout); code != ExitOK || j.Files != 1 || len(j.Rejected) != 0 {
		t.Fatalf("exit %d, summary %+v", code, j)
	}
	// Named explicitly, a hidden file is read (and this one is rejected).
	if code, _, _ := runCLI(t, offline, "ingest", "--out", t.TempDir(), filepath.Join(in, ".r.xml.tmp")); code != ExitRejected {
		t.Fatalf("explicit hidden file: exit %d, want %d", code, ExitRejected)
	}
	// The progress total counts what the walk sends.
	if n := files.Count(t.Context(), []string{in, filepath.Join(in, ".r.xml.tmp")}); n != 2 {
		t.Errorf("files.Count = %d, want 2", n)
	}
}

// insecure_skip_verify anywhere gives a WARN at start, naming the key.
func TestInsecureSkipVerifyWarns(t *testing.T) {
	out := t.TempDir()
	env := append([]string{"DMARC_AGENT_DASHBOARDS__INSECURE_SKIP_VERIFY=true"}, offline...)
	code, _, stderr := runCLI(t, env, "ingest", "--out", out, samples+"/google.com!example.com!1700006400!1700092799.xml.gz")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := strings.Count(stderr, "level=WARN msg=\"TLS certificate verification is OFF"); n != 1 || !strings.Contains(stderr, "key=dashboards.insecure_skip_verify") {
		t.Errorf("%d warnings, want 1 naming dashboards.insecure_skip_verify:\n%s", n, stderr)
	}
	_, _, stderr = runCLI(t, offline, "ingest", "--out", out, samples+"/google.com!example.com!1700006400!1700092799.xml.gz")
	if strings.Contains(stderr, "verification is OFF") {
		t.Errorf("warning without insecure_skip_verify:\n%s", stderr)
	}
}

// TestIngestOutWritesInInputOrder: with several workers and a window of
// messages parsed ahead, the NDJSON files hold the reports in input order
// (a large report first, small ones after it: unordered, the small ones
// would be written first), and two runs give the same bytes.
func TestIngestOutWritesInInputOrder(t *testing.T) {
	in := t.TempDir()
	var want []string
	for i := range 24 {
		records := 3
		if i%8 == 0 {
			records = 3000 // slow to parse: the next ones finish first
		}
		id := fmt.Sprintf("order-%02d", i)
		want = append(want, id)
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><feedback><report_metadata><org_name>example.net</org_name><email>r@example.net</email>`+
			`<report_id>%s</report_id><date_range><begin>1700006400</begin><end>1700092799</end></date_range></report_metadata>`+
			`<policy_published><domain>example.com</domain><p>none</p></policy_published>`, id)
		for r := range records {
			fmt.Fprintf(&b, `<record><row><source_ip>192.0.2.%d</source_ip><count>%d</count><policy_evaluated><disposition>none</disposition>`+
				`<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>`+
				`<auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>`, r%250+1, r+1)
		}
		b.WriteString("</feedback>")
		if err := os.WriteFile(filepath.Join(in, id+".xml"), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := append(slices.Clone(offline), "DMARC_AGENT_PIPELINE__WORKERS=4")
	var runs []map[string][]byte
	for range 2 {
		out := t.TempDir()
		if code, _, stderr := runCLI(t, env, "ingest", "--no-report", "--out", out, in); code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		runs = append(runs, readDir(t, out))
	}
	if len(runs[0]) != 1 || !maps.EqualFunc(runs[0], runs[1], bytes.Equal) {
		t.Fatalf("%d files; the two runs differ: %v", len(runs[0]), !maps.EqualFunc(runs[0], runs[1], bytes.Equal))
	}
	var order []string
	for _, data := range runs[0] {
		for line := range strings.Lines(string(data)) {
			var doc struct {
				Report struct {
					ID string `json:"id"`
				} `json:"report"`
			}
			if json.Unmarshal([]byte(line), &doc) == nil && doc.Report.ID != "" &&
				(len(order) == 0 || order[len(order)-1] != doc.Report.ID) {
				order = append(order, doc.Report.ID)
			}
		}
	}
	if !slices.Equal(order, want) {
		t.Errorf("reports written in the order %v, want %v", order, want)
	}
}
