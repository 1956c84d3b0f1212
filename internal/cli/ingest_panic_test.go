package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// panicOn is an enricher with a bug that one report sets off.
type panicOn string

func (id panicOn) Aggregate(_ context.Context, docs []*mapping.AggregateDoc) {
	if len(docs) > 0 && docs[0].Report.ID == string(id) {
		panic("injected enricher bug")
	}
}
func (panicOn) Sources(context.Context, []*mapping.Source) {}
func (panicOn) Close() error                               { return nil }

// TestIngestPanicIsARejection: under `ingest` a panic while a report is
// processed rejects that file with a reason, as under `run`, and the next
// file is still delivered.
func TestIngestPanicIsARejection(t *testing.T) {
	boom := filepath.Join(samples, "v6only.example!example.com!1709251200!1709337599.xml")
	ok := filepath.Join(samples, "receiver-two.example!example.org!1767225600!1767311999.xml")
	p := pipeline.New(pipeline.DefaultConfig(), pipeline.Deps{Output: output.Discard{}, Enricher: panicOn("v6-1709251200"), Prefix: "dmarc"})
	in := make(chan collector.Message, 2)
	for _, path := range []string{boom, ok} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		in <- fileMessage(path, info)
	}
	close(in)
	var results []pipeline.Result
	processAll(context.Background(), p, in, 2, true, func(r pipeline.Result) { results = append(results, r) })
	if len(results) != 2 {
		t.Fatalf("%d results, want 2", len(results))
	}
	want := "internal error: panic while processing the report: injected enricher bug"
	if r := results[0]; !r.Outcome.Rejected() || len(r.Rejected) != 1 || r.Rejected[0].Reason != want || r.Rejected[0].Path != boom {
		t.Errorf("first file: outcome %v, rejections %+v; want rejected with %q", r.Outcome.Err, r.Rejected, want)
	}
	if r := results[1]; !r.Outcome.Delivered() || r.Documents == 0 {
		t.Errorf("second file: outcome %v, %d documents; want delivered", r.Outcome.Err, r.Documents)
	}
	if !strings.Contains(results[0].Outcome.Reason, want) {
		t.Errorf("outcome reason %q does not say why", results[0].Outcome.Reason)
	}
}
