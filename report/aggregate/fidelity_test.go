package aggregate

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

var zeroAddr netip.Addr

// TestParseRepairs covers what real receivers send that is not quite the
// format: each case is read, with the exact repairs, flags and warnings
// that say so, and every other value as in the well-formed report.
func TestParseRepairs(t *testing.T) {
	repl := func(s, from, to string) string {
		if !strings.Contains(s, from) {
			t.Fatalf("%q not in the document", from)
		}
		return strings.Replace(s, from, to, 1)
	}
	doc := rfc7489Doc
	tests := []struct {
		name   string
		doc    string
		change func(*Report, []Record)
	}{
		{"feedback inside an unclosed xs:schema",
			repl(doc, "<feedback>", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"><feedback>`),
			func(r *Report, _ []Record) { r.Repairs = []string{RepairFeedbackNotRoot} }},
		{"feedback after a closed stray element",
			repl(doc, "<feedback>", `<stray a="1"/><feedback>`),
			func(r *Report, _ []Record) { r.Repairs = []string{RepairFeedbackNotRoot} }},
		{"feedback two levels down, prefixed",
			repl(repl(doc, "<feedback>", `<a><b><d:feedback xmlns:d="urn:x">`), "</feedback>", "</d:feedback></b></a>"),
			func(r *Report, _ []Record) { r.Repairs = []string{RepairFeedbackNotRoot} }},
		{"data_range for date_range",
			repl(doc, "<date_range><begin>1700006400</begin><end>1700092799</end></date_range>", "<data_range><begin>1700006400</begin><end>1700092799</end></data_range>"),
			func(r *Report, _ []Record) { r.Repairs = []string{"alias_data_range"} }},
		{"1970s dates, as in the RFC 9990 sample",
			repl(doc, "<date_range><begin>1700006400</begin><end>1700092799</end></date_range>", "<date_range><begin>100</begin><end>86500</end></date_range>"),
			func(r *Report, _ []Record) {
				r.Metadata.Begin, r.Metadata.End = unix(100), unix(86500)
				r.Repairs = []string{RepairImplausibleDate}
			}},
		{"begin equal to end",
			repl(doc, "<end>1700092799</end>", "<end>1700006400</end>"),
			func(r *Report, _ []Record) { r.Metadata.End = unix(1700006400) }},
		{"a range of two years is flagged",
			repl(doc, "<end>1700092799</end>", "<end>1763164800</end>"),
			func(r *Report, _ []Record) {
				r.Metadata.End = unix(1763164800)
				r.Repairs = []string{RepairImplausibleDate}
			}},
		{"several repairs, in the order met",
			repl(repl(doc, "<feedback>", "<xs:schema><feedback>"), "<date_range><begin>1700006400</begin><end>1700092799</end></date_range>", "<data_range><begin>10</begin><end>1700092799</end></data_range>"),
			nil},
		{"version 0.1 is a draft", repl(doc, "<version>1.0</version>", "<version>0.1</version>"),
			func(r *Report, _ []Record) { r.Version, r.Schema = "0.1", SchemaDraft }},
		{"version 0 is a draft", repl(doc, "<version>1.0</version>", "<version>0</version>"),
			func(r *Report, _ []Record) { r.Version, r.Schema = "0", SchemaDraft }},
		{"version 1 is RFC 7489", repl(doc, "<version>1.0</version>", "<version>1</version>"),
			func(r *Report, _ []Record) { r.Version = "1" }},
		{"source_ip out of range",
			repl(doc, "<source_ip>198.51.100.7</source_ip>", "<source_ip>901.234.567.890</source_ip>"),
			func(_ *Report, recs []Record) {
				recs[1].SourceIP, recs[1].SourceAddress = zeroAddr, "901.234.567.890"
				recs[1].Warnings = []string{WarnInvalidSourceIP}
			}},
		{"source_ip with leading zeros",
			repl(doc, "<source_ip>198.51.100.7</source_ip>", "<source_ip>198.051.100.007</source_ip>"),
			func(_ *Report, recs []Record) {
				recs[1].SourceIP, recs[1].SourceAddress = zeroAddr, "198.051.100.007"
				recs[1].Warnings = []string{WarnInvalidSourceIP}
			}},
		{"odd IPv6 spelling",
			repl(doc, "<source_ip>198.51.100.7</source_ip>", "<source_ip>2001:db8:::7</source_ip>"),
			func(_ *Report, recs []Record) {
				recs[1].SourceIP, recs[1].SourceAddress = zeroAddr, "2001:db8:::7"
				recs[1].Warnings = []string{WarnInvalidSourceIP}
			}},
		{"empty source_ip",
			repl(doc, "<source_ip>198.51.100.7</source_ip>", "<source_ip> </source_ip>"),
			func(_ *Report, recs []Record) {
				recs[1].SourceIP = zeroAddr
				recs[1].Warnings = []string{WarnMissingSourceIP}
			}},
		{"no source_ip",
			repl(doc, "<source_ip>198.51.100.7</source_ip>", ""),
			func(_ *Report, recs []Record) {
				recs[1].SourceIP = zeroAddr
				recs[1].Warnings = []string{WarnMissingSourceIP}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, recs, err := parseAll(t, strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			wantRep, wantRecs := rfc7489Want()
			if tt.change == nil { // the combined case
				wantRep.Metadata.Begin = unix(10)
				wantRep.Repairs = []string{RepairFeedbackNotRoot, "alias_data_range", RepairImplausibleDate}
			} else {
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

// TestParseWarningsDoNotLeak checks that a record's warnings and address
// are its own: the next record, well-formed, has none.
func TestParseWarningsDoNotLeak(t *testing.T) {
	doc := strings.Replace(rfc7489Doc, "<source_ip>192.0.2.10</source_ip>", "<source_ip>bogus</source_ip>", 1)
	_, recs, err := parseAll(t, strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].SourceAddress != "bogus" || !reflect.DeepEqual(recs[0].Warnings, []string{WarnInvalidSourceIP}) {
		t.Errorf("record 1: address %q warnings %q", recs[0].SourceAddress, recs[0].Warnings)
	}
	if recs[1].SourceAddress != "" || recs[1].Warnings != nil || recs[1].SourceIP != ip("198.51.100.7") {
		t.Errorf("record 2 inherited: address %q warnings %q ip %v", recs[1].SourceAddress, recs[1].Warnings, recs[1].SourceIP)
	}
}
