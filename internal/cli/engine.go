package cli

import (
	"log/slog"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/engine"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// runner returns the engine over the stack's pipeline, for `run` and
// `ingest` alike. With the NDJSON output, messages are delivered in the
// order they arrived (same inputs, same bytes), still parsed in parallel;
// m may be nil.
func (s *stack) runner(cfg pipeline.Config, sources []collector.Source, logger *slog.Logger, m *engine.RunMetrics) *engine.Runner[*pipeline.Prepared] {
	ec := engine.Config{
		InFlight:      cfg.EffectiveInFlight(),
		QueueSize:     cfg.QueueSize,
		ShutdownGrace: cfg.ShutdownGrace,
		Ordered:       s.files != nil,
	}
	return engine.NewRunner(ec, s.pipeline.Staged(), sources, logger, m)
}
