package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dmarc-agent/dmarc-agent/archive"
	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/dir"
	"github.com/dmarc-agent/dmarc-agent/engine"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
	"github.com/dmarc-agent/dmarc-agent/server"
)

// closeTimeout bounds flushing the output and stopping the HTTP listener
// after the pipeline has stopped on its own (--once, a source failure). After
// a stop signal they share what is left of pipeline.shutdown_grace instead,
// so that the whole stop fits in the grace.
const closeTimeout = 30 * time.Second

// minCloseTime is what closing gets even when the grace is spent: enough to
// flush files and answer a last scrape, not enough to matter to a supervisor.
const minCloseTime = 500 * time.Millisecond

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
	fs := newFlagSet("run", "run [--config FILE] [--once] [--opensearch URL]",
		`Runs the agent: delivers reports from every enabled source (watched folder,
Gmail) until SIGINT or SIGTERM, with metrics and health on http.listen.

Exit codes: 0 clean stop, 3 clean stop but the output refused documents
during the run (kept in its dead-letter place), 2 invalid flags or
configuration (reported before the agent starts), 1 fatal error (named in
the log).`, env)
	cfgPath := fs.String("config", "", "configuration `file` (YAML); DMARC_AGENT_* environment variables override it")
	once := fs.Bool("once", false, "deliver what every source holds now, then exit")
	osURL := fs.String("opensearch", "", "OpenSearch `URL`s, comma-separated (overrides output.opensearch.urls)")
	cfg, logger, code, ok := parseAndLoad(fs, env, args, cfgPath)
	if !ok {
		return code
	}
	if err := applyOpenSearchFlag(&cfg, *osURL); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent run: --opensearch: %v\n", err)
		return ExitUsage
	}
	if !cfg.Sources.Dir.Enabled && !cfg.Sources.Gmail.Enabled && !cfg.Sources.IMAP.Enabled {
		fmt.Fprintf(env.Stderr, "dmarc-agent: %v\n", errNoSource)
		return ExitUsage
	}
	if cfg.Sources.Dir.Enabled {
		if err := cfg.Sources.Dir.CheckFolder(); err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent: invalid configuration:\n%v\n", err)
			return ExitUsage
		}
	}
	refused, err := runWith(ctx, cfg, logger, *once)
	if err != nil {
		logger.Error("agent stopped", "err", err)
		return ExitFatal
	}
	if refused > 0 {
		// The same truth as ingest: documents were refused (and kept in
		// the dead-letter place), so the run did not deliver everything.
		logger.Warn("documents were refused by the output during this run; they are kept in its dead-letter place", "refused", refused)
		return ExitRejected
	}
	return ExitOK
}

// runWith builds every part from cfg, runs until ctx ends (or, with once,
// until every source is drained), and releases everything. refused counts
// the documents the output refused for good in delivered messages.
func runWith(ctx context.Context, cfg config.Config, logger *slog.Logger, once bool) (refused int64, err error) {
	log := logger.With("component", "agent")
	// The stop signal's time: closing gets what is left of the grace.
	var stopAt atomic.Pointer[time.Time]
	defer context.AfterFunc(ctx, func() { t := time.Now(); stopAt.Store(&t) })()
	closeCtx := func() (context.Context, context.CancelFunc) {
		base := context.WithoutCancel(ctx)
		if t := stopAt.Load(); t != nil {
			return context.WithDeadline(base, maxTime(t.Add(cfg.Pipeline.ShutdownGrace), time.Now().Add(minCloseTime)))
		}
		return context.WithTimeout(base, closeTimeout)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var arch pipeline.Archiver
	if cfg.Archive.Enabled {
		a, err := archive.New(cfg.Archive, logger)
		if err != nil {
			return 0, err
		}
		arch = archiverAdapter{a}
	}
	st, err := buildProcessor(ctx, cfg, logger, reg, arch)
	if err != nil {
		return 0, err
	}
	defer func() {
		// After the runner: every message is acknowledged (delivered, or
		// handed back to its source), nothing writes. Retries the output
		// still runs belong to handed-back messages: abandoning them at the
		// deadline loses nothing.
		cctx, cancel := closeCtx()
		defer cancel()
		cerr := st.Close(cctx)
		switch {
		case cerr == nil:
		case stopAt.Load() != nil && errors.Is(cerr, context.DeadlineExceeded):
			log.Warn("shutdown grace spent: output retries abandoned; their messages were handed back and will be delivered again", "err", cerr)
		default:
			err = errors.Join(err, fmt.Errorf("closing the output: %w", cerr))
		}
	}()

	sources, err := buildSources(ctx, cfg, logger, reg)
	if err != nil {
		return 0, err
	}
	srv := server.New(cfg.HTTP, reg, readiness(st, sources), logger)
	if err := srv.Start(); err != nil {
		return 0, err
	}
	defer func() {
		cctx, cancel := closeCtx()
		defer cancel()
		srv.Shutdown(cctx)
	}()

	defer startClusterChecks(ctx, cfg, st.search, once, logger)()
	log.Info("agent started", "version", Version, "sources", len(sources), "once", once)
	runner := st.runner(cfg.Pipeline, sources, logger, engine.NewRunMetrics(reg))
	if err := runner.Run(ctx, once); err != nil {
		return runner.Refused(), err
	}
	log.Info("agent stopped cleanly")
	return runner.Refused(), nil
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

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
