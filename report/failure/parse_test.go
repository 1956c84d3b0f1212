package failure

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var received = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// TestParseGolden parses every fixture and compares every field of the
// Report with testdata/<name>.golden.json.
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.e*")
	if err != nil {
		t.Fatal(err)
	}
	mbox, _ := filepath.Glob("testdata/*.mbox")
	files = append(files, mbox...)
	if len(files) < 6 {
		t.Fatalf("only %d fixtures", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Parse(bytes.NewReader(b), received)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, filepath.Ext(f)) + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from %s:\n got %s\nwant %s", golden, got, want)
			}
		})
	}
}

func mustParse(t *testing.T, s string) *Report {
	t.Helper()
	rep, err := Parse(strings.NewReader(s), received)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rep
}

// TestLineEndingsAndMboxGiveTheSameReport reads one report as LF, CRLF and
// with an mbox "From " line first.
func TestLineEndingsAndMboxGiveTheSameReport(t *testing.T) {
	for _, f := range []string{"testdata/arf_rfc822.eml", "testdata/arf_headers.eml", "testdata/text_only.eml", "testdata/mbox_first.mbox"} {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lf := strings.ReplaceAll(string(b), "\r\n", "\n")
			crlf := strings.ReplaceAll(lf, "\n", "\r\n")
			variants := map[string]string{
				"lf": lf, "crlf": crlf,
				"mbox-lf":   "From MAILER-DAEMON Thu Nov 19 09:15:05 2026\n" + lf,
				"mbox-crlf": "From MAILER-DAEMON Thu Nov 19 09:15:05 2026\r\n" + crlf,
				"blank":     "\r\n\n" + lf,
			}
			want, _ := json.Marshal(mustParse(t, lf))
			for name, v := range variants {
				got, _ := json.Marshal(mustParse(t, v))
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs:\n got %s\nwant %s", name, got, want)
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	arf := func(fields string) string {
		return "From: r@rep.example\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\n\n" +
			"--b\nContent-Type: message/feedback-report\n\n" + fields + "\n--b--\n"
	}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "empty message"},
		{"blank lines", "\n\r\n\n", "empty message"},
		{"mbox line only", "From x Mon Nov 23 08:00:05 2026\n", "empty message"},
		{"prose", "From: a@b.example\nSubject: hello\n\nJust a letter.\n", "no feedback-report part and no ARF fields"},
		{"abuse", arf("Feedback-Type: abuse\nSource-IP: 192.0.2.1\nReported-Domain: example.com"), `feedback type "abuse"`},
		{"no domain", arf("Feedback-Type: auth-failure\nSource-IP: 192.0.2.1"), "no reported domain"},
		{"no source", arf("Feedback-Type: auth-failure\nReported-Domain: example.com"), "no source IP"},
		{"bad source", arf("Feedback-Type: auth-failure\nReported-Domain: example.com\nSource-IP: 192.0.2.300"), "no source IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Parse(strings.NewReader(tc.in), received)
			if err == nil {
				t.Fatalf("accepted: %+v", rep)
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want a one-line ErrInvalid naming %q", err, tc.want)
			}
		})
	}
}

func TestParseRejectsNoDateAtAll(t *testing.T) {
	in := "Content-Type: text/plain\n\nFeedback-Type: auth-failure\nSource-IP: 192.0.2.1\nReported-Domain: example.com\n"
	if _, err := Parse(strings.NewReader(in), time.Time{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no date") {
		t.Fatalf("err = %v", err)
	}
	rep, err := Parse(strings.NewReader(in+"Date: Mon, 2 Nov 2026 10:00:00 +0000\n"), time.Time{})
	if err != nil || !rep.Time().Equal(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("original date fallback: %v %v", rep, err)
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse(bytes.NewReader(make([]byte, MaxBytes+1)), received)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("gzip: invalid checksum") }

func TestParseReadErrorIsWrapped(t *testing.T) {
	_, err := Parse(failingReader{}, received)
	if err == nil || errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "reading failure report: gzip: invalid checksum") {
		t.Fatalf("err = %v", err)
	}
}

// TestSourceFallbacks: without Source-IP the address comes from the
// original's Received-SPF, else the first public address in Received.
func TestSourceFallbacks(t *testing.T) {
	msg := func(orig string) string {
		return "From: r@rep.example\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\n\n" +
			"--b\nContent-Type: message/feedback-report\n\nFeedback-Type: auth-failure\n" +
			"--b\nContent-Type: text/rfc822-headers\n\n" + orig + "\n--b--\n"
	}
	for _, tc := range []struct{ name, orig, ip, domain string }{
		{"received-spf", "Received-SPF: fail client-ip=192.0.2.7;\nFrom: a@Example.com", "192.0.2.7", "example.com"},
		{"received public after private", "Received: from a ([10.0.0.1]) by b\nReceived: from c ([IPv6:2001:db8::9]) by d\nFrom: <x@example.net>", "2001:db8::9", "example.net"},
		{"mapped v4", "Received: from a ([::ffff:198.51.100.3]) by b\nFrom: x@example.org", "198.51.100.3", "example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustParse(t, msg(tc.orig))
			if rep.SourceIP.String() != tc.ip || rep.ReportedDomain != tc.domain {
				t.Errorf("source %s domain %q, want %s %q", rep.SourceIP, rep.ReportedDomain, tc.ip, tc.domain)
			}
		})
	}
	// Only a private hop: rejected.
	if _, err := Parse(strings.NewReader(msg("Received: from a ([10.0.0.1]) by b\nFrom: x@example.org")), received); !errors.Is(err, ErrInvalid) {
		t.Errorf("private-only Received accepted: %v", err)
	}
}

// TestReportedDomainFallbacks: original From, then DKIM-Domain, then the
// envelope sender.
func TestReportedDomainFallbacks(t *testing.T) {
	base := "From: r@rep.example\nContent-Type: message/feedback-report\n\nFeedback-Type: auth-failure\nSource-IP: 192.0.2.1\n"
	for _, tc := range []struct{ extra, want string }{
		{"DKIM-Domain: Signer.Example\nOriginal-Mail-From: <b@bounce.example>\n", "signer.example"},
		{"Original-Mail-From: <b@Bounce.Example>\n", "bounce.example"},
		{"Reported-Domain: <Example.com.>\nDKIM-Domain: signer.example\n", "example.com"},
	} {
		rep := mustParse(t, base+tc.extra)
		if rep.ReportedDomain != tc.want {
			t.Errorf("%q: domain %q, want %q", tc.extra, rep.ReportedDomain, tc.want)
		}
	}
}

func TestFieldForms(t *testing.T) {
	rep := mustParse(t, "Content-Type: text/plain\n\n"+
		"Feedback-Type: Auth-Failure (DMARC)\nSource-IP: [192.0.2.5] (mail.example.net)\nReported-Domain: example.com\n"+
		"Auth-Failure: DKIM,spf\nAuth-Failure: dkim dmarc\nIdentity-Alignment: DKIM; spf\n"+
		"Reporting-MTA: dns;mx.example.org\nDelivery-Result: Policy\nIncidents: 3 (this hour)\n"+
		"Original-Rcpt-To: <a@x.example>, b@x.example\nArrival-Date: 1763632800\n"+
		"DKIM-Canonicalized-Header: YWJj\n ZGVm\n")
	check := func(name string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s = %s, want %s", name, g, w)
		}
	}
	check("feedback", rep.FeedbackType, "auth-failure")
	check("source", rep.SourceIP.String(), "192.0.2.5")
	check("auth failure", rep.AuthFailure, []string{"dkim", "spf", "dmarc"})
	check("alignment", rep.IdentityAlignment, []string{"dkim", "spf"})
	check("mta", rep.ReportingMTA, "mx.example.org")
	check("delivery", rep.DeliveryResult, "policy")
	check("incidents", rep.Incidents, 3)
	check("rcpt", rep.OriginalRcptTo, []string{"a@x.example", "b@x.example"})
	check("arrival", rep.ArrivalDate, time.Unix(1763632800, 0).UTC())
	check("canonicalized", rep.DKIMCanonicalizedHeader, "YWJjZGVm")
	check("format", rep.Format, FormatText)
}

func TestTime(t *testing.T) {
	a := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	d := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    Report
		want time.Time
	}{
		{Report{ArrivalDate: a, ReportDate: d, Received: received}, a.UTC()},
		{Report{ReportDate: d, Received: received, Original: Original{Date: a}}, d},
		{Report{Received: received, Original: Original{Date: a}}, a.UTC()},
		{Report{Received: received}, received},
	} {
		if got := tc.r.Time(); !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("Time() = %v, want %v UTC", got, tc.want)
		}
	}
}
