package gmailtest

import (
	"testing"
	"time"
)

func TestQuerySubset(t *testing.T) {
	report := &msgView{
		facts: facts{subject: "Report domain: example.com Submitter: google.com", from: "Google noreply@google.com",
			messageID: "123@google.com", filenames: []string{"google.com!example.com!1!2.xml.gz"}},
		labels:   []string{"inbox", "unread", "dmarc-processed"},
		internal: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	}
	const def = `(subject:"Report domain" OR subject:"Report Domain" OR subject:"DMARC" OR subject:"TLS report" OR subject:"TLS-RPT" OR filename:xml.gz OR filename:zip OR filename:xml OR filename:json.gz OR filename:tlsrpt)`
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"", true},
		{def, true},
		{def + " -label:dmarc-processed", false},
		{def + " -label:dmarc-failed", true},
		{"label:dmarc/processed", true},
		{"label:INBOX is:unread", true},
		{"is:read", false},
		{"subject:lunch OR filename:zip", false},
		{"subject:lunch OR filename:xml.gz", true},
		{"has:attachment", true},
		{"{rfc822msgid:1@x rfc822msgid:<123@google.com>}", true},
		{"{rfc822msgid:1@x rfc822msgid:2@x}", false},
		{"after:2026/10/31 before:2026/11/02", true},
		{"after:1793491200", true}, // 2026-11-01T00:00:00Z is 1793491200: inclusive
		{"after:1793491201", false},
		{"-(subject:google OR from:nobody)", false},
		{"google", true},
		{`"Submitter: google"`, true},
	} {
		n, err := parseQuery(tc.q)
		if err != nil {
			t.Errorf("%q: %v", tc.q, err)
			continue
		}
		if got := n(report); got != tc.want {
			t.Errorf("%q matched %v, want %v", tc.q, got, tc.want)
		}
	}
	for _, bad := range []string{"newer_than:2d", "(subject:x", "subject:x)", "{a", "after:yesterday"} {
		if _, err := parseQuery(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
