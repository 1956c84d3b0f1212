package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/dashboards"
	"github.com/dmarc-agent/dmarc-agent/internal/secret"
)

func init() {
	register(command{name: "dashboards", summary: "import the bundled OpenSearch Dashboards, or export them as ndjson", run: runDashboards})
}

func runDashboards(ctx context.Context, env Env, args []string) int {
	if code, ok := group(env, "dashboards", args, map[string]string{
		"import": "import the bundled saved objects into OpenSearch Dashboards",
		"export": "write the bundled saved objects as ndjson",
	}); !ok {
		return code
	}
	if args[0] == "import" {
		return dashboardsImport(ctx, env, args[1:])
	}
	return dashboardsExport(env, args[1:])
}

func dashboardsImport(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("dashboards import", "dashboards import [--config FILE] [--url URL] [--username U] [--tenant NAME] [--ca-file FILE] [--overwrite]",
		`Posts the bundled saved objects to OpenSearch Dashboards' import API (port
5601 by default, not the OpenSearch port 9200). Index patterns follow
index.prefix. Flags override the dashboards section of the configuration and
DMARC_AGENT_DASHBOARDS__* variables; pass the password in
DMARC_AGENT_DASHBOARDS__PASSWORD.

Exit codes: 0 every object imported, 3 some objects failed, 2 usage or
configuration error, 1 Dashboards could not be reached or refused.`, env)
	cfgPath := fs.String("config", "", "configuration `file`")
	url := fs.String("url", "", "OpenSearch Dashboards `URL` (dashboards.url)")
	user := fs.String("username", "", "basic auth user (dashboards.username)")
	pass := fs.String("password", "", "basic auth password (dashboards.password; prefer DMARC_AGENT_DASHBOARDS__PASSWORD)")
	tenant := fs.String("tenant", "", "security plugin tenant, e.g. global (dashboards.tenant)")
	caFile := fs.String("ca-file", "", "PEM CA bundle to trust (dashboards.ca_file)")
	overwrite := fs.Bool("overwrite", false, "replace saved objects that exist (dashboards.overwrite)")
	cfg, logger, code, ok := parseAndLoad(fs, env, args, cfgPath)
	if !ok {
		return code
	}
	dc := cfg.Dashboards
	set := dashboardsFlagsSet(fs)
	if set["url"] {
		dc.URL = *url
	}
	if set["username"] {
		dc.Username = *user
	}
	if set["password"] {
		dc.Password = secret.String(*pass)
	}
	if set["tenant"] {
		dc.Tenant = *tenant
	}
	if set["ca-file"] {
		dc.CAFile = *caFile
	}
	if set["overwrite"] {
		dc.Overwrite = *overwrite
	}
	if err := dc.Validate(); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: %v\n", err)
		return ExitUsage
	}
	bundle, err := dashboards.Bundle(cfg.Index.Prefix)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: %v\n", err)
		return ExitFatal
	}
	logger = logger.With("component", "dashboards")
	logger.Info("importing saved objects", "url", dc.URL, "tenant", dc.Tenant, "overwrite", dc.Overwrite, "index_prefix", cfg.Index.Prefix)
	res, err := dashboards.Import(ctx, dc, bundle)
	switch {
	case errors.Is(err, dashboards.ErrObjectsFailed):
		printImport(env.Stdout, res)
		fmt.Fprintf(env.Stderr, "dmarc-agent: %v\n", err)
		return ExitRejected
	case err != nil:
		// Nothing was imported: no "0 created" line before the error.
		fmt.Fprintf(env.Stderr, "dmarc-agent dashboards import: %v%s\n", err, dashboardsHint(err))
		return ExitFatal
	}
	printImport(env.Stdout, res)
	return ExitOK
}

func printImport(w io.Writer, res dashboards.Result) {
	for _, g := range []struct {
		verb  string
		items []dashboards.Item
	}{{"created", res.Created}, {"updated", res.Updated}, {"failed", res.Failed}} {
		for _, it := range g.items {
			line := fmt.Sprintf("%-8s %-13s %s", g.verb, it.Type, it.ID)
			if it.Title != "" {
				line += fmt.Sprintf(" (%s)", it.Title)
			}
			if it.Error != "" {
				line += ": " + it.Error
			}
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintf(w, "%d created, %d updated, %d failed\n", len(res.Created), len(res.Updated), len(res.Failed))
}

func dashboardsExport(env Env, args []string) int {
	fs := newFlagSet("dashboards export", "dashboards export [--config FILE] [--out FILE]",
		`Writes the bundled saved objects as ndjson, for Dashboards Management >
Saved objects > Import. Index patterns follow index.prefix.`, env)
	cfgPath := fs.String("config", "", "configuration `file`")
	out := fs.String("out", "", "write the ndjson to this `file` instead of stdout")
	cfg, _, code, ok := parseAndLoad(fs, env, args, cfgPath)
	if !ok {
		return code
	}
	bundle, err := dashboards.Bundle(cfg.Index.Prefix)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: %v\n", err)
		return ExitFatal
	}
	if *out == "" {
		if _, err := env.Stdout.Write(bundle); err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent: writing the bundle: %v\n", err)
			return ExitFatal
		}
		return ExitOK
	}
	if err := os.WriteFile(*out, bundle, 0o644); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: writing %s: %v\n", *out, err)
		return ExitFatal
	}
	return ExitOK
}

// dashboardsFlagsSet returns the names of the flags given on the command line.
func dashboardsFlagsSet(fs *flagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// dashboardsHint explains the usual mistake: the URL of OpenSearch itself,
// which has no saved-objects API, instead of OpenSearch Dashboards'.
func dashboardsHint(err error) string {
	if strings.Contains(err.Error(), "no handler found for uri [/api/saved_objects") {
		return "\nhint: that URL is OpenSearch itself (port 9200 by default); --url takes OpenSearch Dashboards' URL (port 5601 by default)"
	}
	return ""
}
