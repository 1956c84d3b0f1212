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
	fs := newFlagSet("retention", "retention [--config FILE] [--opensearch URL] [--dry-run]",
		`Deletes the report indices <prefix>-<kind>-YYYY.MM whose whole month ended
more than output.opensearch.retention_days ago, and lists each; any other
index is left alone. `+"`run`"+` does the same daily; this is for cron.

Exit codes: 0 done, 2 usage or configuration error, 1 the cluster could not
be reached or refused a deletion.`, env)
	cfgPath := fs.String("config", "", "configuration `file` (YAML)")
	osURL := fs.String("opensearch", "", "OpenSearch or Elasticsearch `URL`s, comma-separated (overrides output.opensearch.urls)")
	dryRun := fs.Bool("dry-run", false, "list the indices that would be deleted, delete nothing")
	cfg, logger, code, ok := parseAndLoad(fs, env, args, cfgPath)
	if !ok {
		return code
	}
	if !requireCluster(env, &cfg, *osURL, "retention", "cluster") {
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
	res, err := retention.Apply(ctx, out, retention.Policy{Prefix: cfg.Index.Prefix, Days: days, DeadLetter: opensearch.DeadLetterIndex(cfg.Index.Prefix)}, time.Now(), *dryRun, logger)
	for _, l := range res.Lines() {
		fmt.Fprintln(env.Stdout, l)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent retention: %v\n", err)
		return ExitFatal
	}
	return ExitOK
}
