package cli

// The parts of `run` that come from other packages' constructors. Kept apart
// so that wiring a newly landed constructor touches only this file.

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
	"github.com/dmarc-agent/dmarc-agent/collector/imap"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output/file"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// buildProcessor returns the message processor (the shared stack: output,
// enrichment, pipeline), appending to NDJSON files when no cluster is set.
func buildProcessor(ctx context.Context, cfg config.Config, logger *slog.Logger, reg prometheus.Registerer, arch pipeline.Archiver) (*stack, error) {
	st, err := newStack(ctx, cfg, logger, reg, file.Append, arch)
	if err != nil {
		return nil, err
	}
	// An agent idle after a backlog gives the memory it grew back to the OS.
	st.pipeline = st.pipeline.ReleasingMemoryWhenIdle(idleRelease)
	return st, nil
}

// idleRelease is how long `run` waits with no message in flight before it
// gives memory back to the OS.
const idleRelease = 10 * time.Second

// newGmailSource returns the Gmail source.
func newGmailSource(ctx context.Context, cfg config.Config, logger *slog.Logger, reg prometheus.Registerer) (collector.Source, error) {
	return gmail.New(ctx, cfg.Sources.Gmail, gmail.Options{}, logger, reg)
}

// newIMAPSource returns the IMAP source.
func newIMAPSource(cfg config.Config, logger *slog.Logger, reg prometheus.Registerer) (collector.Source, error) {
	return imap.New(cfg.Sources.IMAP, logger, reg)
}
