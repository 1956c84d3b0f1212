package mapping_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// benchDoc is a typical enriched document: a Google report's record with
// two DKIM signatures, geo, AS and sender.
func benchDoc(b *testing.B) *mapping.AggregateDoc {
	o := ingestFile(&testing.T{}, "google.xml")
	var d *mapping.AggregateDoc
	for _, l := range o.lines {
		if l.Doc != nil && len(l.Doc.Auth.DKIM.Domains) > 1 {
			d = l.Doc
		}
	}
	if d == nil {
		b.Fatal("no document with two DKIM signatures in google.xml")
	}
	enrichLike(d, 0)
	return d
}

// BenchmarkEncodeAggregateAppendJSON is the encoder the pipeline uses.
func BenchmarkEncodeAggregateAppendJSON(b *testing.B) {
	d := benchDoc(b)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = d.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkEncodeAggregateEncodingJSON is the encoder it replaced:
// json.Encoder with SetEscapeHTML(false) into a reused buffer.
func BenchmarkEncodeAggregateEncodingJSON(b *testing.B) {
	d := benchDoc(b)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := enc.Encode(d); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
