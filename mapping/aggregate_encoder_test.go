package mapping_test

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// checkEncoder fails unless enc writes what d.AppendJSON writes (appending
// to what dst held), or both refuse d.
func checkEncoder(t *testing.T, enc *mapping.AggregateEncoder, d *mapping.AggregateDoc) {
	t.Helper()
	want, werr := d.AppendJSON([]byte("dst"))
	got, gerr := enc.AppendJSON([]byte("dst"), d)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("AppendJSON error %v, encoder error %v", werr, gerr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("encoder differs from AppendJSON:\n got %s\nwant %s", got, want)
	}
}

// prefixChanges each change one member of the report/policy prefix, so
// that a document differs from the one before by that member only.
var prefixChanges = []func(d *mapping.AggregateDoc){
	func(d *mapping.AggregateDoc) { d.Timestamp = d.Timestamp.Add(time.Second) },
	func(d *mapping.AggregateDoc) { d.Timestamp = d.Timestamp.In(time.FixedZone("F", 3600)) },
	func(d *mapping.AggregateDoc) { d.Report.OrgName += "x" },
	func(d *mapping.AggregateDoc) { d.Report.OrgEmail += "x" },
	func(d *mapping.AggregateDoc) { d.Report.ExtraContactInfo += "x" },
	func(d *mapping.AggregateDoc) { d.Report.ID += "x" },
	func(d *mapping.AggregateDoc) { d.Report.Begin = d.Report.Begin.Add(time.Nanosecond) },
	func(d *mapping.AggregateDoc) { d.Report.End = d.Report.End.Add(-time.Hour) },
	func(d *mapping.AggregateDoc) {
		d.Report.Errors = append(d.Report.Errors[:len(d.Report.Errors):len(d.Report.Errors)], "e")
	},
	func(d *mapping.AggregateDoc) { d.Report.Generator += "x" },
	func(d *mapping.AggregateDoc) { d.Report.Schema += "x" },
	func(d *mapping.AggregateDoc) { d.Report.Repairs = []string{"r"} },
	func(d *mapping.AggregateDoc) { d.Policy.Domain += "x" },
	func(d *mapping.AggregateDoc) { d.Policy.ADKIM += "x" },
	func(d *mapping.AggregateDoc) { d.Policy.ASPF += "x" },
	func(d *mapping.AggregateDoc) { d.Policy.P += "x" },
	func(d *mapping.AggregateDoc) { d.Policy.SP += "x" },
	func(d *mapping.AggregateDoc) { d.Policy.NP += "x" },
	func(d *mapping.AggregateDoc) {
		pct := 7
		if d.Policy.Pct != nil {
			pct = *d.Policy.Pct + 1
		}
		d.Policy.Pct = &pct
	},
	func(d *mapping.AggregateDoc) { d.Policy.Pct = nil },
	func(d *mapping.AggregateDoc) { d.Policy.FO += "x" },
	func(d *mapping.AggregateDoc) { d.Policy.Testing += "x" },
	func(d *mapping.AggregateDoc) { d.Policy.DiscoveryMethod += "x" },
}

// TestAggregateEncoderRandom is the property: over a sequence of random
// documents in which a document shares the report of the one before, or
// differs from it by one prefix member, or is new, the encoder writes what
// AppendJSON writes.
func TestAggregateEncoderRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 29))
	var enc mapping.AggregateEncoder
	prev := randomDoc(r)
	checkEncoder(t, &enc, prev)
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		d := randomDoc(r)
		switch r.IntN(3) {
		case 0: // another record of the same report
			d.Timestamp, d.Report, d.Policy = prev.Timestamp, prev.Report, prev.Policy
		case 1: // the same report but for one member
			d.Timestamp, d.Report, d.Policy = prev.Timestamp, prev.Report, prev.Policy
			prefixChanges[r.IntN(len(prefixChanges))](d)
		}
		checkEncoder(t, &enc, d)
		prev = d
	}
}

// TestAggregateEncoderEveryMember changes each prefix member in turn on a
// fully filled document: each change must show in the output.
func TestAggregateEncoderEveryMember(t *testing.T) {
	d := &mapping.AggregateDoc{Timestamp: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}
	d.Report.Begin, d.Report.End = d.Timestamp, d.Timestamp.Add(24*time.Hour)
	fillAll(d, "v")
	var enc mapping.AggregateEncoder
	checkEncoder(t, &enc, d)
	for i, change := range prefixChanges {
		before, _ := d.AppendJSON(nil)
		change(d)
		after, _ := d.AppendJSON(nil)
		if bytes.Equal(before, after) {
			t.Fatalf("change %d does not change the document", i)
		}
		checkEncoder(t, &enc, d)
	}
}

// TestAggregateEncoderSliceReused: a caller that rewrites the Errors or
// Repairs it passed before (a recycled slice) gets the new values.
func TestAggregateEncoderSliceReused(t *testing.T) {
	errs, repairs := []string{"first"}, []string{"alias_x"}
	d := &mapping.AggregateDoc{Report: mapping.ReportMeta{ID: "1", Errors: errs, Repairs: repairs}}
	var enc mapping.AggregateEncoder
	checkEncoder(t, &enc, d)
	errs[0] = "second"
	checkEncoder(t, &enc, d)
	repairs[0] = "alias_y"
	checkEncoder(t, &enc, d)
	pct := 50
	d.Policy.Pct = &pct
	checkEncoder(t, &enc, d)
	pct = 100
	checkEncoder(t, &enc, d)
}

// TestAggregateEncoderError: a document AppendJSON refuses is refused, and
// the next one is written whole.
func TestAggregateEncoderError(t *testing.T) {
	bad := &mapping.AggregateDoc{Timestamp: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	var enc mapping.AggregateEncoder
	if _, err := enc.AppendJSON(nil, bad); err == nil {
		t.Fatal("no error for a year past 9999")
	}
	good := &mapping.AggregateDoc{Timestamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	checkEncoder(t, &enc, good)
	bad.Report = good.Report
	checkEncoder(t, &enc, bad)
	checkEncoder(t, &enc, good)
}
