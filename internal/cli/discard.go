package cli

import (
	"os"

	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// discardConfig makes the configured output inert before the stack is
// built: no OpenSearch connection, and the NDJSON output (never written)
// pointed at the temporary directory instead of creating ./dmarc-out.
func discardConfig(cfg *config.Config) {
	cfg.Output.OpenSearch.URLs = nil
	cfg.Output.File.Dir = os.TempDir()
}

// discard swaps the stack's output for output.Discard.
func (s *stack) discard() {
	s.pipeline = s.pipeline.WithOutput(output.Discard{})
	s.files = nil
}
