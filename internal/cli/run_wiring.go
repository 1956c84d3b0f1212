package cli

// The parts of `run` that come from other packages' constructors. Kept apart
// so that wiring a newly landed constructor touches only this file.

import (
	"context"
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// buildProcessor returns the message processor and the output it writes to.
func buildProcessor(_ context.Context, _ config.Config, _ *slog.Logger, _ prometheus.Registerer, _ pipeline.Archiver) (pipeline.Processor, output.Output, error) {
	return nil, nil, errors.New("this build has no report processing yet (pipeline.New)")
}

// newGmailSource returns the Gmail source.
func newGmailSource(config.Config, *slog.Logger, prometheus.Registerer) (collector.Source, error) {
	return nil, errors.New("this build has no Gmail source yet (sources.gmail.enabled)")
}
