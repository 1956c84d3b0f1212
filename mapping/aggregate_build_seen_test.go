package mapping

import (
	"crypto/sha256"
	"net/netip"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping/internal/seen"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
)

// With the count of identical records spilling to disk (a bound of 16
// distinct records in memory), a report's ids are exactly those of
// NewIDBuilder with the ordinal a plain map gives, as without spilling.
func TestIDsWithBoundedSeenMatchAMap(t *testing.T) {
	rep := &aggregate.Report{Schema: aggregate.SchemaRFC7489,
		Metadata: aggregate.Metadata{OrgName: "google.com", ReportID: "big", Begin: time.Unix(1700006400, 0), End: time.Unix(1700092799, 0)},
		Policy:   aggregate.Policy{Domain: "example.com"}}
	bounded := NewAggregateBuilder("", rep)
	bounded.seen = seen.New(16, t.TempDir())
	defer bounded.Close()
	plain := NewAggregateBuilder("", rep)
	defer plain.Close()
	counts := map[[sha256.Size]byte]int64{}
	dups := 0
	for i := range 6000 {
		// Records i and i+3880 are identical (lcm of 40 and 97); record
		// 7 of each hundred is the same one every time.
		rec := &aggregate.Record{SourceIP: netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 40)}), Count: int64(i%97 + 1), DKIM: "pass", SPF: "fail"}
		if i%100 == 7 {
			rec = &aggregate.Record{SourceIP: netip.MustParseAddr("2001:db8::7"), Count: 1, DKIM: "fail", SPF: "fail"}
		}
		sum := sha256.Sum256(appendRecord(nil, rec))
		want := NewIDBuilder(KindAggregate).String(bounded.reportKey).String(string(sum[:])).Int(counts[sum]).Sum()
		if counts[sum] > 0 {
			dups++
		}
		counts[sum]++
		_, _, got := bounded.Build(rec)
		_, _, inMemory := plain.Build(rec)
		if got != want || inMemory != want {
			t.Fatalf("record %d: id %s spilling, %s in memory, want %s", i, got, inMemory, want)
		}
	}
	if err := bounded.Err(); err != nil {
		t.Fatal(err)
	}
	if bounded.seen.Spilled() == 0 || plain.seen.Spilled() != 0 || dups < 2000 {
		t.Fatalf("spilled %d runs (in memory: %d), %d duplicates: the test does not test", bounded.seen.Spilled(), plain.seen.Spilled(), dups)
	}
}
