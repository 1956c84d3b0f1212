package cli

// The parts of `run` that come from other packages' constructors. Kept apart
// so that wiring a newly landed constructor touches only this file.

import (
	"context"
	"log/slog"

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
	return newStack(ctx, cfg, logger, reg, file.Append, arch)
}

// newGmailSource returns the Gmail source.
func newGmailSource(ctx context.Context, cfg config.Config, logger *slog.Logger, reg prometheus.Registerer) (collector.Source, error) {
	return gmail.New(ctx, cfg.Sources.Gmail, gmail.Options{}, logger, reg)
}

// newIMAPSource returns the IMAP source.
func newIMAPSource(cfg config.Config, logger *slog.Logger, reg prometheus.Registerer) (collector.Source, error) {
	return imap.New(cfg.Sources.IMAP, logger, reg)
}
