package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/dmarc-agent/dmarc-agent/collector"
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
	in := make(chan collector.Message)
	var unreadable []pipeline.Rejection // written by the walker only, read after it ends
	go func() {
		defer close(in)
		unreadable = walkInputs(ctx, reports, in)
	}()
	var fatal []string
	processAll(ctx, st.pipeline, in, cfg.Pipeline.EffectiveInFlight(), false, func(res pipeline.Result) {
		for _, r := range res.Rejected {
			c.Reject(r.Path, r.Reason)
		}
		for _, f := range res.Output.Failed {
			c.Reject(f.Index+"/"+f.ID, f.Reason)
		}
		if res.Outcome.Err != nil && !res.Outcome.Rejected() {
			fatal = append(fatal, oneLine(res.Outcome.Err.Error()))
		}
	})
	for _, r := range unreadable {
		c.Reject(r.Path, r.Reason)
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
