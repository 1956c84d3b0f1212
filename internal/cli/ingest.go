package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/files"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
	"github.com/dmarc-agent/dmarc-agent/engine"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output/file"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

func init() {
	register(command{name: "ingest", summary: "process report files and folders once", run: runIngest})
}

func runIngest(ctx context.Context, env Env, args []string) int {
	// Everything printed on stderr (log lines, errors) goes through the
	// progress bar, which clears itself first: a log line never shares the
	// bar's line.
	progress := newProgress(env.Stderr)
	env.Stderr = progress
	fs := newFlagSet("ingest", "ingest [flags] PATH...\ningest [flags] --gmail --since YYYY-MM-DD",
		`Processes report files and folders (recursively) once, or re-reads the
Gmail mailbox of sources.gmail. Flags may come before or after PATHs; "--"
ends the flags. With OpenSearch configured, the cluster is checked before
any input is read.

Exit codes: 0 every input valid, 3 some inputs or documents rejected
(everything else is written), 2 usage or configuration error, 1 fatal
(for example the output is unreachable or gave up).`, env)
	cfgPath := fs.String("config", "", "configuration `file` (default: built-in defaults)")
	outDir := fs.String("out", "", "write NDJSON files to `dir` when no OpenSearch is configured (default ./dmarc-out)")
	summaryFmt := fs.String("summary", "text", "summary format: text or json")
	osURL := fs.String("opensearch", "", "OpenSearch `URL`s, comma-separated (overrides output.opensearch.urls)")
	retryBudget := fs.Duration("retry-budget", defaultIngestRetryBudget, "how long the OpenSearch output retries one bulk request (cluster down, 429, 5xx) before ingest gives up; replaces output.opensearch.retry.max_elapsed, which `run` uses")
	reindex := fs.Bool("reindex", false, "overwrite documents that exist (for re-processing with new enrichment)")
	fromGmail := fs.Bool("gmail", false, "re-read report mail from the Gmail mailbox of sources.gmail (processed mail included), instead of PATHs")
	since := fs.String("since", "", "with --gmail: mail received on or after this `date` (YYYY-MM-DD)")
	noReport := fs.Bool("no-report", false, "do not write report.html (the owner's report) beside the NDJSON files")
	discard := fs.Bool("discard", false, "benchmarking: decode, parse, enrich and encode, then drop the documents (no output is written)")
	cpuProfile := fs.String("cpuprofile", "", "benchmarking: write a CPU profile of the run to `file` (go tool pprof)")
	memProfile := fs.String("memprofile", "", "benchmarking: write an allocation profile of the run to `file` (go tool pprof)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *summaryFmt != "text" && *summaryFmt != "json" {
		return fs.usageError("--summary must be text or json, got %q", *summaryFmt)
	}
	if (fs.NArg() == 0) == !*fromGmail {
		return fs.usageError("give PATHs or --gmail (not both)")
	}
	for _, p := range fs.Args() {
		if _, err := os.Stat(p); err != nil {
			return fs.usageError("%v", err) // nothing read: a usage error, not a rejected input
		}
	}
	var sinceDate time.Time
	if *fromGmail {
		var err error
		if sinceDate, err = time.Parse(time.DateOnly, *since); err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent ingest: --since must be a date like 2026-01-31 with --gmail, got %q\n", *since)
			return ExitUsage
		}
	} else if *since != "" {
		fmt.Fprintln(env.Stderr, "dmarc-agent ingest: --since goes with --gmail")
		return ExitUsage
	}
	cfg, logger, ok := loadConfig(env, *cfgPath)
	if !ok {
		return ExitUsage
	}
	if *outDir != "" {
		cfg.Output.File.Dir = *outDir
	}
	if err := applyOpenSearchFlag(&cfg, *osURL); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent ingest: --opensearch: %v\n", err)
		return ExitUsage
	}
	if *reindex {
		cfg.Output.OpenSearch.Reindex = true
	}
	if *retryBudget <= 0 {
		return fs.usageError("--retry-budget must be positive, got %s", *retryBudget)
	}
	cfg.Output.OpenSearch.Retry.MaxElapsed = *retryBudget
	if *fromGmail {
		cfg.Sources.Gmail.Enabled = true // the mailbox is named by the config even where run does not poll it
	}
	if *discard {
		discardConfig(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: invalid configuration:\n%v\n", err)
		return ExitUsage
	}
	var src collector.Source
	if *fromGmail {
		gs, err := gmail.New(ctx, cfg.Sources.Gmail, gmail.Options{Since: sinceDate}, logger, nil)
		if err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent ingest: %v\n", err)
			return ExitUsage
		}
		src = gs
	}

	tuneGC(cfg.Pipeline.InFlightMemoryBytes, !*discard && !cfg.Output.OpenSearch.Enabled())
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent ingest: --cpuprofile: %v\n", err)
			return ExitUsage
		}
		defer stopProfile()
	}
	if *memProfile != "" {
		defer writeMemProfile(env, *memProfile)
	}
	st, err := newStack(ctx, cfg, logger, nil, file.Truncate, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent ingest: %v\n", err)
		return ExitFatal
	}
	st.pipeline = st.pipeline.WithRejectionsAt(slog.LevelDebug) // the summary lists each one
	if *discard {
		st.discard()
	} else if err := preflight(ctx, cfg, st); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent ingest: %v\n", err)
		st.Close(context.WithoutCancel(ctx))
		return ExitFatal
	}
	st.pipeline = st.pipeline.OneShot().WithTally(newReportTally)
	sum := newSummary(cfg.Output.OpenSearch.Enabled())
	var paths *files.Source
	if src == nil {
		paths = files.New(fs.Args())
		src = paths
		if progress.active() {
			countCtx, stopCount := context.WithCancel(ctx)
			defer stopCount() // a count still walking a huge tree stops with the run
			go func() { progress.setTotal(files.Count(countCtx, fs.Args())) }()
		}
	}
	// The first message the output could not take stops the reading of new
	// inputs: the cluster has been failing for a whole retry budget, and every
	// further input would wait as long. What was read is finished.
	stopped := false
	runner := st.runner(cfg.Pipeline, []collector.Source{src}, logger, nil)
	runner.Observe(func(msg collector.Message, pr *pipeline.Prepared, out collector.Outcome) {
		if errors.Is(out.Err, engine.ErrShutdown) {
			return // interrupted: what was not finished is not counted as delivered
		}
		res := pr.Result()
		res.Outcome = out
		if pr == nil { // the engine rejected it (a panic outside the pipeline)
			res.Rejected = []pipeline.Rejection{{Path: msg.ID, Reason: out.Reason, Class: "internal"}}
		}
		sum.Files++
		sum.add(res)
		progress.step()
		if out.Err != nil && !out.Rejected() && !stopped {
			stopped = true
			runner.StopReading()
		}
	})
	srcErr := runner.Run(ctx, true)
	progress.done()
	if stopped && ctx.Err() == nil {
		sum.Fatal = append(sum.Fatal, fmt.Sprintf("stopped reading inputs after %d files: the output did not take a message (above); "+
			"nothing was acknowledged for it. Run the same command again once the output is back: document ids are deterministic, so nothing is duplicated", sum.Files))
	}
	if srcErr != nil {
		sum.Fatal = append(sum.Fatal, oneLine(srcErr.Error())) // "source gmail: ..."
	}
	if paths != nil {
		for _, u := range paths.Unreadable() {
			sum.Rejected = append(sum.Rejected, pipeline.Rejection{Path: u.Path, Reason: u.Reason, Class: "input"})
		}
	}
	if err := st.Close(context.WithoutCancel(ctx)); err != nil {
		sum.Fatal = append(sum.Fatal, err.Error())
	}
	if st.files != nil {
		sum.OutputFiles = st.files.Files()
		if !*noReport {
			sum.addReport(env, cfg.Output.File.Dir)
		}
	}
	if err := sum.print(env.Stdout, *summaryFmt); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent ingest: writing summary: %v\n", err)
		return ExitFatal
	}
	return sum.exitCode(ctx)
}

// defaultIngestRetryBudget is how long ingest lets the OpenSearch output
// retry one bulk request. Short: ingest is run by someone waiting for it, and
// a re-run repeats nothing (deterministic ids).
const defaultIngestRetryBudget = 30 * time.Second

// preflightTimeout bounds the check of the output before any input is read.
const preflightTimeout = 10 * time.Second

// preflight checks that the OpenSearch output answers before any input is
// read, so that a wrong URL fails in seconds, naming the URL and the cause.
// The NDJSON output needs no check: file.New has created its folder.
func preflight(ctx context.Context, cfg config.Config, st *stack) error {
	if !cfg.Output.OpenSearch.Enabled() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	if err := st.out.Ready(ctx); err != nil {
		return fmt.Errorf("OpenSearch at %s: %w (nothing was read; check output.opensearch.urls or --opensearch)",
			strings.Join(cfg.Output.OpenSearch.URLs, ", "), err)
	}
	return nil
}
