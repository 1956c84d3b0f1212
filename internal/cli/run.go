package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dmarc-agent/dmarc-agent/archive"
	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/dir"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
	"github.com/dmarc-agent/dmarc-agent/server"
)

// closeTimeout bounds flushing the output and stopping the HTTP listener
// after the pipeline has stopped.
const closeTimeout = 30 * time.Second

func init() {
	register(command{
		name:    "run",
		summary: "run the agent: deliver reports from every enabled source until SIGINT/SIGTERM",
		run:     runAgent,
	})
}

// errNoSource is a configuration error: the agent would have nothing to do.
var errNoSource = errors.New("no source is enabled: set sources.dir.enabled, sources.gmail.enabled or sources.imap.enabled")

func runAgent(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("run", env)
	cfgPath := fs.String("config", "", "configuration file (YAML); environment variables DMARC_AGENT_* override it")
	once := fs.Bool("once", false, "deliver what every source holds now, then exit")
	osURL := fs.String("opensearch", "", "OpenSearch URL(s), comma-separated (overrides output.opensearch.urls)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dmarc-agent run [--config FILE] [--once] [--opensearch URL]")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "dmarc-agent run: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	cfg, logger, ok := loadConfig(env, *cfgPath)
	if !ok {
		return ExitUsage
	}
	if err := applyOpenSearchFlag(&cfg, *osURL); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent run: --opensearch: %v\n", err)
		return ExitUsage
	}
	if !cfg.Sources.Dir.Enabled && !cfg.Sources.Gmail.Enabled && !cfg.Sources.IMAP.Enabled {
		fmt.Fprintf(env.Stderr, "dmarc-agent: %v\n", errNoSource)
		return ExitUsage
	}
	if err := runWith(ctx, cfg, logger, *once); err != nil {
		logger.Error("agent stopped", "err", err)
		return ExitFatal
	}
	return ExitOK
}

// runWith builds every part from cfg, runs until ctx ends (or, with once,
// until every source is drained), and releases everything.
func runWith(ctx context.Context, cfg config.Config, logger *slog.Logger, once bool) (err error) {
	log := logger.With("component", "agent")
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var arch pipeline.Archiver
	if cfg.Archive.Enabled {
		a, err := archive.New(cfg.Archive, logger)
		if err != nil {
			return err
		}
		arch = archiverAdapter{a}
	}
	st, err := buildProcessor(ctx, cfg, logger, reg, arch)
	if err != nil {
		return err
	}
	defer func() {
		// After the runner: every message is acknowledged, nothing writes.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		if cerr := st.Close(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("closing the output: %w", cerr))
		}
	}()

	sources, err := buildSources(ctx, cfg, logger, reg)
	if err != nil {
		return err
	}
	srv := server.New(cfg.HTTP, reg, readiness(st, sources), logger)
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		srv.Shutdown(cctx)
	}()

	log.Info("agent started", "version", Version, "sources", len(sources), "once", once)
	runner := pipeline.NewRunner(cfg.Pipeline, st.pipeline, sources, logger, pipeline.NewRunMetrics(reg))
	if err := runner.Run(ctx, once); err != nil {
		return err
	}
	log.Info("agent stopped cleanly")
	return nil
}

// faulty is a part that can report an internal fault (archive, state file).
type faulty interface{ Fault() error }

// readiness is ready when the output answers and no part of the agent has
// an internal fault (a full disk under the archive or a state file).
func readiness(st *stack, sources []collector.Source) server.ReadyFunc {
	parts := []faulty{st.pipeline}
	for _, s := range sources {
		if f, ok := s.(faulty); ok {
			parts = append(parts, f)
		}
	}
	return func(ctx context.Context) error {
		errs := []error{st.out.Ready(ctx)}
		for _, p := range parts {
			errs = append(errs, p.Fault())
		}
		return errors.Join(errs...)
	}
}

// buildSources returns every enabled source.
func buildSources(ctx context.Context, cfg config.Config, logger *slog.Logger, reg prometheus.Registerer) ([]collector.Source, error) {
	var sources []collector.Source
	if cfg.Sources.Dir.Enabled {
		d, err := dir.New(cfg.Sources.Dir, logger, reg)
		if err != nil {
			return nil, err
		}
		sources = append(sources, d)
	}
	if cfg.Sources.Gmail.Enabled {
		g, err := newGmailSource(ctx, cfg, logger, reg)
		if err != nil {
			return nil, err
		}
		sources = append(sources, g)
	}
	if cfg.Sources.IMAP.Enabled {
		s, err := newIMAPSource(cfg, logger, reg)
		if err != nil {
			return nil, err
		}
		sources = append(sources, s)
	}
	return sources, nil
}

// archiverAdapter gives *archive.Archive the pipeline's Archiver signature
// (archive stays a leaf package that does not import pipeline).
type archiverAdapter struct{ a *archive.Archive }

func (x archiverAdapter) Start() (pipeline.ArchiveWriter, error) {
	w, err := x.a.Start()
	if err != nil {
		return nil, err
	}
	return w, nil
}
