package aggregate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// TestVocabulary: every known value, in any case, reads as its lower-case
// self, and a value outside the vocabulary is read as written, lower-cased.
func TestVocabulary(t *testing.T) {
	words := []string{"pass", "fail", "none", "softfail", "neutral", "temperror", "permerror", "policy", "quarantine",
		"reject", "r", "s", "mfrom", "helo", "forwarded", "sampled_out", "trusted_forwarder", "mailing_list",
		"local_policy", "other", "policy_test_mode", "0", "1", "d", "y", "n", "psl", "treewalk"}
	p := &parser{recent: new([numNodes]recentValues)}
	for _, w := range words {
		if s, ok := vocabulary([]byte(w)); !ok || s != w {
			t.Errorf("vocabulary(%q) = %q, %v", w, s, ok)
		}
		for _, in := range []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]} {
			if got := p.lower(nodeDKIMResult, []byte(in)); got != w {
				t.Errorf("lower(%q) = %q, want %q", in, got, w)
			}
		}
	}
	for _, in := range []string{"Example.COM", "pass ", "hardfail", "Ünïcode.example", "bad\xffbyte"} {
		want := strings.ToLower(strings.ToValidUTF8(in, "\uFFFD"))
		if got := p.lower(nodeHeaderFrom, []byte(in)); got != want {
			t.Errorf("lower(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRecentValuesShared: an element's value repeated record after record
// is one string (no allocation per record), a value of the same slot
// replaces it, and values are never taken from another element.
func TestRecentValuesShared(t *testing.T) {
	p := &parser{recent: new([numNodes]recentValues)}
	a1 := p.lower(nodeHeaderFrom, []byte("example.com"))
	a2 := p.lower(nodeHeaderFrom, []byte("Example.com"))
	if a1 != "example.com" || unsafe.StringData(a1) != unsafe.StringData(a2) {
		t.Fatalf("the same header_from twice is two strings: %q %q", a1, a2)
	}
	o := p.lower(nodeEnvelopeFrom, []byte("example.com"))
	if unsafe.StringData(o) == unsafe.StringData(a1) {
		t.Fatal("envelope_from took header_from's string")
	}
	other := 0
	for recentSlot([]byte(fmt.Sprintf("d%d.example", other))) != recentSlot([]byte("example.com")) {
		other++
	}
	p.lower(nodeHeaderFrom, []byte(fmt.Sprintf("d%d.example", other)))
	if a3 := p.lower(nodeHeaderFrom, []byte("example.com")); a3 != "example.com" || unsafe.StringData(a3) == unsafe.StringData(a1) {
		t.Fatal("a value of the same slot did not replace it")
	}
	long := bytes.Repeat([]byte("x"), maxRecentLen+1)
	if l1, l2 := p.str(nodeReasonComment, long), p.str(nodeReasonComment, long); l1 != string(long) || unsafe.StringData(l1) == unsafe.StringData(l2) {
		t.Fatal("a value longer than maxRecentLen was remembered")
	}
	if p.str(nodeOrgName, nil) != "" {
		t.Fatal("empty value")
	}
}

// TestParsedValuesShared: across the records of one parsed report, the
// repeated domains are one string each.
func TestParsedValuesShared(t *testing.T) {
	var from, dkim []string
	_, err := Parse(bytes.NewReader(synthReport(50, "shared")), func(rep *Report, rec *Record) error {
		from = append(from, rec.HeaderFrom)
		if len(rec.DKIMResults) > 0 {
			dkim = append(dkim, rec.DKIMResults[0].Domain)
		}
		return nil
	})
	if err != nil || len(from) != 50 {
		t.Fatalf("Parse: %d records, %v", len(from), err)
	}
	distinct := map[*byte]bool{}
	for _, s := range from {
		distinct[unsafe.StringData(s)] = true
	}
	if len(distinct) != 1 {
		t.Errorf("header_from of 50 records: %d strings", len(distinct))
	}
	distinct = map[*byte]bool{}
	for _, s := range dkim {
		distinct[unsafe.StringData(s)] = true
	}
	if len(distinct) != 1 {
		t.Errorf("DKIM domain of 50 records: %d strings", len(distinct))
	}
}
