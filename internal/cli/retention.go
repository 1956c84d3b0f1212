package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/dmarc-agent/dmarc-agent/output/opensearch"
	"github.com/dmarc-agent/dmarc-agent/retention"
)

func init() {
	register(command{name: "retention", summary: "delete report indices whose month ended output.opensearch.retention_days ago (for cron)", run: runRetention})
}

func runRetention(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("retention", env)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	osURL := fs.String("opensearch", "", "OpenSearch/Elasticsearch URL(s), comma-separated; overrides output.opensearch.urls")
	dryRun := fs.Bool("dry-run", false, "list the indices that would be deleted, delete nothing")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "dmarc-agent retention: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	cfg, logger, ok := loadConfig(env, *cfgPath)
	if !ok {
		return ExitUsage
	}
	if err := applyOpenSearchFlag(&cfg, *osURL); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent retention: %v\n", err)
		return ExitUsage
	}
	if !cfg.Output.OpenSearch.Enabled() {
		fmt.Fprintln(env.Stderr, "dmarc-agent retention: no cluster configured: set output.opensearch.urls, DMARC_AGENT_OUTPUT__OPENSEARCH__URLS or --opensearch URL")
		return ExitUsage
	}
	days := cfg.Output.OpenSearch.RetentionDays
	if days == 0 {
		fmt.Fprintln(env.Stdout, "output.opensearch.retention_days is 0: every index is kept")
		return ExitOK
	}
	out, err := opensearch.New(ctx, cfg.Output.OpenSearch, cfg.Index.Prefix, logger, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent retention: %v\n", err)
		return ExitUsage
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		out.Close(cctx)
	}()
	res, err := retention.Apply(ctx, out, retention.Policy{Prefix: cfg.Index.Prefix, Days: days}, time.Now(), *dryRun, logger)
	for _, l := range res.Lines() {
		fmt.Fprintln(env.Stdout, l)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent retention: %v\n", err)
		return ExitFatal
	}
	return ExitOK
}
