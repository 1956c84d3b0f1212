package mapping_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/enrich/verdict"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
	"github.com/dmarc-agent/dmarc-agent/report/decode"
)

// line is one line of a golden file: a document with its index and id, a
// payload of another kind, or a rejection.
type line struct {
	Index    string                `json:"index,omitempty"`
	ID       string                `json:"id,omitempty"`
	Doc      *mapping.AggregateDoc `json:"doc,omitempty"`
	Part     string                `json:"part,omitempty"`
	Kind     mapping.Kind          `json:"kind,omitempty"`
	Rejected string                `json:"rejected,omitempty"`
	Reason   string                `json:"reason,omitempty"`
	// Repairs are the container repairs of the report named by Part.
	Repairs []string `json:"repairs,omitempty"`
}

type outcome struct {
	lines    []line
	reports  int
	docs     int
	messages int64
	rejects  []string // "name: reason"
}

// ingest does what the pipeline does with one input: walk it, parse each
// aggregate report, build its documents, keep a rejected report's documents
// out.
func ingest(t *testing.T, r *bytes.Reader, name string) outcome {
	t.Helper()
	var o outcome
	reject := func(name string, err error) {
		reason := err.Error()
		o.lines = append(o.lines, line{Rejected: name, Reason: reason})
		o.rejects = append(o.rejects, name+": "+reason)
	}
	err := decode.Walk(context.Background(), r, name, decode.Options{}, func(_ context.Context, p decode.Part) error {
		if p.Kind != mapping.KindAggregate {
			o.lines = append(o.lines, line{Part: p.Name, Kind: p.Kind})
			return nil
		}
		var b *mapping.AggregateBuilder
		var docs []line
		var msgs int64
		_, err := aggregate.Parse(p.Body, func(rep *aggregate.Report, rec *aggregate.Record) error {
			if b == nil {
				b = mapping.NewAggregateBuilder("", rep)
			}
			doc, index, id := b.Build(rec)
			verdict.Derive(doc) // as the pipeline does
			docs = append(docs, line{Index: index, ID: id, Doc: doc})
			msgs += rec.Count
			return nil
		})
		if err == nil {
			// As the pipeline: read to the end, where gzip checks its
			// checksum and container repairs are found.
			if _, derr := io.Copy(io.Discard, p.Body); derr != nil {
				err = fmt.Errorf("reading the rest of the report: %w", derr)
			}
		}
		if err != nil {
			reject(p.Name, err)
			return nil
		}
		o.lines = append(o.lines, docs...)
		if r := p.Repairs(); r != nil {
			o.lines = append(o.lines, line{Part: p.Name, Repairs: r})
		}
		o.reports++
		o.docs += len(docs)
		o.messages += msgs
		return nil
	}, reject)
	if err != nil {
		t.Fatalf("Walk(%s) = %v", name, err)
	}
	return o
}

func ingestFile(t *testing.T, name string) outcome {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reports", name))
	if err != nil {
		t.Fatal(err)
	}
	return ingest(t, bytes.NewReader(b), name)
}

func (o outcome) ndjson(t *testing.T) []byte {
	var buf bytes.Buffer
	for _, l := range o.lines {
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

const googleGz = "google.com!example.com!1700006400!1700092799.xml.gz"

// fixtures lists every file of testdata/reports with what it must give;
// the counts and sums are worked out by hand from the sources in
// testdata/src.
var fixtures = []struct {
	file              string
	reports, docs     int
	messages          int64
	rejects           []string
	ids               string // fixtures with the same ids share a group name
	wantIndex, schema string
}{
	{"google.xml", 1, 5, 99, nil, "google", "dmarc-aggregate-2023.11", "rfc7489"},
	{googleGz, 1, 5, 99, nil, "google", "dmarc-aggregate-2023.11", "rfc7489"},
	{"google.zip", 1, 5, 99, nil, "google", "dmarc-aggregate-2023.11", "rfc7489"},
	{"google.eml", 1, 5, 99, nil, "google", "dmarc-aggregate-2023.11", "rfc7489"},
	{"microsoft.zip", 1, 3, 14, nil, "", "dmarc-aggregate-2023.11", "rfc7489"},
	{"yahoo.eml", 1, 2, 10, nil, "", "dmarc-aggregate-2023.11", "draft"},
	{"rfc9990.xml", 1, 2, 128, nil, "", "dmarc-aggregate-2026.01", "rfc9990"},
	{"rfc9990-version2.eml", 1, 1, 2, nil, "", "dmarc-aggregate-2026.01", "rfc9990"},
	{"draft.xml", 1, 2, 5, nil, "", "dmarc-aggregate-2023.11", "draft"},
	{"ipv6-exchange.eml", 1, 3, 21, nil, "", "dmarc-aggregate-2024.03", "rfc7489"},
	{"mixed-case.xml", 1, 2, 8, nil, "mixed", "dmarc-aggregate-2023.11", "rfc7489"},
	{"latin1.xml", 1, 1, 15, nil, "", "dmarc-aggregate-2023.11", "rfc7489"},
	{"invalid-utf8.xml", 1, 1, 1, nil, "", "dmarc-aggregate-2023.11", "rfc7489"},
	{"billion-laughs.xml", 1, 1, 1, nil, "", "dmarc-aggregate-2023.11", "rfc7489"},
	{"inline.eml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"forwarded.eml", 1, 2, 8, nil, "mixed", "dmarc-aggregate-2023.11", "rfc7489"},
	{"reports.mbox", 2, 6, 100, []string{"reports.mbox/#2: no report found in message"}, "", "dmarc-aggregate-2023.11", ""},

	{"empty.xml", 0, 0, 0, []string{"empty.xml: empty input"}, "", "", ""},
	{"newsletter.eml", 0, 0, 0, []string{"newsletter.eml: no report found in message"}, "", "", ""},
	{"corrupt.xml.gz", 0, 0, 0, []string{"corrupt.xml.gz: gzip data: flate: corrupt input before offset 8"}, "", "", ""},
	{"truncated.xml.gz", 0, 0, 0, []string{"truncated.xml.gz: reading report: truncated gzip data: unexpected EOF"}, "", "", ""},
	{"truncated.zip", 0, 0, 0, []string{"truncated.zip: corrupt or truncated zip: zip: not a valid zip file"}, "", "", ""},
	{"zip-bomb.zip", 0, 0, 0, []string{"zip-bomb.zip/bomb.xml: payload too large: zip entry of 104857600 bytes (limit 67108864)"}, "", "", ""},
	{"gzip-bomb.xml.gz", 0, 0, 0, []string{"gzip-bomb.xml.gz: reading report: payload too large: more than 67108864 bytes after decompression"}, "", "", ""},
	{"gigantic-attribute.xml.gz", 0, 0, 0, []string{"gigantic-attribute.xml.gz: XML: markup longer than 1048576 bytes (gigantic attribute?)"}, "", "", ""},
	{"no-report-id.xml", 0, 0, 0, []string{"no-report-id.xml: missing report_id"}, "", "", ""},
	{"no-records.xml", 0, 0, 0, []string{"no-records.xml: no records"}, "", "", ""},
	{"begin-after-end.xml", 0, 0, 0, []string{"begin-after-end.xml: date_range begin 2023-11-15T23:59:59Z is after end 2023-11-15T00:00:00Z"}, "", "", ""},
	{"bad-source-ip.xml", 1, 1, 1, nil, "", "dmarc-aggregate-2023.11", "rfc7489"},
	{"missing-count.xml", 0, 0, 0, []string{"missing-count.xml: record 1: missing count"}, "", "", ""},
	{"truncated.xml", 0, 0, 0, []string{"truncated.xml: XML truncated: end of input inside <dkim>"}, "", "", ""},

	// What real receivers send (issue 14): read, with what was repaired.
	// The small report repaired in any container keeps its ids.
	{"gzip-trailing-crlf.xml.gz", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"gzip-trailing-zeros.xml.gz", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"gzip-two-members.xml.gz", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"gzip-trailing.eml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"gzip-trailing.zip", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"xs-schema.xml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"xs-schema.xml.gz", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"xs-schema.zip", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"xs-schema.eml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"stray-element.xml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"data-range.xml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"data-range.xml.gz", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"data-range.zip", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"data-range.eml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"version-0.1.xml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "draft"},
	{"version-0.xml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "draft"},
	{"unterminated.eml", 1, 1, 1, nil, "small", "dmarc-aggregate-2023.11", "rfc7489"},
	{"unterminated-truncated.eml", 0, 0, 0, []string{"unterminated-truncated.eml/tiny.xml.gz: reading report: truncated gzip data: unexpected EOF"}, "", "", ""},
	{"epoch-1970.xml", 1, 1, 1, nil, "", "dmarc-aggregate-1970.01", "rfc7489"},
	{"odd-source-ips.xml", 1, 5, 17, nil, "odd", "dmarc-aggregate-2023.11", "rfc7489"},
	{"odd-source-ips.xml.gz", 1, 5, 17, nil, "odd", "dmarc-aggregate-2023.11", "rfc7489"},
	{"no-policy-dkim.xml", 1, 5, 21, nil, "old", "dmarc-aggregate-2023.11", "draft"},
	{"no-policy-dkim.eml", 1, 5, 21, nil, "old", "dmarc-aggregate-2023.11", "draft"},
}

func TestAggregateGolden(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "reports"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, f := range fixtures {
		listed[f.file] = true
	}
	for _, e := range entries {
		if !listed[e.Name()] {
			t.Errorf("fixture %s has no entry in the fixtures table", e.Name())
		}
	}
	idsOf := map[string][]string{} // group -> ids of its first fixture
	seen := map[string]string{}    // id -> fixture
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			o := ingestFile(t, f.file)
			if o.reports != f.reports || o.docs != f.docs || o.messages != f.messages {
				t.Errorf("reports, documents, messages = %d, %d, %d; want %d, %d, %d", o.reports, o.docs, o.messages, f.reports, f.docs, f.messages)
			}
			if !slices.Equal(o.rejects, f.rejects) {
				t.Errorf("rejects = %q\nwant %q", o.rejects, f.rejects)
			}
			var ids []string
			for _, l := range o.lines {
				if l.Doc == nil {
					continue
				}
				ids = append(ids, l.ID)
				if l.Index != f.wantIndex {
					t.Errorf("index = %q, want %q", l.Index, f.wantIndex)
				}
				if f.schema != "" && l.Doc.Report.Schema != f.schema {
					t.Errorf("schema = %q, want %q", l.Doc.Report.Schema, f.schema)
				}
				if len(l.ID) != 32 {
					t.Errorf("id %q is not 32 characters", l.ID)
				}
			}
			if f.ids != "" {
				if prev, ok := idsOf[f.ids]; ok {
					if !slices.Equal(ids, prev) {
						t.Errorf("ids differ from the same report in another container:\n%q\n%q", ids, prev)
					}
				} else {
					idsOf[f.ids] = ids
				}
			}
			for _, id := range ids {
				if other, dup := seen[id]; dup && (f.ids == "" || other != f.ids) && f.file != "reports.mbox" {
					t.Errorf("id %s also in %s", id, other)
				}
				if f.ids != "" {
					seen[id] = f.ids
				} else if _, dup := seen[id]; !dup {
					seen[id] = f.file
				}
			}
			checkGolden(t, f.file, o.ndjson(t))
		})
	}
	// The mbox holds the Google report and the tiny one: their ids again.
	mb := ingestFile(t, "reports.mbox")
	var got []string
	for _, l := range mb.lines {
		if l.Doc != nil {
			got = append(got, l.ID)
		}
	}
	if want := append(slices.Clone(idsOf["google"]), idsOf["small"]...); !slices.Equal(got, want) {
		t.Errorf("mbox ids = %q\nwant %q", got, want)
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", strings.ReplaceAll(name, "!", "_")+".ndjson")
	if *mapping.Update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}
