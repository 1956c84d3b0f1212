package mapping

import (
	"crypto/sha256"
	"net/netip"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
)

// TestBuildIDMatchesIDBuilder: Build derives ids without an IDBuilder; they
// must stay what NewIDBuilder gives for the same fields, for ordinals of one
// and several digits.
func TestBuildIDMatchesIDBuilder(t *testing.T) {
	rep := &aggregate.Report{Schema: aggregate.SchemaRFC7489,
		Metadata: aggregate.Metadata{OrgName: "google.com", ReportID: "123", Begin: time.Unix(1700006400, 0), End: time.Unix(1700092799, 0)},
		Policy:   aggregate.Policy{Domain: "example.com"}}
	recs := []*aggregate.Record{
		{SourceIP: netip.MustParseAddr("192.0.2.1"), Count: 3, DKIM: "pass", SPF: "fail"},
		{SourceIP: netip.MustParseAddr("2001:db8::1"), Count: 1, Reasons: []aggregate.Reason{{Type: "forwarded"}},
			DKIMResults: []aggregate.DKIMResult{{Domain: "example.com", Result: "pass"}}},
	}
	b := NewAggregateBuilder("", rep)
	for _, rec := range recs {
		sum := sha256.Sum256(appendRecord(nil, rec))
		for ordinal := range 12 { // the same record again and again: ordinals 0..11
			_, _, got := b.Build(rec)
			want := NewIDBuilder(KindAggregate).String(b.reportKey).String(string(sum[:])).Int(int64(ordinal)).Sum()
			if got != want {
				t.Fatalf("ordinal %d: id %s, IDBuilder gives %s", ordinal, got, want)
			}
		}
	}
}
