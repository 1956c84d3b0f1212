package failure

import (
	"bytes"
	"net/mail"
	"net/textproto"
	"os"
	"testing"
)

func TestLooks(t *testing.T) {
	textOnly, err := os.ReadFile("testdata/text_only.eml")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(textOnly))
	if err != nil {
		t.Fatal(err)
	}
	body := parseEntity(textOnly).decodedBody()
	for _, tc := range []struct {
		name   string
		header map[string][]string
		body   string
		want   bool
	}{
		{"text-only fixture", msg.Header, string(body), true},
		{"arf content type", textproto.MIMEHeader{"Content-Type": {`multipart/report; report-type="feedback-report"; boundary=x`}}, "", true},
		{"content type any case", map[string][]string{"content-type": {"Multipart/Report; Report-Type=Feedback-Report"}}, "", true},
		{"delivery report", textproto.MIMEHeader{"Content-Type": {"multipart/report; report-type=delivery-status; boundary=x"}}, "Reporting-MTA: dns; mx\nArrival-Date: x\n", false},
		{"feedback type line", nil, "  Feedback-Type: auth-failure\r\n", true},
		{"abuse", nil, "Feedback-Type: abuse\n", false},
		{"two fields with source", nil, "Source-IP: 192.0.2.1\nAuth-Failure: spf\n", true},
		{"two fields with domain", nil, "Reported-Domain: example.com\nArrival-Date: today\n", true},
		{"two fields no key", nil, "Auth-Failure: spf\nArrival-Date: today\n", false},
		{"one field", nil, "Source-IP: 192.0.2.1\n", false},
		{"aggregate report mail", nil, "Report Domain: example.com\nSubmitter: google.com\nReport-ID: 123\n", false},
		{"nothing", nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Looks(tc.header, []byte(tc.body)); got != tc.want {
				t.Errorf("Looks = %v, want %v", got, tc.want)
			}
		})
	}
}
