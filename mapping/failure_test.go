package mapping

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/failure"
)

const failureFixtures = "../report/failure/testdata"

var failureReceived = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func parseFailure(t *testing.T, b []byte) *failure.Report {
	t.Helper()
	rep, err := failure.Parse(bytes.NewReader(b), failureReceived)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rep
}

func failureFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(failureFixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFailureGolden builds the document of every failure fixture with the
// default (private) configuration and compares every field, the index and
// the id with testdata/failure/<fixture>.json.
func TestFailureGolden(t *testing.T) {
	for _, name := range []string{"arf_rfc822.eml", "arf_headers.eml", "arf_rfc9991.eml", "text_only.eml", "mbox_first.mbox", "forwarded.eml",
		"mixed_base64.eml", "mixed_qp.eml", "report_qp.eml", "exim_text.eml", "domino_forward.eml"} {
		t.Run(name, func(t *testing.T) {
			doc, index, id := BuildFailure("dmarc", parseFailure(t, failureFixture(t, name)), failure.DefaultConfig())
			checkGolden(t, "testdata/failure/"+name+".json", []golden{{index, id, mustJSON(t, doc)}})
		})
	}
}

// TestFailureGoldenStoreAll: with every privacy switch on, the body, the
// DKIM canonicalized data and clear recipients are stored.
func TestFailureGoldenStoreAll(t *testing.T) {
	cfg := failure.Config{StoreBody: true, StoreRecipients: true, HashKey: "k"}
	for _, name := range []string{"arf_rfc822.eml", "arf_rfc9991.eml"} {
		t.Run(name, func(t *testing.T) {
			doc, index, id := BuildFailure("mail", parseFailure(t, failureFixture(t, name)), cfg)
			checkGolden(t, "testdata/failure/"+name+".store_all.json", []golden{{index, id, mustJSON(t, doc)}})
		})
	}
}

// TestFailureDefaultStoresNoBodyNorRecipients looks at the encoded default
// document for anything of the original body or a recipient in clear.
func TestFailureDefaultStoresNoBodyNorRecipients(t *testing.T) {
	for _, tc := range []struct {
		file   string
		absent []string
	}{
		{"arf_rfc822.eml", []string{"Account 12345678", "Dear Alice", "alice@example.org", "bob@example.org", `"body"`}},
		{"mbox_first.mbox", []string{"Track your parcel", "dave@bigmail.example", `"body"`}},
		{"arf_rfc9991.eml", []string{"user1@mbp.example", "user2@mbp.example", "ZnJvbTpuZXdz", "SGVsbG8gd29y", "canonicalized"}},
		{"text_only.eml", []string{"carol@smallisp.example"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			doc, _, _ := BuildFailure("", parseFailure(t, failureFixture(t, tc.file)), failure.DefaultConfig())
			b := mustJSON(t, doc)
			for _, s := range tc.absent {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("default document holds %q: %s", s, b)
				}
			}
			for _, h := range append(doc.Failure.OriginalRcptTo, doc.Message.To...) {
				if !strings.HasPrefix(h, failure.HashPrefix) {
					t.Errorf("recipient %q is not hashed", h)
				}
			}
		})
	}
	// The subject is kept.
	doc, _, _ := BuildFailure("", parseFailure(t, failureFixture(t, "arf_rfc822.eml")), failure.DefaultConfig())
	if doc.Message.Subject != "Votre facture n° 2026-11" || !doc.Message.FullCopy {
		t.Errorf("subject %q full_copy %v", doc.Message.Subject, doc.Message.FullCopy)
	}
}

// TestFailureIDIsContentOnly: the same report from any container, line end
// or arrival time has one id; the privacy switches other than the key do not
// change it; a different report or key does.
func TestFailureIDIsContentOnly(t *testing.T) {
	cfg := failure.DefaultConfig()
	idOf := func(b []byte, received time.Time, c failure.Config) string {
		rep, err := failure.Parse(bytes.NewReader(b), received)
		if err != nil {
			t.Fatal(err)
		}
		_, _, id := BuildFailure("dmarc", rep, c)
		return id
	}
	headers := failureFixture(t, "arf_headers.eml")
	lf := strings.ReplaceAll(string(headers), "\r\n", "\n")
	want := idOf(headers, failureReceived, cfg)
	for name, b := range map[string][]byte{
		"crlf":           []byte(strings.ReplaceAll(lf, "\n", "\r\n")),
		"mbox":           []byte("From MAILER-DAEMON Fri Nov 20 22:03:12 2026\n" + lf),
		"forwarded":      failureFixture(t, "forwarded.eml"),
		"received later": headers,
	} {
		if got := idOf(b, failureReceived.Add(72*time.Hour), cfg); got != want {
			t.Errorf("%s: id %s, want %s", name, got, want)
		}
	}
	rfc9991 := failureFixture(t, "arf_rfc9991.eml")
	if idOf(rfc9991, failureReceived, cfg) != idOf(rfc9991, failureReceived, failure.Config{StoreBody: true, StoreRecipients: true}) {
		t.Error("store_body/store_recipients change the id")
	}
	if idOf(rfc9991, failureReceived, cfg) == idOf(rfc9991, failureReceived, failure.Config{HashKey: "other"}) {
		t.Error("the recipient hash key does not enter the id")
	}
	other := strings.Replace(lf, "Source-IP: 2001:db8:5::25", "Source-IP: 2001:db8:5::26", 1)
	if idOf([]byte(other), failureReceived, cfg) == want {
		t.Error("another source IP, same id")
	}
	seen := map[string]string{}
	for _, name := range []string{"arf_rfc822.eml", "arf_headers.eml", "arf_rfc9991.eml", "text_only.eml", "mbox_first.mbox"} {
		id := idOf(failureFixture(t, name), failureReceived, cfg)
		if prev, ok := seen[id]; ok {
			t.Errorf("%s and %s share id %s", prev, name, id)
		}
		seen[id] = name
	}
}

// TestFailureIndexAndTimestamp: the index month follows the arrival date,
// else the report's Date, else the received time.
func TestFailureIndexAndTimestamp(t *testing.T) {
	base := "From: r@rep.example\nContent-Type: message/feedback-report\n\nFeedback-Type: auth-failure\nSource-IP: 192.0.2.1\nReported-Domain: example.com\n"
	for _, tc := range []struct{ name, in, index, ts string }{
		{"arrival", "Date: Tue, 1 Dec 2026 00:00:05 +0000\n" + base + "Arrival-Date: Mon, 30 Nov 2026 23:59:59 -0100\n", "dmarc-failure-2026.12", "2026-12-01T00:59:59Z"},
		{"report date", "Date: Tue, 1 Dec 2026 00:00:05 +0000\n" + base, "dmarc-failure-2026.12", "2026-12-01T00:00:05Z"},
		{"received", base + "Arrival-Date: garbage\n", "dmarc-failure-2026.11", "2026-11-25T12:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, index, _ := BuildFailure("", parseFailure(t, []byte(tc.in)), failure.DefaultConfig())
			if index != tc.index || doc.Timestamp.Format(time.RFC3339) != tc.ts {
				t.Errorf("index %s @timestamp %s, want %s %s", index, doc.Timestamp.Format(time.RFC3339), tc.index, tc.ts)
			}
			var m map[string]any
			if err := json.Unmarshal(mustJSON(t, doc), &m); err != nil {
				t.Fatal(err)
			}
			_, hasArrival := m["failure"].(map[string]any)["arrival_date"]
			if hasArrival != (tc.name == "arrival") {
				t.Errorf("failure.arrival_date present = %v", hasArrival)
			}
		})
	}
}
