package mapping_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
)

func TestAggregateBuildFields(t *testing.T) {
	pct := 50
	rep := &aggregate.Report{
		Version: "1.0", Schema: aggregate.SchemaRFC7489,
		Metadata: aggregate.Metadata{
			OrgName: "Receiver", Email: "rua@receiver.example", ExtraContactInfo: "https://receiver.example",
			ReportID: "r-1", Begin: time.Unix(1700006400, 0), End: time.Unix(1700092799, 0),
			Errors: []string{"e1"}, Generator: "gen 1",
		},
		Policy: aggregate.Policy{Domain: "example.com", ADKIM: "r", ASPF: "s", P: "quarantine", SP: "reject", NP: "none",
			Pct: &pct, FO: "1", Testing: "n", DiscoveryMethod: "psl"},
	}
	rec := &aggregate.Record{
		SourceIP: mustAddr("2001:db8::1"), Count: 7, Disposition: "quarantine", DKIM: "fail", SPF: "pass",
		Reasons:    []aggregate.Reason{{Type: "forwarded"}, {Type: "local_policy", Comment: "list"}},
		HeaderFrom: "example.com", EnvelopeFrom: "bounce.example.com", EnvelopeTo: "receiver.example",
		DKIMResults: []aggregate.DKIMResult{{Domain: "example.com", Selector: "s1", Result: "fail", HumanResult: "bad sig"},
			{Domain: "esp.example", Result: "pass"}},
		SPFResults: []aggregate.SPFResult{{Domain: "bounce.example.com", Scope: "mfrom", Result: "pass"}},
	}
	doc, index, id := mapping.NewAggregateBuilder("acme", rep).Build(rec)
	begin, end := time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC), time.Date(2023, 11, 15, 23, 59, 59, 0, time.UTC)
	want := &mapping.AggregateDoc{
		Timestamp: begin,
		Report: mapping.ReportMeta{OrgName: "Receiver", OrgEmail: "rua@receiver.example", ExtraContactInfo: "https://receiver.example",
			ID: "r-1", Begin: begin, End: end, Errors: []string{"e1"}, Generator: "gen 1", Schema: "rfc7489"},
		Policy: mapping.PolicyPublished{Domain: "example.com", ADKIM: "r", ASPF: "s", P: "quarantine", SP: "reject", NP: "none",
			Pct: &pct, FO: "1", Testing: "n", DiscoveryMethod: "psl"},
		Source:  mapping.Source{IP: "2001:db8::1"},
		Message: mapping.AggMessage{Count: 7, Disposition: "quarantine"},
		DMARC: mapping.DMARCResult{DKIM: "fail", SPF: "pass", Pass: mapping.PassOf(true),
			Override: mapping.Override{Types: []string{"forwarded", "local_policy"}, Comments: []string{"", "list"}}},
		Identifiers: mapping.Identifiers{HeaderFrom: "example.com", EnvelopeFrom: "bounce.example.com", EnvelopeTo: "receiver.example"},
		Auth: mapping.Auth{
			DKIM: mapping.AuthDKIM{Domains: []string{"example.com", "esp.example"}, Selectors: []string{"s1", ""},
				Results: []string{"fail", "pass"}, HumanResults: []string{"bad sig", ""}},
			SPF: mapping.AuthSPF{Domains: []string{"bounce.example.com"}, Scopes: []string{"mfrom"}, Results: []string{"pass"}},
		},
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("doc:\n got %+v\nwant %+v", doc, want)
	}
	if index != "acme-aggregate-2023.11" || len(id) != 32 {
		t.Errorf("index, id = %q, %q", index, id)
	}

	// The document shares nothing with the record, which the parser reuses.
	rec.Reasons[0].Type, rec.DKIMResults[0].Domain = "x", "x"
	if doc.DMARC.Override.Types[0] != "forwarded" || doc.Auth.DKIM.Domains[0] != "example.com" {
		t.Error("document aliases the record")
	}
}

func TestAggregateBuildPass(t *testing.T) {
	rep := &aggregate.Report{Metadata: aggregate.Metadata{ReportID: "r", Begin: time.Unix(1700006400, 0), End: time.Unix(1700006400, 0)},
		Policy: aggregate.Policy{Domain: "example.com"}}
	b := mapping.NewAggregateBuilder("", rep)
	for _, tt := range []struct {
		dkim, spf string
		pass      string // "true", "false", or "" for absent (not reported)
	}{{"pass", "pass", "true"}, {"pass", "fail", "true"}, {"fail", "pass", "true"}, {"fail", "fail", "false"},
		{"", "", ""}, {"none", "softfail", "false"}, {"pass", "", "true"}, {"", "pass", "true"}, {"fail", "", ""}, {"", "fail", ""}} {
		doc, _, _ := b.Build(&aggregate.Record{SourceIP: mustAddr("192.0.2.1"), DKIM: tt.dkim, SPF: tt.spf})
		got := ""
		if doc.DMARC.Pass != nil {
			got = fmt.Sprint(*doc.DMARC.Pass)
		}
		if got != tt.pass || doc.DMARC.Derived || doc.DMARC.DerivedDKIM != "" || doc.DMARC.DerivedSPF != "" {
			t.Errorf("dkim=%q spf=%q: pass = %q, derived %v %q %q; want pass %q and nothing derived", tt.dkim, tt.spf, got,
				doc.DMARC.Derived, doc.DMARC.DerivedDKIM, doc.DMARC.DerivedSPF, tt.pass)
		}
		if doc.Auth.DKIM.Domains != nil || doc.DMARC.Override.Types != nil {
			t.Error("empty lists must be absent")
		}
	}
}

// idsOfXML parses a report and returns the ids of its documents.
func idsOfXML(t *testing.T, xml []byte) []string {
	t.Helper()
	o := ingest(t, bytes.NewReader(xml), "r.xml")
	if len(o.rejects) > 0 {
		t.Fatalf("rejected: %v", o.rejects)
	}
	var ids []string
	for _, l := range o.lines {
		ids = append(ids, l.ID)
	}
	return ids
}

func TestAggregateIDs(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "src", "google.xml"))
	if err != nil {
		t.Fatal(err)
	}
	ids := idsOfXML(t, src)
	if len(ids) != 5 {
		t.Fatalf("%d ids", len(ids))
	}
	// Records 1 and 5 are identical: ordinals 0 and 1 tell them apart.
	if ids[0] == ids[4] || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 5 {
		t.Errorf("ids not distinct: %q", ids)
	}

	// A resent report with its records in another order gives the same ids.
	s := string(src)
	head, rest, _ := strings.Cut(s, "  <record>")
	recs := strings.Split("  <record>"+strings.TrimSuffix(rest, "</feedback>\n"), "  <record>")[1:]
	slices.Reverse(recs)
	reordered := head + "  <record>" + strings.Join(recs, "  <record>") + "</feedback>\n"
	if reordered == s {
		t.Fatal("reordering did nothing")
	}
	got := idsOfXML(t, []byte(reordered))
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(ids))) {
		t.Errorf("reordered ids %q\nwant the same set as %q", got, ids)
	}

	// Any change to what identifies the report changes every id.
	for _, ch := range [][2]string{
		{"<org_name>google.com</org_name>", "<org_name>google.de</org_name>"},
		{"<report_id>12893640155486474387</report_id>", "<report_id>12893640155486474388</report_id>"},
		{"<domain>example.com</domain>\n    <adkim>", "<domain>example.net</domain>\n    <adkim>"},
		{"<begin>1700006400</begin>", "<begin>1700006401</begin>"},
		{"<end>1700092799</end>", "<end>1700092800</end>"},
	} {
		changed := idsOfXML(t, []byte(strings.Replace(s, ch[0], ch[1], 1)))
		for _, id := range changed {
			if slices.Contains(ids, id) {
				t.Errorf("changing %s kept id %s", ch[0], id)
			}
		}
	}
	// A change inside one record changes that record's id only.
	changed := idsOfXML(t, []byte(strings.Replace(s, "<count>7</count>", "<count>8</count>", 1)))
	for i := range ids {
		if (changed[i] == ids[i]) != (i != 1) {
			t.Errorf("record %d: id %s, before %s", i, changed[i], ids[i])
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
