package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output/opensearch"
)

func init() {
	register(command{name: "setup", summary: "install index templates and the retention policy in OpenSearch", run: runSetup})
}

func runSetup(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("setup", "setup [--config FILE] [--opensearch URL]",
		`Installs the index templates and, with output.opensearch.retention_by
cluster, an ISM (OpenSearch) or ILM (Elasticsearch) retention policy where
the cluster has the plugin. Safe to re-run.

Exit codes: 0 done, 2 usage or configuration error, 1 the cluster could not
be reached or refused.`, env)
	cfgPath := fs.String("config", "", "configuration `file` (YAML)")
	osURL := fs.String("opensearch", "", "OpenSearch `URL`s, comma-separated (overrides output.opensearch.urls)")
	cfg, logger, code, ok := parseAndLoad(fs, env, args, cfgPath)
	if !ok {
		return code
	}
	if !requireCluster(env, &cfg, *osURL, "setup", "OpenSearch") {
		return ExitUsage
	}
	// The report on stdout says what was installed or skipped; the output's
	// own log lines would say it a second time (kept at log.level debug).
	if cfg.Log.Level != "debug" {
		logger = nil
	}
	out, err := opensearch.New(ctx, cfg.Output.OpenSearch, cfg.Index.Prefix, logger, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent setup: %v\n", err)
		return ExitUsage
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out.Close(cctx)
	}()
	rep, err := out.Setup(ctx)
	for _, l := range rep.Lines() {
		if err == nil || !strings.HasPrefix(l, "retention policy: skipped") {
			fmt.Fprintln(env.Stdout, l)
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent setup: %v\n", err)
		return ExitFatal
	}
	return ExitOK
}

// applyOpenSearchFlag sets output.opensearch.urls from a --opensearch flag
// value (comma-separated URLs; "" leaves the configuration alone) and
// validates the section again.
func applyOpenSearchFlag(cfg *config.Config, v string) error {
	if v == "" {
		return nil
	}
	var urls []string
	for u := range strings.SplitSeq(v, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	cfg.Output.OpenSearch.URLs = urls
	return config.Redact(cfg.Output.OpenSearch.Validate())
}
