package aggregate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// parseAll parses doc and returns the report and deep copies of its records.
func parseAll(t *testing.T, r io.Reader) (*Report, []Record, error) {
	t.Helper()
	var rep *Report
	var recs []Record
	n, err := Parse(r, func(rp *Report, rec *Record) error {
		if rep != nil && rp != rep {
			t.Fatalf("Report pointer changed between records")
		}
		rep = rp
		recs = append(recs, cloneRecord(rec))
		return nil
	})
	if n != len(recs) {
		t.Fatalf("Parse returned %d records, fn saw %d", n, len(recs))
	}
	return rep, recs, err
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }
func pct(n int) *int         { return &n }
func unix(n int64) time.Time { return time.Unix(n, 0).UTC() }

const rfc7489Doc = `<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <version>1.0</version>
  <report_metadata>
    <org_name>Mail Receiver Inc.</org_name>
    <email>dmarc-reports@receiver.example</email>
    <extra_contact_info>https://receiver.example/dmarc</extra_contact_info>
    <report_id>rpt-2023-11-15-0001</report_id>
    <date_range><begin>1700006400</begin><end>1700092799</end></date_range>
    <error>could not fetch policy once</error>
  </report_metadata>
  <policy_published>
    <domain>example.com</domain><adkim>r</adkim><aspf>s</aspf>
    <p>quarantine</p><sp>reject</sp><pct>50</pct><fo>1</fo>
  </policy_published>
  <record>
    <row>
      <source_ip>192.0.2.10</source_ip>
      <count>12</count>
      <policy_evaluated>
        <disposition>none</disposition><dkim>pass</dkim><spf>fail</spf>
      </policy_evaluated>
    </row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results>
      <dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>
      <dkim><domain>esp.example.net</domain><selector>k2</selector><result>fail</result><human_result>body hash mismatch</human_result></dkim>
      <spf><domain>bounce.esp.example.net</domain><scope>mfrom</scope><result>pass</result></spf>
    </auth_results>
  </record>
  <record>
    <row>
      <source_ip>198.51.100.7</source_ip>
      <count>3</count>
      <policy_evaluated>
        <disposition>quarantine</disposition><dkim>fail</dkim><spf>fail</spf>
        <reason><type>forwarded</type><comment>looks forwarded</comment></reason>
        <reason><type>local_policy</type></reason>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.com</header_from>
      <envelope_from>example.com</envelope_from>
      <envelope_to>receiver.example</envelope_to>
    </identifiers>
    <auth_results>
      <spf><domain>example.com</domain><result>softfail</result></spf>
    </auth_results>
  </record>
</feedback>
`

func rfc7489Want() (Report, []Record) {
	rep := Report{
		Version: "1.0",
		Schema:  SchemaRFC7489,
		Metadata: Metadata{
			OrgName: "Mail Receiver Inc.", Email: "dmarc-reports@receiver.example",
			ExtraContactInfo: "https://receiver.example/dmarc", ReportID: "rpt-2023-11-15-0001",
			Begin: unix(1700006400), End: unix(1700092799), Errors: []string{"could not fetch policy once"},
		},
		Policy: Policy{Domain: "example.com", ADKIM: "r", ASPF: "s", P: "quarantine", SP: "reject", Pct: pct(50), FO: "1"},
	}
	recs := []Record{{
		SourceIP: ip("192.0.2.10"), Count: 12, Disposition: "none", DKIM: "pass", SPF: "fail",
		HeaderFrom: "example.com",
		DKIMResults: []DKIMResult{
			{Domain: "example.com", Selector: "s1", Result: "pass"},
			{Domain: "esp.example.net", Selector: "k2", Result: "fail", HumanResult: "body hash mismatch"},
		},
		SPFResults: []SPFResult{{Domain: "bounce.esp.example.net", Scope: "mfrom", Result: "pass"}},
	}, {
		SourceIP: ip("198.51.100.7"), Count: 3, Disposition: "quarantine", DKIM: "fail", SPF: "fail",
		Reasons:    []Reason{{Type: "forwarded", Comment: "looks forwarded"}, {Type: "local_policy"}},
		HeaderFrom: "example.com", EnvelopeFrom: "example.com", EnvelopeTo: "receiver.example",
		SPFResults: []SPFResult{{Domain: "example.com", Result: "softfail"}},
	}}
	return rep, recs
}

const rfc9990Doc = `<?xml version="1.0"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <report_metadata>
    <org_name>Receiver Two</org_name>
    <email>rua@two.example</email>
    <extra_contact_info lang="en">call us</extra_contact_info>
    <report_id>9990-1</report_id>
    <date_range><begin>1767225600</begin><end>1767311999</end></date_range>
    <error lang="fr">erreur</error>
    <generator>ReportGen 2.1</generator>
  </report_metadata>
  <policy_published>
    <domain>example.org</domain><adkim>s</adkim><aspf>r</aspf>
    <p>reject</p><np>quarantine</np><testing>y</testing><discovery_method>treewalk</discovery_method>
  </policy_published>
  <extension><vendor:x xmlns:vendor="urn:x"><vendor:y>1</vendor:y></vendor:x></extension>
  <record>
    <row>
      <source_ip>2001:db8::25</source_ip>
      <count>4</count>
      <policy_evaluated>
        <disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf>
        <reason><type>policy_test_mode</type><comment lang="en">testing</comment></reason>
      </policy_evaluated>
    </row>
    <identifiers><header_from>example.org</header_from><envelope_from>example.org</envelope_from></identifiers>
    <auth_results>
      <dkim><domain>example.org</domain><selector>sel</selector><result>fail</result><human_result lang="en">expired</human_result></dkim>
      <spf><domain>example.org</domain><scope>mfrom</scope><result>fail</result><human_result>no match</human_result></spf>
    </auth_results>
    <future_element>ignored</future_element>
  </record>
</feedback>`

func TestParseRFC7489(t *testing.T) {
	rep, recs, err := parseAll(t, strings.NewReader(rfc7489Doc))
	if err != nil {
		t.Fatal(err)
	}
	wantRep, wantRecs := rfc7489Want()
	if !reflect.DeepEqual(*rep, wantRep) {
		t.Errorf("report:\n got %+v\nwant %+v", *rep, wantRep)
	}
	if !reflect.DeepEqual(recs, wantRecs) {
		t.Errorf("records:\n got %+v\nwant %+v", recs, wantRecs)
	}
}

func TestParseRFC9990(t *testing.T) {
	rep, recs, err := parseAll(t, strings.NewReader(rfc9990Doc))
	if err != nil {
		t.Fatal(err)
	}
	wantRep := Report{
		Schema: SchemaRFC9990,
		Metadata: Metadata{
			OrgName: "Receiver Two", Email: "rua@two.example", ExtraContactInfo: "call us", ReportID: "9990-1",
			Begin: unix(1767225600), End: unix(1767311999), Errors: []string{"erreur"}, Generator: "ReportGen 2.1",
		},
		Policy: Policy{Domain: "example.org", ADKIM: "s", ASPF: "r", P: "reject", NP: "quarantine", Testing: "y", DiscoveryMethod: "treewalk"},
	}
	if !reflect.DeepEqual(*rep, wantRep) {
		t.Errorf("report:\n got %+v\nwant %+v", *rep, wantRep)
	}
	wantRecs := []Record{{
		SourceIP: ip("2001:db8::25"), Count: 4, Disposition: "reject", DKIM: "fail", SPF: "fail",
		Reasons:    []Reason{{Type: "policy_test_mode", Comment: "testing"}},
		HeaderFrom: "example.org", EnvelopeFrom: "example.org",
		DKIMResults: []DKIMResult{{Domain: "example.org", Selector: "sel", Result: "fail", HumanResult: "expired"}},
		SPFResults:  []SPFResult{{Domain: "example.org", Scope: "mfrom", Result: "fail", HumanResult: "no match"}},
	}}
	if !reflect.DeepEqual(recs, wantRecs) {
		t.Errorf("records:\n got %+v\nwant %+v", recs, wantRecs)
	}
}

func TestParseSchema(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"version 1.0", "", "", SchemaRFC7489},
		{"version 2.0 without namespace", "<version>1.0</version>", "<version>2.0</version>", SchemaRFC9990},
		{"namespace with version 1.0", "<feedback>", `<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">`, SchemaRFC9990},
		{"prefixed namespace", "<feedback>", `<feedback xmlns:d="URN:IETF:params:xml:ns:dmarc-2.0">`, SchemaRFC9990},
		{"draft: no version", "<version>1.0</version>", "", SchemaDraft},
		{"other namespace", "<feedback>", `<feedback xmlns="http://dmarc.org/dmarc-xml/0.1">`, SchemaRFC7489},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(rfc7489Doc, tt.from, tt.to, 1)
			rep, _, err := parseAll(t, strings.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Schema != tt.want {
				t.Errorf("schema = %q, want %q", rep.Schema, tt.want)
			}
		})
	}
}

// TestParseLenient: sloppy but meaningful input gives the same data as the
// clean report (rfc7489Want), with the noted differences.
func TestParseLenient(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(string) string
		encoding func([]byte) []byte
		change   func(*Report, []Record)
	}{
		{name: "mixed case values and element names", edit: func(s string) string {
			s = strings.Replace(s, "<disposition>none</disposition><dkim>pass</dkim>", "<disposition>None</disposition><dkim>Pass</dkim>", 1)
			s = strings.Replace(s, "<p>quarantine</p>", "<P>Quarantine</P>", 1)
			s = strings.Replace(s, "<header_from>example.com</header_from></identifiers>", "<header_from>Example.COM</header_from></identifiers>", 1)
			return strings.Replace(s, "<result>softfail</result>", "<result>SoftFail</result>", 1)
		}},
		{name: "stray white space", edit: func(s string) string {
			s = strings.Replace(s, "<org_name>Mail Receiver Inc.</org_name>", "<org_name>\n   Mail Receiver Inc. \t</org_name>", 1)
			s = strings.Replace(s, "<count>12</count>", "<count> 12\n</count>", 1)
			return strings.Replace(s, "<source_ip>192.0.2.10</source_ip>", "<source_ip>\n192.0.2.10 </source_ip>", 1)
		}},
		{name: "extra namespaces and xsi attributes", edit: func(s string) string {
			return strings.Replace(s, "<feedback>", `<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="rua.xsd">`, 1)
		}},
		{name: "prefixed elements", edit: func(s string) string {
			s = strings.Replace(s, "<feedback>", `<d:feedback xmlns:d="http://dmarc.org/dmarc-xml/0.1">`, 1)
			return strings.Replace(s, "</feedback>", "</d:feedback>", 1)
		}},
		{name: "comments, CDATA, processing instructions", edit: func(s string) string {
			s = strings.Replace(s, "<org_name>Mail Receiver Inc.</org_name>", "<org_name><![CDATA[Mail Receiver]]> <!-- x -->Inc.</org_name><?pi?>", 1)
			return strings.Replace(s, "<record>", "<!-- first --><record>", 1)
		}},
		{name: "CRLF line ends and a UTF-8 BOM", edit: func(s string) string {
			return "\ufeff" + strings.ReplaceAll(s, "\n", "\r\n")
		}},
		{name: "unescaped ampersand and angle bracket", edit: func(s string) string {
			s = strings.Replace(s, "<org_name>Mail Receiver Inc.</org_name>", "<org_name>AT&T < Co</org_name>", 1)
			return strings.Replace(s, "<report_id>rpt-2023-11-15-0001</report_id>", "<report_id><rpt-1@mx.receiver.example></report_id>", 1)
		}, change: func(r *Report, _ []Record) {
			r.Metadata.OrgName = "AT&T < Co"
			r.Metadata.ReportID = "<rpt-1@mx.receiver.example>"
		}},
		{name: "escaped report id decoration kept", edit: func(s string) string {
			return strings.Replace(s, "<report_id>rpt-2023-11-15-0001</report_id>", "<report_id>&lt;rpt-1@mx.receiver.example&gt;</report_id>", 1)
		}, change: func(r *Report, _ []Record) { r.Metadata.ReportID = "<rpt-1@mx.receiver.example>" }},
		{name: "invalid UTF-8 replaced", edit: func(s string) string {
			return strings.Replace(s, "<org_name>Mail Receiver Inc.</org_name>", "<org_name>Mail \xff\xfeReceiver</org_name>", 1)
		}, change: func(r *Report, _ []Record) { r.Metadata.OrgName = "Mail \uFFFDReceiver" }}, // one U+FFFD per run
		{name: "ISO-8859-1 declared", edit: func(s string) string {
			s = strings.Replace(s, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)
			return strings.Replace(s, "<org_name>Mail Receiver Inc.</org_name>", "<org_name>Soci\xe9t\xe9 G\xe9n\xe9rale</org_name>", 1)
		}, change: func(r *Report, _ []Record) { r.Metadata.OrgName = "Société Générale" }},
		{name: "windows-1252 declared", edit: func(s string) string {
			s = strings.Replace(s, `encoding="UTF-8"`, `encoding='windows-1252'`, 1)
			return strings.Replace(s, "<org_name>Mail Receiver Inc.</org_name>", "<org_name>\x93Mail\x94 \x80</org_name>", 1)
		}, change: func(r *Report, _ []Record) { r.Metadata.OrgName = "\u201cMail\u201d \u20ac" }},
		{name: "unknown encoding label read as UTF-8", edit: func(s string) string {
			return strings.Replace(s, `encoding="UTF-8"`, `encoding="x-klingon"`, 1)
		}},
		{name: "billion laughs DTD not expanded", edit: func(s string) string {
			dtd := `<!DOCTYPE feedback [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
				`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>`
			s = strings.Replace(s, "<feedback>", dtd+"<feedback>", 1)
			return strings.Replace(s, "<error>could not fetch policy once</error>", "<error>&lol3;</error>", 1)
		}, change: func(r *Report, _ []Record) { r.Metadata.Errors = []string{"&lol3;"} }},
		{name: "unknown and extension elements ignored", edit: func(s string) string {
			s = strings.Replace(s, "<policy_published>", "<extension><policy_published><domain>evil.example</domain></policy_published></extension><policy_published>", 1)
			return strings.Replace(s, "</auth_results>", "</auth_results><x><row><count>99</count></row></x>", 1)
		}},
		{name: "missing optional elements", edit: func(s string) string {
			s = strings.Replace(s, "<email>dmarc-reports@receiver.example</email>", "", 1)
			return strings.Replace(s, "<pct>50</pct>", "<pct>lots</pct>", 1)
		}, change: func(r *Report, _ []Record) { r.Metadata.Email, r.Policy.Pct = "", nil }},
		{name: "IPv4-mapped IPv6 source unmapped", edit: func(s string) string {
			return strings.Replace(s, "<source_ip>192.0.2.10</source_ip>", "<source_ip>::ffff:192.0.2.10</source_ip>", 1)
		}},
		{name: "draft order: records before the policy", edit: func(s string) string {
			i, j := strings.Index(s, "  <policy_published>"), strings.Index(s, "  <record>")
			k := strings.Index(s, "</feedback>")
			return s[:i] + s[j:k] + s[i:j] + s[k:]
		}},
		{name: "fractional epoch seconds", edit: func(s string) string {
			return strings.Replace(s, "<begin>1700006400</begin>", "<begin>1700006400.000</begin>", 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, recs, err := parseAll(t, strings.NewReader(tt.edit(rfc7489Doc)))
			if err != nil {
				t.Fatal(err)
			}
			wantRep, wantRecs := rfc7489Want()
			if tt.change != nil {
				tt.change(&wantRep, wantRecs)
			}
			if !reflect.DeepEqual(*rep, wantRep) {
				t.Errorf("report:\n got %+v\nwant %+v", *rep, wantRep)
			}
			if !reflect.DeepEqual(recs, wantRecs) {
				t.Errorf("records:\n got %+v\nwant %+v", recs, wantRecs)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	repl := func(from, to string) string { return strings.Replace(rfc7489Doc, from, to, 1) }
	noRecords := rfc7489Doc[:strings.Index(rfc7489Doc, "  <record>")] + "</feedback>"
	deep := repl("<extra_contact_info>", strings.Repeat("<x>", 70)+strings.Repeat("</x>", 70)+"<extra_contact_info>")
	tests := []struct{ name, doc, reason string }{
		{"empty", "", "no <feedback> element"},
		{"white space only", " \n\t", "no <feedback> element"},
		{"not XML", "hello world", "no <feedback> element"},
		{"other root", "<html><body>hi</body></html>", "no <feedback> element (root element is <html>)"},
		{"no report_id", repl("<report_id>rpt-2023-11-15-0001</report_id>", ""), "missing report_id"},
		{"empty report_id", repl("<report_id>rpt-2023-11-15-0001</report_id>", "<report_id> </report_id>"), "missing report_id"},
		{"no begin", repl("<begin>1700006400</begin>", ""), "missing date_range begin"},
		{"invalid end", repl("<end>1700092799</end>", "<end>tomorrow</end>"), `invalid date_range end "tomorrow"`},
		{"begin after end", repl("<begin>1700006400</begin>", "<begin>1700100000</begin>"), "date_range begin 2023-11-16T02:00:00Z is after end 2023-11-15T23:59:59Z"},
		{"no records", noRecords, "no records"},
		{"no policy domain", repl("<domain>example.com</domain>", ""), "missing policy_published domain"},
		{"no report_metadata", rfc7489Doc[:strings.Index(rfc7489Doc, "  <report_metadata>")] + rfc7489Doc[strings.Index(rfc7489Doc, "  <policy_published>"):], "missing report_id"},
		{"missing count", repl("<count>3</count>", ""), "record 2: missing count"},
		{"negative count", repl("<count>3</count>", "<count>-3</count>"), `record 2: invalid count "-3"`},
		{"truncated", rfc7489Doc[:strings.Index(rfc7489Doc, "<count>12")+9], "XML truncated: end of input inside <count>"},
		{"truncated in a tag", rfc7489Doc[:strings.Index(rfc7489Doc, "<count>")+3], "XML truncated inside markup"},
		{"mismatched tag", repl("</org_name>", "</org>"), "XML not well-formed: <org_name> closed by </org>"},
		{"gigantic attribute", repl("<feedback>", `<feedback a="`+strings.Repeat("A", 2<<20)+`">`), "XML: markup longer than 1048576 bytes"},
		{"gigantic text", repl("<org_name>Mail Receiver Inc.", "<org_name>"+strings.Repeat("A", 2<<20)), "value of <org_name> longer than 1048576 bytes"},
		{"deep nesting", deep, "XML: elements nested deeper than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseAll(t, strings.NewReader(tt.doc))
			if err == nil {
				t.Fatalf("no error, want %q", tt.reason)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), tt.reason) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error = %q, want one line starting with %q", err, tt.reason)
			}
		})
	}
}

func TestParseReadErrors(t *testing.T) {
	tooLarge := errors.New("payload too large")
	r := io.MultiReader(strings.NewReader(rfc7489Doc[:300]), iotest.ErrReader(tooLarge))
	_, _, err := parseAll(t, r)
	if !errors.Is(err, tooLarge) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want one wrapping the read error and matching ErrInvalid", err)
	}
	if err.Error() != "reading report: payload too large" {
		t.Errorf("reason = %q", err)
	}
}

// TestParseCallbackError: an error from fn stops the parse and comes back
// unchanged.
func TestParseCallbackError(t *testing.T) {
	stop := errors.New("output full")
	calls := 0
	n, err := Parse(strings.NewReader(rfc7489Doc), func(*Report, *Record) error {
		calls++
		return stop
	})
	if err != stop || errors.Is(err, ErrInvalid) || n != 0 || calls != 1 {
		t.Fatalf("Parse = %d, %v after %d calls; want 0, the callback's error, 1 call", n, err, calls)
	}
}

// TestParseMetadataBeforeRecords: a record that comes before the metadata is
// held until the metadata is complete and valid.
func TestParseMetadataBeforeRecords(t *testing.T) {
	i, j := strings.Index(rfc7489Doc, "  <report_metadata>"), strings.Index(rfc7489Doc, "  <record>")
	k := strings.Index(rfc7489Doc, "</feedback>")
	doc := rfc7489Doc[:i] + rfc7489Doc[j:k] + rfc7489Doc[i:j] + rfc7489Doc[k:]
	n, err := Parse(strings.NewReader(doc), func(rep *Report, rec *Record) error {
		if rep.Metadata.ReportID != "rpt-2023-11-15-0001" || rep.Policy.Domain != "example.com" || rep.Schema != SchemaRFC7489 {
			t.Errorf("record passed before the report was complete: %+v", rep)
		}
		return nil
	})
	if n != 2 || err != nil {
		t.Fatalf("Parse = %d, %v", n, err)
	}

	// Held records are bounded.
	var b bytes.Buffer
	b.WriteString("<feedback>")
	for range maxPending + 1 {
		b.WriteString("<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record>")
	}
	_, err = Parse(&b, func(*Report, *Record) error { return nil })
	if err == nil || err.Error() != fmt.Sprintf("more than %d records before report_metadata and policy_published", maxPending) {
		t.Errorf("err = %v", err)
	}
}

// TestParseStreams: the records of a large report arrive while the input is
// still being read, and each record equals what a fresh parse would give.
func TestParseLargeCounts(t *testing.T) {
	doc := synthReport(5000, "big")
	var msgs int64
	n, err := Parse(iotest.HalfReader(bytes.NewReader(doc)), func(_ *Report, rec *Record) error {
		msgs += rec.Count
		return nil
	})
	if err != nil || n != 5000 {
		t.Fatalf("Parse = %d, %v", n, err)
	}
	// counts are i%13+1 for i in [0,5000)
	var want int64
	for i := range 5000 {
		want += int64(i%13 + 1)
	}
	if msgs != want {
		t.Errorf("message sum = %d, want %d", msgs, want)
	}
}

// TestParseSlowReader: long markup read a byte at a time is not rescanned
// per byte (this would take hours without the read-ahead in scanMarkup).
func TestParseSlowReader(t *testing.T) {
	doc := "<feedback><!--" + strings.Repeat("x", 900<<10) + "--></feedback>"
	_, err := Parse(iotest.OneByteReader(strings.NewReader(doc)), func(*Report, *Record) error { return nil })
	if err == nil || err.Error() != "missing report_id" {
		t.Fatalf("err = %v, want missing report_id", err)
	}
}
