package cli

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
	"github.com/dmarc-agent/dmarc-agent/output/file"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

func init() {
	register(command{name: "ingest", summary: "process report files and folders once", run: runIngest})
}

func runIngest(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("ingest", env)
	cfgPath := fs.String("config", "", "configuration `file` (default: built-in defaults)")
	outDir := fs.String("out", "", "write NDJSON files to `dir` when no OpenSearch is configured (default ./dmarc-out)")
	summaryFmt := fs.String("summary", "text", "summary format: text or json")
	osURL := fs.String("opensearch", "", "OpenSearch `URL`s, comma-separated (overrides output.opensearch.urls)")
	reindex := fs.Bool("reindex", false, "overwrite documents that exist (for re-processing with new enrichment)")
	fromGmail := fs.Bool("gmail", false, "re-read report mail from the Gmail mailbox of sources.gmail (processed mail included), instead of PATHs")
	since := fs.String("since", "", "with --gmail: mail received on or after this `date` (YYYY-MM-DD)")
	noReport := fs.Bool("no-report", false, "do not write report.html (the owner's report) beside the NDJSON files")
	discard := fs.Bool("discard", false, "benchmarking: decode, parse, enrich and encode, then drop the documents (no output is written)")
	cpuProfile := fs.String("cpuprofile", "", "benchmarking: write a CPU profile of the run to `file` (go tool pprof)")
	memProfile := fs.String("memprofile", "", "benchmarking: write an allocation profile of the run to `file` (go tool pprof)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dmarc-agent ingest [flags] PATH...\n       dmarc-agent ingest [flags] --gmail --since YYYY-MM-DD\n\nProcesses report files and folders (recursively) once.\nExit: 0 all inputs valid, 3 some rejected, 2 usage/config error, 1 fatal.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *summaryFmt != "text" && *summaryFmt != "json" {
		fmt.Fprintf(env.Stderr, "dmarc-agent ingest: --summary must be text or json, got %q\n", *summaryFmt)
		return ExitUsage
	}
	if (fs.NArg() == 0) == !*fromGmail {
		fmt.Fprintln(env.Stderr, "dmarc-agent ingest: give PATHs or --gmail (not both)")
		fs.Usage()
		return ExitUsage
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

	tuneGC(cfg.Pipeline.InFlightMemoryBytes)
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
	if *discard {
		st.discard()
	}
	st.pipeline = st.pipeline.OneShot()
	sum := newSummary(cfg.Output.OpenSearch.Enabled())
	in := make(chan collector.Message)
	srcErr := make(chan error, 1)
	var unreadable []pipeline.Rejection // written by the walker only, read after it ends
	progress := newProgress(env.Stderr)
	if progress.active() && src == nil {
		countCtx, stopCount := context.WithCancel(ctx)
		defer stopCount() // a count still walking a huge tree stops with the run
		go func() { progress.setTotal(countInputs(countCtx, fs.Args())) }()
	}
	go func() {
		defer close(in)
		if src != nil {
			srcErr <- src.Run(ctx, in, true)
			return
		}
		unreadable = walkInputs(ctx, fs.Args(), in)
		srcErr <- nil
	}()
	ordered := st.files != nil // NDJSON files: same inputs, same bytes
	// Ordered delivery gains nothing from messages waiting in turn; otherwise
	// many messages wait for the output at once, so that it can fill its
	// bulk requests (the pipeline parses at most `workers` at a time).
	inFlight := cfg.Pipeline.EffectiveInFlight()
	if ordered {
		inFlight = cfg.Pipeline.EffectiveWorkers()
	}
	processAll(ctx, st.pipeline, in, inFlight, ordered, func(res pipeline.Result) {
		sum.Files++
		sum.add(res)
		progress.step()
	})
	progress.done()
	if err := <-srcErr; err != nil {
		sum.Fatal = append(sum.Fatal, "reading "+src.Name()+": "+err.Error())
	}
	sum.Rejected = append(sum.Rejected, unreadable...)
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

// processAll runs workers goroutines over the messages of in until it is
// closed, and acknowledges each message after delivery. With ordered, messages are
// parsed in parallel but delivered in the order they arrived.
func processAll(ctx context.Context, p *pipeline.Pipeline, in <-chan collector.Message, workers int, ordered bool, done func(pipeline.Result)) {
	type job struct {
		seq int
		msg collector.Message
	}
	jobs := make(chan job)
	var mu sync.Mutex // serialises done
	t := newTurns()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				pr := p.Prepare(ctx, j.msg)
				if ordered {
					t.wait(j.seq)
				}
				res := p.Deliver(ctx, pr)
				if ordered {
					t.next()
				}
				if j.msg.Ack != nil {
					if err := j.msg.Ack(context.WithoutCancel(ctx), res.Outcome); err != nil && res.Outcome.Err == nil {
						res.Outcome.Err = fmt.Errorf("acknowledging %s: %w", j.msg.ID, err)
					}
				}
				mu.Lock()
				done(res)
				mu.Unlock()
			}
		})
	}
	seq := 0
feed:
	for {
		select {
		case m, ok := <-in:
			if !ok {
				break feed
			}
			select {
			case jobs <- job{seq, m}:
				seq++
			case <-ctx.Done():
				break feed
			}
		case <-ctx.Done():
			break feed // interrupted: what was not started is not counted as delivered
		}
	}
	close(jobs)
	wg.Wait()
}

// turns lets holders of sequence numbers proceed one at a time, in order.
type turns struct {
	mu   sync.Mutex
	cond *sync.Cond
	cur  int
}

func newTurns() *turns {
	t := &turns{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *turns) wait(seq int) {
	t.mu.Lock()
	for t.cur != seq {
		t.cond.Wait()
	}
	t.mu.Unlock()
}

func (t *turns) next() {
	t.mu.Lock()
	t.cur++
	t.mu.Unlock()
	t.cond.Broadcast()
}
