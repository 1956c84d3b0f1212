package cli

import (
	"context"
	"iter"
	"os"

	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// discardOutput acknowledges every document and keeps none. `ingest
// --discard` uses it to measure decoding, parsing, enrichment and encoding
// alone (scripts/bench.sh).
type discardOutput struct{}

func (discardOutput) Write(_ context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	var res output.Result
	for _, err := range docs {
		if err != nil {
			return res, err
		}
		res.Indexed++
	}
	return res, nil
}

func (discardOutput) Ready(context.Context) error { return nil }
func (discardOutput) Close(context.Context) error { return nil }

// discardConfig makes the configured output inert before the stack is
// built: no OpenSearch connection, and the NDJSON output (never written)
// pointed at the temporary directory instead of creating ./dmarc-out.
func discardConfig(cfg *config.Config) {
	cfg.Output.OpenSearch.URLs = nil
	cfg.Output.File.Dir = os.TempDir()
}

// discard swaps the stack's output for discardOutput.
func (s *stack) discard() {
	s.pipeline = s.pipeline.WithOutput(discardOutput{})
	s.files = nil
}
