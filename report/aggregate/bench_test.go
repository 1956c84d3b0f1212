package aggregate

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"testing"
)

func benchParse(b *testing.B, docs [][]byte, recsPer int) {
	var size int64
	for _, d := range docs {
		size += int64(len(d))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var sink int64
	b.ResetTimer()
	for b.Loop() {
		for _, d := range docs {
			n, err := Parse(bytes.NewReader(d), func(rep *Report, rec *Record) error {
				sink += rec.Count
				return nil
			})
			if err != nil || n != recsPer {
				b.Fatalf("Parse = %d, %v", n, err)
			}
		}
	}
	b.ReportMetric(float64(len(docs)*recsPer)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	_ = sink
}

// BenchmarkParseLarge parses one synthetic report of 20,000 records.
func BenchmarkParseLarge(b *testing.B) {
	benchParse(b, [][]byte{synthReport(20000, "large")}, 20000)
}

// BenchmarkParseManySmall parses 1,000 reports of 3 records each, as a
// mailbox of small receivers' reports gives.
func BenchmarkParseManySmall(b *testing.B) {
	docs := make([][]byte, 1000)
	for i := range docs {
		docs[i] = synthReport(3, fmt.Sprint("small-", i))
	}
	benchParse(b, docs, 3)
}

// BenchmarkEncodingXMLTokens is the baseline the scanner replaces: only
// reading the tokens of the large report with encoding/xml, building nothing.
func BenchmarkEncodingXMLTokens(b *testing.B) {
	doc := synthReport(20000, "large")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(doc))
		for {
			if _, err := d.RawToken(); err != nil {
				break
			}
		}
	}
	b.ReportMetric(20000*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
