package decode

import (
	"archive/zip"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

// TestRejectionsCarryTheirClass: the rejecter gets errors that match their
// class with errors.Is, whatever their wording.
func TestRejectionsCarryTheirClass(t *testing.T) {
	big := []byte("<feedback>" + strings.Repeat("x", 200) + "</feedback>")
	for _, tc := range []struct {
		name, input string
		opt         Options
		want        error // nil: neither class
		reason      string
	}{
		{"zip", string(zipOf(zip.Deflate, entry{"big.xml", big})), Options{MaxBytes: 100}, kind.ErrTooLarge,
			"zip/big.xml: payload too large: zip entry of 221 bytes (limit 100)"},
		{"mail.eml", mail([]string{"Subject: hello", "Content-Type: text/plain"}, "just text\r\n"), Options{}, kind.ErrNoReport,
			"mail.eml: no report found in message"},
		{"gz", string(gz([]byte("garbage"))[:12]), Options{}, nil, ""},
		{"empty", "", Options{}, nil, "empty: empty input"},
	} {
		var got []error
		var reasons []string
		err := Walk(context.Background(), strings.NewReader(tc.input), tc.name, tc.opt,
			func(context.Context, Part) error { return nil },
			func(name string, err error) { got = append(got, err); reasons = append(reasons, name+": "+err.Error()) })
		if err != nil || len(got) != 1 {
			t.Errorf("%s: Walk = %v, rejections %q; want one", tc.name, err, reasons)
			continue
		}
		if tc.reason != "" && reasons[0] != tc.reason {
			t.Errorf("%s: reason %q, want %q", tc.name, reasons[0], tc.reason)
		}
		for _, class := range []error{kind.ErrTooLarge, kind.ErrNoReport} {
			if is := errors.Is(got[0], class); is != (class == tc.want) {
				t.Errorf("%s: errors.Is(%q, %v) = %v", tc.name, got[0], class, is)
			}
		}
	}
}
