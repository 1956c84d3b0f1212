package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/dmarc-agent/dmarc-agent/insight"
)

var update = flag.Bool("update", false, "rewrite the report golden files")

// reportSets are the fixture sets of the golden tests: the samples (the
// example.net story, with every sender verdict, plus the format samples)
// one domain per readiness verdict, and reports dmarc-agent repaired to
// read, with records whose source_ip is not an address.
var reportSets = map[string]string{
	"samples":  samples,
	"verdicts": filepath.Join("testdata", "report", "verdicts"),
	"quality":  filepath.Join("testdata", "report", "quality"),
}

func TestReportGolden(t *testing.T) {
	for name, dir := range reportSets {
		for _, lang := range []string{"en", "ja"} {
			for _, format := range []string{"text", "json"} {
				t.Run(name+"/"+lang+"/"+format, func(t *testing.T) {
					code, stdout, stderr := runCLI(t, offline, "report", "--lang", lang, "--format", format, dir)
					if code != ExitOK {
						t.Fatalf("exit %d\n%s", code, stderr)
					}
					ext := map[string]string{"text": "txt", "json": "json"}[format]
					golden := filepath.Join("testdata", "report", "golden", name+"."+lang+"."+ext)
					if *update {
						if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
							t.Fatal(err)
						}
					}
					want, err := os.ReadFile(golden)
					if err != nil {
						t.Fatalf("%v (run with -update to create it)", err)
					}
					if stdout != string(want) {
						t.Errorf("report differs from %s (run with -update after checking the change):\n%s", golden, firstDiff(stdout, string(want)))
					}
					if format == "text" {
						checkText(t, stdout)
					}
				})
			}
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, a, b)
		}
	}
	return ""
}

// checkText: every line fits 100 terminal columns (wide characters count
// two) and no escape sequence is written when the output is not a terminal.
func checkText(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, "\x1b[") {
		t.Error("colour codes in a report written to a non-terminal")
	}
	for i, line := range strings.Split(s, "\n") {
		cols := 0
		for _, r := range line {
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				cols += 2
			default:
				cols++
			}
		}
		if cols > 100 {
			t.Errorf("line %d is %d columns wide: %q", i+1, cols, line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not valid UTF-8", i+1)
		}
	}
}

func reportJSON(t *testing.T, environ []string, args ...string) insight.Report {
	t.Helper()
	code, stdout, stderr := runCLI(t, environ, append([]string{"report", "--format", "json"}, args...)...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var r insight.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	return r
}

func domainOf(t *testing.T, r insight.Report, name string) insight.Domain {
	t.Helper()
	for _, d := range r.Domains {
		if d.Domain == name {
			return d
		}
	}
	t.Fatalf("no domain %s in the report", name)
	return insight.Domain{}
}

// TestReportVerdicts: each fixture domain gets the readiness verdict the
// rule in docs/report.md gives, with the exact figures behind it.
func TestReportVerdicts(t *testing.T) {
	r := reportJSON(t, offline, "--lang", "en", reportSets["verdicts"])
	want := map[string]struct {
		verdict  string
		days     int
		messages int64
		blockers []string
	}{
		"enforced.example":   {insight.Enforced, 1, 57, nil},
		"quarantine.example": {insight.ReadyForQuarantine, 8, 997, nil},
		"reject.example":     {insight.ReadyForReject, 7, 805, nil},
		"parked.example":     {insight.ReadyForReject, 7, 42, nil},
		"newly.example":      {insight.NotReady, 2, 60, nil},
		"mixed.example":      {insight.NotReady, 7, 350, []string{"Twilio SendGrid"}},
	}
	if len(r.Domains) != len(want) {
		t.Fatalf("%d domains, want %d", len(r.Domains), len(want))
	}
	for name, w := range want {
		d := domainOf(t, r, name)
		if d.Readiness.Verdict != w.verdict || d.Readiness.DaysOfData != w.days || d.Messages != w.messages ||
			!slices.Equal(d.Readiness.Blockers, append([]string{}, w.blockers...)) || d.Readiness.Reason == "" {
			t.Errorf("%s: readiness %+v, messages %d; want %s after %d days, %d messages, blockers %v",
				name, d.Readiness, d.Messages, w.verdict, w.days, w.messages, w.blockers)
		}
	}
	// 988 aligned of 988 + 9 misconfigured: 99.1 %, above the 98 % bar.
	if q := domainOf(t, r, "quarantine.example"); q.Readiness.AlignedShare != 988.0/997.0 {
		t.Errorf("quarantine.example aligned share %v, want 988/997", q.Readiness.AlignedShare)
	}
	// 280 aligned of 350: 80 %, below.
	if m := domainOf(t, r, "mixed.example"); m.Readiness.AlignedShare != 0.8 {
		t.Errorf("mixed.example aligned share %v, want 0.8", m.Readiness.AlignedShare)
	}
}

// TestReportStory: the sample story of example.net, figure by figure.
func TestReportStory(t *testing.T) {
	r := reportJSON(t, offline, "--lang", "en", "--domain", "example.net", samples)
	if len(r.Domains) != 1 {
		t.Fatalf("--domain example.net gave %d domains", len(r.Domains))
	}
	d := r.Domains[0]
	if d.Messages != 4965 || d.Passed != 2371 || d.Readiness.Verdict != insight.NotReady ||
		!slices.Equal(d.Readiness.Blockers, []string{"Twilio SendGrid"}) || d.Readiness.DaysOfData != 14 ||
		!slices.Equal(d.Receivers, []string{"Enterprise Outlook", "google.com"}) || len(d.Daily) != 14 {
		t.Fatalf("example.net: %+v", d)
	}
	if d.Period.Begin.Format("2006-01-02T15:04:05") != "2026-11-09T00:00:00" || d.Period.End.Format("2006-01-02T15:04:05") != "2026-11-22T23:59:59" {
		t.Errorf("period %v – %v", d.Period.Begin, d.Period.End)
	}
	type sv struct {
		name, verdict string
		messages      int64
		ips           int
	}
	var got []sv
	for _, s := range d.Senders {
		got = append(got, sv{s.Name, s.Verdict, s.Messages, s.IPs})
	}
	want := []sv{
		{"VNPT", "spoofed", 2220, 3},
		{"Google Workspace / Gmail", "aligned", 1278, 3},
		{"Amazon SES", "aligned", 712, 2},
		{"Twilio SendGrid", "misconfigured", 362, 2},
		{"Microsoft 365 / Outlook.com", "aligned", 354, 2},
		{"Microsoft 365 / Outlook.com", "forwarded", 27, 1},
		{"Claro Brasil", "spoofed", 12, 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("senders\n got %v\nwant %v", got, want)
	}
	for _, s := range d.Senders {
		if (s.Verdict == "misconfigured") != (s.Fix != "") {
			t.Errorf("%s (%s): fix %q", s.Name, s.Verdict, s.Fix)
		}
	}
	sg := d.Senders[3]
	if !strings.Contains(sg.Fix, "d=example.net") || !strings.Contains(sg.Fix, "d=sendgrid.net") || !strings.Contains(sg.Fix, "em4821.example.net") {
		t.Errorf("SendGrid fix does not name the missing d= and the failing SPF domain: %s", sg.Fix)
	}
	if len(d.Spoofing) != 4 || d.Spoofing[0].IP != "14.161.5.88" || d.Spoofing[0].Messages != 1206 || d.Spoofing[0].Country != "VN" ||
		d.Spoofing[0].ASN != 45899 || d.Spoofing[0].Dispositions["none"] != 1206 ||
		!slices.Equal(d.Spoofing[0].Reporters, []string{"Enterprise Outlook", "google.com"}) {
		t.Errorf("spoofing %+v", d.Spoofing)
	}
	if r.Failure.Reports != 1 || r.Failure.TopSources[0].Name != "14.161.5.88" {
		t.Errorf("failure %+v", r.Failure)
	}
	if len(r.SMTPTLS.Domains) != 1 || r.SMTPTLS.Domains[0].Failed != 23 || r.SMTPTLS.Domains[0].Successful != 412 ||
		r.SMTPTLS.Domains[0].Failures[0].Type != "certificate-expired" {
		t.Errorf("smtp tls %+v", r.SMTPTLS)
	}
}

// TestReportCopiesCountOnce: the same reports given twice, or as a copy in
// another folder, count once, as they do in an index.
func TestReportCopiesCountOnce(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(samples, "example.net")
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		os.WriteFile(filepath.Join(dir, "copy-"+e.Name()), b, 0o644)
	}
	once := reportJSON(t, offline, "--lang", "en", src)
	twice := reportJSON(t, offline, "--lang", "en", src, src, dir)
	a, _ := json.Marshal(once)
	b, _ := json.Marshal(twice)
	if !bytes.Equal(a, b) || once.Domains[0].Messages != 4965 {
		t.Fatalf("copies changed the report: %d vs %d messages", once.Domains[0].Messages, twice.Domains[0].Messages)
	}
}

// TestReportFromIngestOutput: the NDJSON folder of `ingest --out` gives the
// same report as the report files, and ingest writes it as report.html.
func TestReportFromIngestOutput(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, append(slices.Clone(offline), "LANG=ja_JP.UTF-8"), "ingest", "--out", out, samples)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	path := filepath.Join(out, "report.html")
	if !strings.Contains(stdout, "report: "+path+"\n") {
		t.Errorf("ingest did not print the report path:\n%s", stdout)
	}
	html, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte(`<html lang="ja">`)) || !bytes.Contains(html, []byte("なりすまし")) {
		t.Error("report.html is not in the language of LANG=ja_JP.UTF-8")
	}
	fromFiles := reportJSON(t, offline, "--lang", "en", samples)
	fromNDJSON := reportJSON(t, offline, "--lang", "en", out)
	a, _ := json.Marshal(fromFiles)
	b, _ := json.Marshal(fromNDJSON)
	if !bytes.Equal(a, b) {
		t.Fatalf("report from the NDJSON output differs from the report from the files:\n%s\n%s", a, b)
	}

	// Same inputs, same report.html; --no-report writes none.
	again := t.TempDir()
	runCLI(t, append(slices.Clone(offline), "LANG=ja_JP.UTF-8"), "ingest", "--out", again, samples)
	if h2, _ := os.ReadFile(filepath.Join(again, "report.html")); !bytes.Equal(html, h2) {
		t.Error("report.html differs between two runs over the same inputs")
	}
	none := t.TempDir()
	code, stdout, _ = runCLI(t, offline, "ingest", "--no-report", "--out", none, samples)
	if _, err := os.Stat(filepath.Join(none, "report.html")); code != ExitOK || !os.IsNotExist(err) || strings.Contains(stdout, "report:") {
		t.Errorf("--no-report: exit %d, stat %v, stdout %s", code, err, stdout)
	}
}

// TestReportRejectedInputs: unreadable inputs are listed under data
// quality, the rest is reported, and the exit code says some were rejected.
func TestReportRejectedInputs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "broken.xml.gz"), []byte("\x1f\x8b\x08\x00truncated"), 0o644)
	newly, _ := filepath.Glob(filepath.Join(reportSets["verdicts"], "google.com!newly.example!*.xml"))
	b, err := os.ReadFile(newly[0]) // one day: 30 messages
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "good.xml"), b, 0o644)
	code, stdout, stderr := runCLI(t, offline, "report", "--format", "json", dir)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d\n%s", code, ExitRejected, stderr)
	}
	var r insight.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Rejected) != 1 || !strings.HasSuffix(r.Rejected[0].Path, "broken.xml.gz") || r.Rejected[0].Reason == "" ||
		len(r.Domains) != 1 || r.Domains[0].Messages != 30 {
		t.Fatalf("rejected %+v, domains %+v", r.Rejected, r.Domains)
	}
}

func TestReportUsage(t *testing.T) {
	for _, args := range [][]string{
		{"report"}, // neither PATHs nor OpenSearch
		{"report", "--format", "pdf", samples},
		{"report", "--lang", "fr", samples},
		{"report", "--since", "yesterday", samples},
		{"report", "--since", "-3d", samples},
		{"report", "--opensearch", "http://127.0.0.1:9", samples}, // one source at a time
	} {
		if code, _, stderr := runCLI(t, offline, args...); code != ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestReportLanguageAndFormatDefaults: --lang from LC_ALL before LANG, the
// format from --out's extension.
func TestReportLanguageAndFormatDefaults(t *testing.T) {
	dir := reportSets["verdicts"]
	_, out, _ := runCLI(t, append(slices.Clone(offline), "LC_ALL=ja_JP.UTF-8", "LANG=en_US.UTF-8"), "report", dir)
	if !strings.HasPrefix(out, "DMARC レポート") {
		t.Errorf("LC_ALL=ja_JP: report starts %q", firstLine(out))
	}
	_, out, _ = runCLI(t, append(slices.Clone(offline), "LANG=C.UTF-8"), "report", dir)
	if !strings.HasPrefix(out, "DMARC report") {
		t.Errorf("LANG=C: report starts %q", firstLine(out))
	}
	html := filepath.Join(t.TempDir(), "r.html")
	if code, _, stderr := runCLI(t, offline, "report", "--out", html, dir); code != ExitOK {
		t.Fatalf("exit %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(html); !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
		t.Errorf("--out r.html did not write HTML: %.40q", b)
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestReportReporterErrors: errors receivers wrote in their reports are
// listed once per report, however many copies were read.
func TestReportReporterErrors(t *testing.T) {
	r := reportJSON(t, offline, "--lang", "en", samples, samples)
	want := []insight.ReporterError{{Reporter: "Mail Receiver Two", Error: "DNS timeout fetching the policy of sub.example.org", Reports: 1}}
	if !slices.Equal(r.ReporterErrors, want) {
		t.Fatalf("reporter errors %+v, want %+v", r.ReporterErrors, want)
	}
}

// TestReportClusterDown: a cluster that cannot be reached is a fatal error
// named in one line, not an empty report.
func TestReportClusterDown(t *testing.T) {
	code, stdout, stderr := runCLI(t, offline, "report", "--opensearch", "http://127.0.0.1:9")
	if code != ExitFatal || stdout != "" || !strings.Contains(stderr, "reading OpenSearch") || strings.Count(strings.TrimSpace(stderr), "\n") > 2 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestReportRepairsAndUnreadableSources: the quality set (read twice, so
// every report has a copy) lists the reports repaired to be read per kind,
// aggregate, failure and SMTP TLS, and the records kept with warnings,
// each once; records whose source_ip
// is not an address are grouped by the text as written, not under an
// empty IP.
func TestReportRepairsAndUnreadableSources(t *testing.T) {
	dir := reportSets["quality"]
	r := reportJSON(t, offline, "--lang", "en", dir, dir)
	wantRepairs := []insight.Repair{
		{Report: "aggregate", Kind: "alias_data_range", Reports: 2, Examples: []insight.ReportRef{{Reporter: "Tiny ISP", ReportID: "tiny-data-range-1"}, {Reporter: "Tiny ISP", ReportID: "tiny-data-range-2"}}},
		{Report: "aggregate", Kind: "feedback_not_root", Reports: 2, Examples: []insight.ReportRef{{Reporter: "Tiny ISP", ReportID: "tiny-data-range-2"}, {Reporter: "Tiny ISP", ReportID: "tiny-stray"}}},
		// a failure report in Exim's plain-text layout, named by the Message-ID it is about
		{Report: "failure", Kind: "text_report_layout", Reports: 1, Examples: []insight.ReportRef{{Reporter: "mx.smallhost.example", ReportID: "inv-1126@sender.example.net"}}},
		{Report: "smtp_tls", Kind: "datetime_without_zone", Reports: 1, Examples: []insight.ReportRef{{Reporter: "Very Large Receiver", ReportID: "2023-01-10T00:00:00_example.com"}}},
	}
	if fmt.Sprint(r.Repairs) != fmt.Sprint(wantRepairs) {
		t.Errorf("repairs %+v\nwant %+v", r.Repairs, wantRepairs)
	}
	wantWarnings := []insight.RecordWarning{{Warning: "invalid_source_ip", Records: 4, Messages: 14},
		{Warning: "missing_source_ip", Records: 1, Messages: 1}}
	if !slices.Equal(r.RecordWarnings, wantWarnings) {
		t.Errorf("record warnings %+v, want %+v", r.RecordWarnings, wantWarnings)
	}
	d := domainOf(t, r, "example.com")
	if d.Messages != 24 || d.Passed != 14 {
		t.Errorf("messages %d passed %d, want 24 and 14", d.Messages, d.Passed)
	}
	// 901.234.567.890: 4 spoofed messages from Odd Sources Ltd (Tiny ISP's 5
	// are misconfigured); the record without source_ip stays apart.
	var spoofs []string
	for _, s := range d.Spoofing {
		spoofs = append(spoofs, fmt.Sprintf("%q %q %d %v", s.IP, s.Address, s.Messages, s.Reporters))
	}
	wantSpoofs := []string{`"" "901.234.567.890" 4 [Odd Sources Ltd]`, `"" "" 1 [Odd Sources Ltd]`}
	if !slices.Equal(spoofs, wantSpoofs) {
		t.Errorf("spoofing %q, want %q", spoofs, wantSpoofs)
	}
	var senders []string
	for _, s := range d.Senders {
		senders = append(senders, fmt.Sprintf("%s %d ips=%d %q", s.Verdict, s.Messages, s.IPs, s.Unreadable))
	}
	wantSenders := []string{`aligned 12 ips=2 ["2001:db8:::25"]`, `misconfigured 5 ips=0 ["901.234.567.890"]`,
		`spoofed 5 ips=0 ["901.234.567.890"]`, `forwarded 2 ips=0 ["010.001.002.003"]`}
	if !slices.Equal(senders, wantSenders) {
		t.Errorf("senders %q, want %q", senders, wantSenders)
	}

	// The text and HTML forms say it in both languages.
	for lang, want := range map[string][]string{
		"en": {"Reports repaired to be read", `alias_data_range (reports: 2), e.g. Tiny ISP "tiny-data-range-1"; Tiny ISP "tiny-data-range-2"`,
			"invalid_source_ip (records: 4, messages: 14)", `"901.234.567.890"`, "unreadable source_ip, shown as written", "(no source_ip)"},
		"ja": {"修復して読み込んだレポート", `feedback_not_root：2 件（例：Tiny ISP "tiny-data-range-2"; Tiny ISP "tiny-stray"）`,
			"missing_source_ip：レコード 1 件、メッセージ 1 通", "読めない source_ip（記載どおりに表示）", "（source_ip なし）"},
	} {
		_, text, _ := runCLI(t, offline, "report", "--lang", lang, "--format", "text", dir)
		html := filepath.Join(t.TempDir(), "r.html")
		if code, _, stderr := runCLI(t, offline, "report", "--lang", lang, "--out", html, dir); code != ExitOK {
			t.Fatalf("html: exit %d %s", code, stderr)
		}
		b, _ := os.ReadFile(html)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s text lacks %q", lang, w)
			}
			if hw := strings.ReplaceAll(w, `"`, "&#34;"); !strings.Contains(string(b), hw) {
				t.Errorf("%s HTML lacks %q", lang, hw)
			}
		}
	}
}
