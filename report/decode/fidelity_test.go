package decode

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// TestWalkFailureLayouts: failure reports in the layouts real receivers
// use are each yielded whole as one failure payload, nothing rejected.
func TestWalkFailureLayouts(t *testing.T) {
	for _, name := range []string{"mixed_base64.eml", "mixed_qp.eml", "report_qp.eml", "exim_text.eml", "domino_forward.eml"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "failure", "testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			var kinds []mapping.Kind
			var rejects []string
			var body []byte
			err = Walk(context.Background(), bytes.NewReader(b), name, Options{}, func(_ context.Context, p Part) error {
				kinds = append(kinds, p.Kind)
				body, err = io.ReadAll(p.Body)
				return err
			}, func(n string, r error) { rejects = append(rejects, n+": "+r.Error()) })
			if err != nil {
				t.Fatal(err)
			}
			if len(kinds) != 1 || kinds[0] != mapping.KindFailure || rejects != nil {
				t.Fatalf("kinds %v rejects %q, want one failure payload", kinds, rejects)
			}
			if !bytes.Equal(body, b) {
				t.Errorf("payload is not the whole message (%d of %d bytes)", len(body), len(b))
			}
		})
	}
}

// TestGzipTrailingAndTruncated: bytes after a gzip member are ignored and
// noted; a member cut short is an error that says truncated.
func TestGzipTrailingAndTruncated(t *testing.T) {
	member := gz([]byte(reportXML))
	for _, tc := range []struct {
		name    string
		in      []byte
		repairs []string
		err     string
	}{
		{"CRLF after the member", append(append([]byte(nil), member...), '\r', '\n'), []string{RepairGzipTrailing}, ""},
		{"one byte after the member", append(append([]byte(nil), member...), 0), []string{RepairGzipTrailing}, ""},
		{"padding after the member", append(append([]byte(nil), member...), bytes.Repeat([]byte{0}, 4096)...), []string{RepairGzipTrailing}, ""},
		{"two members", append(gz([]byte(reportXML[:100])), gz([]byte(reportXML[100:]))...), nil, ""},
		{"two members then a CRLF", append(append(gz([]byte(reportXML[:100])), gz([]byte(reportXML[100:]))...), '\r', '\n'), []string{RepairGzipTrailing}, ""},
		{"member cut in its trailer", member[:len(member)-3], nil, "truncated gzip data: unexpected EOF"},
		{"member cut in its data", member[:len(member)/2], nil, "truncated gzip data: unexpected EOF"},
		{"second member cut in its header", append(append([]byte(nil), member...), 0x1f, 0x8b, 8), nil, "truncated gzip data: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []byte
			var repairs []string
			var readErr error
			err := Walk(context.Background(), bytes.NewReader(tc.in), "r.xml.gz", Options{}, func(_ context.Context, p Part) error {
				got, readErr = io.ReadAll(p.Body)
				repairs = p.Repairs()
				return nil
			}, func(n string, r error) { t.Errorf("rejected %s: %v", n, r) })
			if err != nil {
				t.Fatal(err)
			}
			if tc.err != "" {
				if readErr == nil || readErr.Error() != tc.err {
					t.Fatalf("read error %v, want %q", readErr, tc.err)
				}
				return
			}
			if readErr != nil || string(got) != reportXML {
				t.Fatalf("read %d bytes, err %v; want the report", len(got), readErr)
			}
			if !equalStrings(repairs, tc.repairs) {
				t.Errorf("repairs %q, want %q", repairs, tc.repairs)
			}
		})
	}
}

// TestMIMEWithoutClosingBoundary: the complete last part is read, with the
// repair noted; a last part whose data is cut short is not.
func TestMIMEWithoutClosingBoundary(t *testing.T) {
	head := "From: r@receiver.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nreport attached\r\n" +
		"--b\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=r.xml.gz\r\n\r\n"
	enc := b64(gz([]byte(reportXML)))
	for _, tc := range []struct {
		name, in, err string
		repairs       []string
	}{
		{"closed", head + enc + "--b--\r\n", "", nil},
		{"no closing boundary", head + enc, "", []string{RepairMIMEUnterminated}},
		{"no closing boundary, no final line end", head + enc[:len(enc)-2], "", []string{RepairMIMEUnterminated}},
		{"data cut short", head + enc[:len(enc)/2], "truncated gzip data: truncated base64 data: unexpected EOF", nil},
		{"nested, neither closed: noted once", strings.Replace(head, "boundary=\"b\"\r\n\r\n", "boundary=\"o\"\r\n\r\n--o\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n", 1) + enc,
			"", []string{RepairMIMEUnterminated}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []byte
			var repairs []string
			var readErr error
			n := 0
			err := Walk(context.Background(), bytes.NewReader([]byte(tc.in)), "m.eml", Options{}, func(_ context.Context, p Part) error {
				n++
				got, readErr = io.ReadAll(p.Body)
				repairs = p.Repairs()
				return nil
			}, func(n string, r error) { t.Errorf("rejected %s: %v", n, r) })
			if err != nil || n != 1 {
				t.Fatalf("err %v, %d payloads", err, n)
			}
			if tc.err != "" {
				if readErr == nil || readErr.Error() != tc.err {
					t.Fatalf("read error %v, want %q", readErr, tc.err)
				}
				return
			}
			if readErr != nil || string(got) != reportXML || !equalStrings(repairs, tc.repairs) {
				t.Fatalf("read %d bytes, err %v, repairs %q; want the report and %q", len(got), readErr, repairs, tc.repairs)
			}
		})
	}
}

// TestWrappedFeedbackIsAnAggregateReport: XML whose root is not <feedback>
// but which holds one is yielded; XML without one is still rejected.
func TestWrappedFeedbackIsAnAggregateReport(t *testing.T) {
	for _, tc := range []struct {
		in     string
		kind   mapping.Kind
		reject string
	}{
		{`<?xml version="1.0"?><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">` + "\n<feedback><x/></feedback>", mapping.KindAggregate, ""},
		{`<stray/><dmarc:feedback xmlns:dmarc="urn:x"></dmarc:feedback>`, mapping.KindAggregate, ""},
		{`<html><body>feedback</body></html>`, "", "r.xml: unknown content: XML root element <html> is not <feedback>"},
		{`<feedbackform/>`, "", "r.xml: unknown content: XML root element <feedbackform> is not <feedback>"},
	} {
		var kinds []mapping.Kind
		var rejects []string
		err := Walk(context.Background(), bytes.NewReader([]byte(tc.in)), "r.xml", Options{}, func(_ context.Context, p Part) error {
			kinds = append(kinds, p.Kind)
			return nil
		}, func(n string, r error) { rejects = append(rejects, n+": "+r.Error()) })
		if err != nil {
			t.Fatal(err)
		}
		if tc.reject != "" {
			if len(rejects) != 1 || rejects[0] != tc.reject || kinds != nil {
				t.Errorf("%s: kinds %v rejects %q, want %q", tc.in, kinds, rejects, tc.reject)
			}
			continue
		}
		if len(kinds) != 1 || kinds[0] != tc.kind || rejects != nil {
			t.Errorf("%s: kinds %v rejects %q", tc.in, kinds, rejects)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
