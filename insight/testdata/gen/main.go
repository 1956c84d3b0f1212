// Command gen writes the report samples that tell a story
// (testdata/samples/example.net: two weeks of a small company's reports)
// and the fixtures that reach every readiness verdict
// (internal/cli/testdata/report/verdicts). Output is deterministic, so
// running it again changes nothing.
//
//	go run ./insight/testdata/gen
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// rec is one <record>.
type rec struct {
	ip           string
	count        int
	disposition  string
	envelopeFrom string
	dkim         []sig // d=, selector, result
	spf          sig   // domain, result
	headerFrom   string
	reason       string // override type, optional
}

type sig struct{ domain, selector, result string }

// report is one aggregate report.
type report struct {
	org, email, id, domain string
	p, sp                  string
	pct                    int // 0: left out
	begin                  time.Time
	records                []rec
}

func (r report) xml() []byte {
	var b strings.Builder
	end := r.begin.Add(24*time.Hour - time.Second)
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <version>1.0</version>\n  <report_metadata>\n")
	fmt.Fprintf(&b, "    <org_name>%s</org_name>\n    <email>%s</email>\n    <report_id>%s</report_id>\n", r.org, r.email, r.id)
	fmt.Fprintf(&b, "    <date_range>\n      <begin>%d</begin>\n      <end>%d</end>\n    </date_range>\n  </report_metadata>\n", r.begin.Unix(), end.Unix())
	fmt.Fprintf(&b, "  <policy_published>\n    <domain>%s</domain>\n    <adkim>r</adkim>\n    <aspf>r</aspf>\n    <p>%s</p>\n    <sp>%s</sp>\n", r.domain, r.p, r.sp)
	if r.pct > 0 {
		fmt.Fprintf(&b, "    <pct>%d</pct>\n", r.pct)
	}
	b.WriteString("  </policy_published>\n")
	for _, x := range r.records {
		from := x.headerFrom
		if from == "" {
			from = r.domain
		}
		dkimAligned, spfAligned := "fail", "fail"
		for _, s := range x.dkim {
			if s.result == "pass" && orgOf(s.domain) == orgOf(from) {
				dkimAligned = "pass"
			}
		}
		if x.spf.result == "pass" && orgOf(x.spf.domain) == orgOf(from) {
			spfAligned = "pass"
		}
		disp := x.disposition
		if disp == "" {
			disp = "none"
		}
		fmt.Fprintf(&b, "  <record>\n    <row>\n      <source_ip>%s</source_ip>\n      <count>%d</count>\n", x.ip, x.count)
		fmt.Fprintf(&b, "      <policy_evaluated>\n        <disposition>%s</disposition>\n        <dkim>%s</dkim>\n        <spf>%s</spf>\n", disp, dkimAligned, spfAligned)
		if x.reason != "" {
			fmt.Fprintf(&b, "        <reason>\n          <type>%s</type>\n        </reason>\n", x.reason)
		}
		b.WriteString("      </policy_evaluated>\n    </row>\n    <identifiers>\n")
		fmt.Fprintf(&b, "      <envelope_from>%s</envelope_from>\n      <header_from>%s</header_from>\n    </identifiers>\n    <auth_results>\n", x.envelopeFrom, from)
		for _, s := range x.dkim {
			fmt.Fprintf(&b, "      <dkim>\n        <domain>%s</domain>\n        <selector>%s</selector>\n        <result>%s</result>\n      </dkim>\n", s.domain, s.selector, s.result)
		}
		fmt.Fprintf(&b, "      <spf>\n        <domain>%s</domain>\n        <scope>mfrom</scope>\n        <result>%s</result>\n      </spf>\n", x.spf.domain, x.spf.result)
		b.WriteString("    </auth_results>\n  </record>\n")
	}
	b.WriteString("</feedback>\n")
	return []byte(b.String())
}

// orgOf is enough for the fixtures: the last two labels.
func orgOf(d string) string {
	parts := strings.Split(d, ".")
	if len(parts) <= 2 {
		return d
	}
	return strings.Join(parts[len(parts)-2:], ".")
}

func (r report) name() string {
	host := map[string]string{"google.com": "google.com", "Enterprise Outlook": "protection.outlook.com"}[r.org]
	if host == "" {
		host = strings.ToLower(strings.ReplaceAll(r.org, " ", "-"))
	}
	end := r.begin.Add(24*time.Hour - time.Second)
	return fmt.Sprintf("%s!%s!%d!%d.xml", host, r.domain, r.begin.Unix(), end.Unix())
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf) // no name, no time: deterministic
	must2(w.Write(b))
	must(w.Close())
	return buf.Bytes()
}

func put(dir, name string, b []byte) {
	must(os.MkdirAll(dir, 0o755))
	must(os.WriteFile(filepath.Join(dir, name), b, 0o644))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func must2(_ int, err error) { must(err) }

func main() {
	story(filepath.Join("testdata", "samples", "example.net"))
	verdicts(filepath.Join("internal", "cli", "testdata", "report", "verdicts"))
}
