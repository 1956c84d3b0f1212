package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/files"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output/file"
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

// messages is a source of the given messages, for tests.
type messages []collector.Message

func (messages) Name() string { return "file" }
func (m messages) Run(ctx context.Context, out chan<- collector.Message, _ bool) error {
	for _, msg := range m {
		select {
		case out <- msg:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// runStack runs src through the stack's engine, as ingest does, and
// returns each message's result in the order the observer saw them.
func runStack(t *testing.T, st *stack, src collector.Source) []pipeline.Result {
	t.Helper()
	var results []pipeline.Result
	r := st.runner(pipeline.DefaultConfig(), []collector.Source{src}, nil, nil)
	r.Observe(func(_ collector.Message, pr *pipeline.Prepared, out collector.Outcome) {
		res := pr.Result()
		res.Outcome = out
		results = append(results, res)
	})
	if err := r.Run(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	return results
}

// TestIngestPanicIsARejection: under `ingest` (the engine, ordered for
// NDJSON files, several workers) a panic while a report is processed
// rejects that file with a reason, as under `run`, and the next file is
// still delivered.
func TestIngestPanicIsARejection(t *testing.T) {
	boom := filepath.Join(samples, "v6only.example!example.com!1709251200!1709337599.xml")
	ok := filepath.Join(samples, "receiver-two.example!example.org!1767225600!1767311999.xml")
	fo, err := file.New(file.Config{Dir: t.TempDir()}, file.Truncate, false)
	if err != nil {
		t.Fatal(err)
	}
	defer fo.Close(context.Background())
	cfg := pipeline.DefaultConfig()
	cfg.Workers = 2
	p := pipeline.New(cfg, pipeline.Deps{Output: fo, Enricher: panicOn("v6-1709251200"), Prefix: "dmarc"}).OneShot()
	results := runStack(t, &stack{pipeline: p, files: fo, out: fo}, files.New([]string{boom, ok}))
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
