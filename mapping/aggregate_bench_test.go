package mapping_test

import (
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
)

// BenchmarkAggregateBuild measures building one document (fields and id)
// from a parsed record, the step after aggregate.Parse.
func BenchmarkAggregateBuild(b *testing.B) {
	rep := &aggregate.Report{Schema: aggregate.SchemaRFC7489,
		Metadata: aggregate.Metadata{OrgName: "google.com", Email: "noreply-dmarc-support@google.com", ReportID: "12893640155486474387",
			Begin: time.Unix(1700006400, 0), End: time.Unix(1700092799, 0)},
		Policy: aggregate.Policy{Domain: "example.com", ADKIM: "r", ASPF: "r", P: "quarantine"}}
	rec := &aggregate.Record{
		SourceIP: mustAddr("198.51.100.14"), Count: 7, Disposition: "none", DKIM: "pass", SPF: "fail", HeaderFrom: "example.com",
		DKIMResults: []aggregate.DKIMResult{{Domain: "example.com", Selector: "s1", Result: "pass"}, {Domain: "esp.example.net", Selector: "esp2023", Result: "pass"}},
		SPFResults:  []aggregate.SPFResult{{Domain: "bounces.esp.example.net", Result: "pass"}},
	}
	bld := mapping.NewAggregateBuilder("", rep)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rec.Count = int64(i) // distinct records, as in a real report
		bld.Build(rec)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
