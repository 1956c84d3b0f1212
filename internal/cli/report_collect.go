package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/files"
	"github.com/dmarc-agent/dmarc-agent/engine"
	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/source"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output/file"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// collectPaths fills c from PATHs: folders of `ingest --out` NDJSON are
// read as documents; everything else goes through ingest's pipeline
// (decode, parse, enrich) with an output that only collects, so nothing
// is written.
func collectPaths(ctx context.Context, env Env, cfg config.Config, logger *slog.Logger, paths []string, c *insight.Collector) int {
	var reports []string
	for _, p := range paths {
		if source.IsNDJSON(p) {
			if err := source.ReadNDJSON(p, c); err != nil {
				c.Reject(p, err.Error())
			}
			continue
		}
		reports = append(reports, p)
	}
	if len(reports) == 0 {
		return ExitOK
	}
	discardConfig(&cfg)
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: invalid configuration:\n%v\n", err)
		return ExitUsage
	}
	st, err := newStack(ctx, cfg, logger, nil, file.Truncate, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent report: %v\n", err)
		return ExitFatal
	}
	st.pipeline = st.pipeline.WithOutput(source.Output{C: c})
	st.files = nil
	src := files.New(reports)
	runner := st.runner(cfg.Pipeline, []collector.Source{src}, logger, nil)
	var fatal []string
	runner.Observe(func(msg collector.Message, pr *pipeline.Prepared, out collector.Outcome) {
		res := pr.Result()
		if pr == nil && out.Rejected() { // the engine rejected it (a panic outside the pipeline)
			c.Reject(msg.ID, out.Reason)
		}
		for _, r := range res.Rejected {
			c.Reject(r.Path, r.Reason)
		}
		for _, f := range res.Output.Failed {
			c.Reject(f.Index+"/"+f.ID, f.Reason)
		}
		if out.Err != nil && !out.Rejected() && !errors.Is(out.Err, engine.ErrShutdown) { // interrupted: ctx says so below
			fatal = append(fatal, oneLine(out.Err.Error()))
		}
	})
	if err := runner.Run(ctx, true); err != nil {
		fatal = append(fatal, oneLine(err.Error()))
	}
	for _, u := range src.Unreadable() {
		c.Reject(u.Path, u.Reason)
	}
	if err := st.Close(context.WithoutCancel(ctx)); err != nil {
		fatal = append(fatal, err.Error())
	}
	if len(fatal) > 0 || ctx.Err() != nil {
		for _, f := range fatal {
			fmt.Fprintf(env.Stderr, "dmarc-agent report: %s\n", f)
		}
		return ExitFatal
	}
	return ExitOK
}
