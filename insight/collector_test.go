package insight

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func aggDoc(domain, ip string, count int, pass bool, verdict, begin string) []byte {
	return []byte(fmt.Sprintf(`{"@timestamp":%q,"report":{"org_name":"google.com","id":"r1","begin":%q,"end":%q,"schema":"rfc7489"},
"policy":{"domain":%q,"p":"none","pct":100},"source":{"ip":%q,"geo":{"country_iso_code":"VN"},"as":{"number":45899,"organization":{"name":"VNPT Corp"}}},
"message":{"count":%d,"disposition":"none"},"dmarc":{"pass":%v,"verdict":%q},"auth":{"dkim":{"domains":["a.example","a.example",""]}}}`,
		begin, begin, strings.Replace(begin, "00:00:00", "23:59:59", 1), domain, ip, count, pass, verdict))
}

// TestCollectorCountsEachIDOnce: a copy of a document (same kind, same id)
// adds nothing; the same id in another kind is another document.
func TestCollectorCountsEachIDOnce(t *testing.T) {
	c := NewCollector(nil, time.Time{})
	doc := aggDoc("example.net", "14.161.5.88", 7, false, "spoofed", "2026-11-09T00:00:00Z")
	for range 3 {
		if err := c.Add("dmarc-aggregate-2026.11", "id1", doc); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Add("dmarc-aggregate-2026.11", "id2", aggDoc("example.net", "14.161.5.88", 5, false, "spoofed", "2026-11-10T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range c.Facts().Agg {
		total += n
	}
	if total != 12 || len(c.Facts().Agg) != 2 {
		t.Fatalf("%d messages in %d rows, want 12 in 2", total, len(c.Facts().Agg))
	}
	// A record lists d=a.example twice (and an empty value): it counts once.
	var dkim int64
	for k, n := range c.Facts().Auth {
		if k.Kind == "dkim" && k.Value == "a.example" {
			dkim += n
		} else {
			t.Errorf("unexpected auth row %+v", k)
		}
	}
	if dkim != 12 {
		t.Errorf("d=a.example on %d messages, want 12", dkim)
	}
	p := c.Facts().Periods["example.net"]
	if p.Begin.Format(time.RFC3339) != "2026-11-09T00:00:00Z" || p.End.Format(time.RFC3339) != "2026-11-10T23:59:59Z" {
		t.Errorf("period %v", p)
	}
}

func TestCollectorFilters(t *testing.T) {
	since := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	c := NewCollector([]string{" Example.NET "}, since)
	c.Add("x-aggregate-2026.11", "1", aggDoc("example.net", "192.0.2.1", 1, true, "aligned", "2026-11-09T00:00:00Z")) // ends before since
	c.Add("x-aggregate-2026.11", "2", aggDoc("example.net", "192.0.2.1", 2, true, "aligned", "2026-11-10T00:00:00Z"))
	c.Add("x-aggregate-2026.11", "3", aggDoc("example.org", "192.0.2.1", 4, true, "aligned", "2026-11-10T00:00:00Z"))
	var total int64
	for _, n := range c.Facts().Agg {
		total += n
	}
	if total != 2 {
		t.Fatalf("%d messages kept, want the 2 of example.net ending after %v", total, since)
	}
}

func TestCollectorBadDocuments(t *testing.T) {
	c := NewCollector(nil, time.Time{})
	if err := c.Add("dmarc-aggregate-2026.11", "a", []byte(`{"message":`)); err == nil || !strings.Contains(err.Error(), "decoding aggregate document a") {
		t.Errorf("truncated JSON: %v", err)
	}
	if err := c.Add("logs-2026.11", "b", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "logs-2026.11") {
		t.Errorf("unknown index: %v", err)
	}
	if len(c.Facts().Agg) != 0 {
		t.Error("a bad document was counted")
	}
	// A damaged copy does not hide the good one with the same id.
	if err := c.Add("dmarc-aggregate-2026.11", "a", aggDoc("example.net", "192.0.2.1", 3, true, "aligned", "2026-11-09T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if n := c.Facts().Agg; len(n) != 1 {
		t.Errorf("the good copy of a was not counted: %v", n)
	}
}

// TestSpoofingCapped: the 25 largest sources are listed, the rest counted.
func TestSpoofingCapped(t *testing.T) {
	rows := map[AggKey]int64{}
	for i := range 30 {
		rows[AggKey{Domain: "d", IP: fmt.Sprintf("192.0.2.%d", i), Verdict: verdictSpoofed, Disposition: "reject", Reporter: "r"}] = int64(100 + i)
	}
	rows[AggKey{Domain: "d", IP: "192.0.2.200", Verdict: verdictAligned, Pass: true}] = 1000
	list, more := spoofing(rows)
	if len(list) != 25 || more != 5 || list[0].IP != "192.0.2.29" || list[0].Messages != 129 || list[24].Messages != 105 ||
		list[0].Dispositions["reject"] != 129 {
		t.Fatalf("%d listed, %d more, first %+v", len(list), more, list[0])
	}
}

func TestFillDays(t *testing.T) {
	days := fillDays(map[string]*Day{"2026-11-09": {Date: "2026-11-09", Pass: 1}, "2026-11-12": {Date: "2026-11-12", Fail: 2}})
	if len(days) != 4 || days[1] != (Day{Date: "2026-11-10"}) || days[3].Fail != 2 {
		t.Fatalf("%+v", days)
	}
}

// repairedDoc is one record of a repaired aggregate report.
func repairedDoc(domain, reporter, id, sourceJSON string, count int, repairs, warnings string) []byte {
	return []byte(fmt.Sprintf(`{"@timestamp":"2026-11-09T00:00:00Z","report":{"org_name":%q,"id":%q,"begin":"2026-11-09T00:00:00Z",
"end":"2026-11-09T23:59:59Z","schema":"rfc7489","repairs":%s},"policy":{"domain":%q,"p":"none"},"source":%s,
"message":{"count":%d,"disposition":"none"},"dmarc":{"pass":false,"verdict":"spoofed"},"warnings":%s}`,
		reporter, id, repairs, domain, sourceJSON, count, warnings))
}

// TestRepairsAndWarnings: a repaired report counts once per kind however
// many records it has; examples are the first three by reporter and id;
// the domain filter applies; warnings count records and their messages;
// unreadable sources are grouped by their text, unless it is longer than
// the index aggregates.
func TestRepairsAndWarnings(t *testing.T) {
	c := NewCollector([]string{"example.com"}, time.Time{})
	bad := `{"address":"901.234.567.890"}`
	docs := []struct {
		id   string
		body []byte
	}{
		// report r4 of B: two records, two repairs, one record with a warning
		{"a", repairedDoc("example.com", "B", "r4", bad, 5, `["alias_data_range","feedback_not_root"]`, `["invalid_source_ip"]`)},
		{"b", repairedDoc("example.com", "B", "r4", `{"ip":"192.0.2.1"}`, 2, `["alias_data_range","feedback_not_root"]`, `null`)},
		{"c", repairedDoc("example.com", "A", "r9", bad, 3, `["alias_data_range","alias_data_range"]`, `["invalid_source_ip"]`)},
		{"d", repairedDoc("example.com", "A", "r1", `{}`, 1, `["alias_data_range"]`, `["missing_source_ip"]`)},
		{"e", repairedDoc("example.com", "C", "r0", `{"ip":"192.0.2.1"}`, 4, `["alias_data_range"]`, `null`)},
		// a text longer than the index keeps (ignore_above): no address, as in the index
		{"g", repairedDoc("example.com", "C", "r0", `{"address":"`+strings.Repeat("9", keywordLimit+1)+`"}`, 2, `["alias_data_range"]`, `["invalid_source_ip"]`)},
		// another domain: left out by the filter
		{"f", repairedDoc("example.org", "A", "r2", bad, 6, `["implausible_date"]`, `["invalid_source_ip"]`)},
	}
	for _, d := range docs {
		if err := c.Add("dmarc-aggregate-2026.11", d.id, d.body); err != nil {
			t.Fatal(err)
		}
	}
	r := Analyze(c.Facts(), keys{})
	got := fmt.Sprint(r.Repairs, r.RecordWarnings)
	want := "[{aggregate alias_data_range 4 [{A r1} {A r9} {B r4}]} {aggregate feedback_not_root 1 [{B r4}]}] " +
		"[{invalid_source_ip 3 10} {missing_source_ip 1 1}]"
	if got != want {
		t.Errorf("repairs and warnings\n%s\nwant\n%s", got, want)
	}
	if len(r.Domains) != 1 {
		t.Fatalf("domains %+v", r.Domains)
	}
	var spoofs []string
	for _, s := range r.Domains[0].Spoofing {
		spoofs = append(spoofs, fmt.Sprintf("%q/%q:%d", s.IP, s.Address, s.Messages))
	}
	wantSpoofs := []string{`""/"901.234.567.890":8`, `"192.0.2.1"/"":6`, `""/"":3`}
	if fmt.Sprint(spoofs) != fmt.Sprint(wantSpoofs) {
		t.Errorf("spoofing %q, want %q", spoofs, wantSpoofs)
	}
	s := r.Domains[0].Senders
	if len(s) != 1 || s[0].IPs != 1 || fmt.Sprint(s[0].Unreadable) != "[901.234.567.890]" || s[0].Messages != 17 {
		t.Errorf("senders %+v", s)
	}
}

// TestFailureAndTLSRepairs: repairs made to read failure and SMTP TLS
// reports are listed with those of aggregate reports, each under its own
// field, once per report (a failure report is named by the Message-ID of
// the message it is about; a TLS report by its id, whatever its policies).
func TestFailureAndTLSRepairs(t *testing.T) {
	c := NewCollector([]string{"example.com"}, time.Time{})
	fail := func(msgID, repairs string) []byte {
		return []byte(fmt.Sprintf(`{"@timestamp":"2026-11-09T10:00:00Z","failure":{"feedback_type":"auth-failure","format":"text",
"reported_domain":"example.com","repairs":%s},"source":{"ip":"192.0.2.7"},"message":{"message_id":%q,"full_copy":false},
"reporter":{"domain":"docomo.ne.jp"}}`, repairs, msgID))
	}
	tls := func(id, policyDomain, repairs string) []byte {
		return []byte(fmt.Sprintf(`{"@timestamp":"2026-11-09T00:00:00Z","tls":{"report":{"org_name":"Google","id":%q,
"begin":"2026-11-09T00:00:00Z","end":"2026-11-09T23:59:59Z","repairs":%s},"policy":{"type":"sts","domain":%q},
"summary":{"successful":10,"failed":0}}}`, id, repairs, policyDomain))
	}
	for _, d := range []struct {
		index, id string
		body      []byte
	}{
		{"dmarc-failure-2026.11", "f1", fail("<m1@example.com>", `["text_report_layout"]`)},
		{"dmarc-failure-2026.11", "f2", fail("<m2@example.com>", `["text_report_layout","feedback_outside_report"]`)},
		{"dmarc-failure-2026.11", "f3", fail("<m3@example.com>", `null`)},
		{"dmarc-smtp-tls-2026.11", "t1", tls("2026-11-09T00:00:00Z_example.com", "example.com", `["datetime_without_zone"]`)},
		{"dmarc-smtp-tls-2026.11", "t2", tls("2026-11-09T00:00:00Z_example.com", "example.com", `["datetime_without_zone","policy_domain_inferred"]`)},
		{"dmarc-smtp-tls-2026.11", "t3", tls("other", "example.org", `["datetime_without_zone"]`)},
		{"dmarc-aggregate-2026.11", "a1", repairedDoc("example.com", "B", "r4", `{"ip":"192.0.2.1"}`, 2, `["alias_data_range"]`, `null`)},
	} {
		if err := c.Add(d.index, d.id, d.body); err != nil {
			t.Fatal(err)
		}
	}
	r := Analyze(c.Facts(), keys{})
	got := fmt.Sprint(r.Repairs)
	want := "[{failure text_report_layout 2 [{docomo.ne.jp <m1@example.com>} {docomo.ne.jp <m2@example.com>}]} " +
		"{aggregate alias_data_range 1 [{B r4}]} " +
		"{failure feedback_outside_report 1 [{docomo.ne.jp <m2@example.com>}]} " +
		"{smtp_tls datetime_without_zone 1 [{Google 2026-11-09T00:00:00Z_example.com}]} " +
		"{smtp_tls policy_domain_inferred 1 [{Google 2026-11-09T00:00:00Z_example.com}]}]"
	if got != want {
		t.Errorf("repairs\n%s\nwant\n%s", got, want)
	}
	var labels []string
	for _, x := range r.Repairs {
		labels = append(labels, x.Label())
	}
	if got := strings.Join(labels, ", "); got != "failure.repairs: text_report_layout, alias_data_range, failure.repairs: feedback_outside_report, "+
		"tls.report.repairs: datetime_without_zone, tls.report.repairs: policy_domain_inferred" {
		t.Errorf("labels %s", got)
	}
}
