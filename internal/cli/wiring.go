package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/enrich"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/internal/health"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"
	"github.com/dmarc-agent/dmarc-agent/output/file"
	"github.com/dmarc-agent/dmarc-agent/output/opensearch"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// stack is the output, enrichment and pipeline built from a configuration,
// shared by `ingest` and `run`.
type stack struct {
	out      output.Output
	files    *file.Output       // set when the NDJSON output is used
	search   *opensearch.Output // set when a cluster is used
	pipeline *pipeline.Pipeline
	closers  []func(context.Context) error
}

// newStack builds the stack. fileMode says how the NDJSON output treats
// existing files; arch (may be nil) keeps a raw copy of each delivered report.
func newStack(ctx context.Context, cfg config.Config, logger *slog.Logger, reg prometheus.Registerer, fileMode file.Mode, arch pipeline.Archiver) (*stack, error) {
	s := &stack{}
	if cfg.Output.OpenSearch.Enabled() {
		oo, err := opensearch.New(ctx, cfg.Output.OpenSearch, cfg.Index.Prefix, logger, reg)
		if err != nil {
			return nil, fmt.Errorf("connecting to OpenSearch: %w", err)
		}
		s.out, s.search = oo, oo
		s.closers = append(s.closers, oo.Close)
	} else {
		fo, err := file.New(cfg.Output.File, fileMode, cfg.Output.OpenSearch.Reindex)
		if err != nil {
			return nil, err
		}
		s.out, s.files = fo, fo
		s.closers = append(s.closers, fo.Close)
	}
	enr, err := enrich.New(ctx, cfg.Enrich, logger, reg)
	if err != nil {
		s.Close(ctx)
		return nil, fmt.Errorf("starting enrichment: %w", err)
	}
	s.closers = append(s.closers, func(context.Context) error { return enr.Close() })
	s.pipeline = pipeline.New(cfg.Pipeline, withArchive(pipeline.Deps{
		Output:   s.out,
		Enricher: enr,
		Archiver: arch,
		Metrics:  pipeline.NewMetrics(reg),
		Logger:   logger,
		Prefix:   cfg.Index.Prefix,
		Decode:   cfg.Decode.Options(),
		Failure:  cfg.Reports.Failure,
	}, cfg, reg))
	return s, nil
}

// withArchive adds the archive's settings to d: which kinds are skipped
// (archive.failure) and the fault tracker behind /readyz.
func withArchive(d pipeline.Deps, cfg config.Config, reg prometheus.Registerer) pipeline.Deps {
	if d.Archiver != nil {
		d.ArchiveFault = health.NewFault("archive", reg)
		d.ArchiveSkip = map[mapping.Kind]bool{mapping.KindFailure: cfg.Archive.SkipFailure()}
	}
	return d
}

// Close closes what the stack opened, last first.
func (s *stack) Close(ctx context.Context) error {
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}
