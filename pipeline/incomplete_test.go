package pipeline

import (
	"context"
	"errors"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// What a file cut short gives (XML, gzip, zip, each cut mid-way) is a
// rejection marked incomplete, so that a watched folder can wait for its
// writer; input that is wrong whatever its length is not.
func TestCutShortInputIsMarkedIncomplete(t *testing.T) {
	xml := aggXML("cut", 20)
	gzData := gz(t, xml)
	zipData := zipOf(t, map[string]string{"r.xml": xml}, "r.xml")
	for _, tc := range []struct {
		name       string
		data       []byte
		incomplete bool
	}{
		{"xml cut in a record", []byte(xml[:len(xml)/2]), true},
		{"xml cut in a tag", []byte(xml[:len(xml)/2] + "<reco"), true},
		{"gzip cut", gzData[:len(gzData)/2], true},
		{"zip cut", zipData[:len(zipData)/2], true},
		{"garbage", []byte("not a report at all"), false},
		{"wrong root", []byte("<html><body>hello</body></html>"), false},
		{"record without count", []byte(`<feedback><report_metadata><org_name>x</org_name><email>a@x</email><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published><record><row><source_ip>192.0.2.1</source_ip><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record></feedback>`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPipeline(&memOutput{}, nil, 1<<20)
			res := p.Deliver(context.Background(), p.Prepare(context.Background(), message("m", tc.data)))
			if !res.Outcome.Rejected() {
				t.Fatalf("outcome %v, want a rejection", res.Outcome.Err)
			}
			if got := errors.Is(res.Outcome.Err, collector.ErrIncomplete); got != tc.incomplete {
				t.Errorf("incomplete = %v, want %v; reason %q", got, tc.incomplete, res.Outcome.Reason)
			}
		})
	}
}
