package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/i18n"
	"github.com/dmarc-agent/dmarc-agent/insight/render"
	"github.com/dmarc-agent/dmarc-agent/insight/source"
	"github.com/dmarc-agent/dmarc-agent/output/opensearch"
)

func init() {
	register(command{name: "report", summary: "the domain owner's report: senders, spoofing, readiness, what to fix", run: runReport})
}

// defaultSince is how far back the report reads from OpenSearch.
const defaultSince = 30 * 24 * time.Hour

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, strings.ToLower(strings.TrimSpace(v)))
	return nil
}

func runReport(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("report", "report [flags] [PATH...]",
		`Reads report files, folders and archives (in memory, nothing is written), or
folders of `+"`ingest --out`"+` NDJSON; without PATHs, the agent's OpenSearch indices.

Exit codes: 0 every input valid, 3 some rejected (the report lists them), 2
usage or configuration error, 1 fatal.`, env)
	cfgPath := fs.String("config", "", "configuration `file` (default: built-in defaults)")
	format := fs.String("format", "", "text, html or json (default: from --out's extension, else text)")
	lang := fs.String("lang", "", "en or ja (default: from LC_ALL, LC_MESSAGES or LANG)")
	outPath := fs.String("out", "", "write the report to `file` instead of standard output")
	sinceFlag := fs.String("since", "", "reports ending within this `duration` (30d, 72h); default 30d from OpenSearch, everything from files")
	osURL := fs.String("opensearch", "", "OpenSearch `URL`s, comma-separated (overrides output.opensearch.urls)")
	var domains listFlag
	fs.Var(&domains, "domain", "only this policy `domain` (repeatable)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	opts, ok := reportOptions(env, fs.FlagSet, *format, *lang, *outPath, *sinceFlag)
	if !ok {
		return ExitUsage
	}
	cfg, logger, ok := loadConfig(env, *cfgPath)
	if !ok {
		return ExitUsage
	}
	if err := applyOpenSearchFlag(&cfg, *osURL); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent report: --opensearch: %v\n", err)
		return ExitUsage
	}
	if *osURL != "" && fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "dmarc-agent report: give PATHs or --opensearch, not both")
		return ExitUsage
	}
	var facts *insight.Facts
	if fs.NArg() == 0 {
		if !cfg.Output.OpenSearch.Enabled() {
			return fs.usageError("give PATHs, or --opensearch URL (or output.opensearch.urls in the configuration)")
		}
		if err := cfg.Validate(); err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent: invalid configuration:\n%v\n", err)
			return ExitUsage
		}
		s, err := opensearch.NewSearcher(ctx, cfg.Output.OpenSearch)
		if err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent report: %v\n", err)
			return ExitUsage
		}
		since := opts.since
		if since == 0 {
			since = defaultSince
		}
		facts, err = source.FromOpenSearch(ctx, s, source.Query{Prefix: cfg.Index.Prefix, Since: time.Now().Add(-since), Domains: domains})
		if err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent report: reading OpenSearch: %v\n", err)
			return ExitFatal
		}
	} else {
		var sinceTime time.Time
		if opts.since > 0 {
			sinceTime = time.Now().Add(-opts.since)
		}
		c := insight.NewCollector(domains, sinceTime)
		if code := collectPaths(ctx, env, cfg, logger, fs.Args(), c); code != ExitOK {
			return code
		}
		facts = c.Facts()
	}
	if err := writeReport(env, facts, opts); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent report: %v\n", err)
		return ExitFatal
	}
	if len(facts.Rejected) > 0 {
		return ExitRejected
	}
	return ExitOK
}

type reportOpts struct {
	format, lang, out string
	since             time.Duration
}

func reportOptions(env Env, fs *flag.FlagSet, format, lang, out, since string) (reportOpts, bool) {
	o := reportOpts{format: format, out: out}
	if o.format == "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".html", ".htm":
			o.format = "html"
		case ".json":
			o.format = "json"
		default:
			o.format = "text"
		}
	}
	if o.format != "text" && o.format != "html" && o.format != "json" {
		fmt.Fprintf(env.Stderr, "dmarc-agent report: --format must be text, html or json, got %q\n", format)
		return o, false
	}
	if lang == "" {
		o.lang = i18n.FromEnv(env.getenv)
	} else if l, ok := i18n.Parse(lang); ok {
		o.lang = l
	} else {
		fmt.Fprintf(env.Stderr, "dmarc-agent report: --lang must be en or ja, got %q\n", lang)
		return o, false
	}
	if since != "" {
		d, err := parseSince(since)
		if err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent report: --since: %v\n", err)
			return o, false
		}
		o.since = d
	}
	return o, true
}

// parseSince reads a duration in days ("30d") or as Go writes it ("72h").
func parseSince(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("want a positive number of days like 30d, or a duration like 72h, got %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive number of days like 30d, or a duration like 72h, got %q", s)
	}
	return d, nil
}

// getenv looks a variable up in the injected environment.
func (e Env) getenv(name string) string {
	for _, kv := range e.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// writeReport analyses facts and writes the report where opts say.
func writeReport(env Env, facts *insight.Facts, opts reportOpts) error {
	p := i18n.New(opts.lang)
	r := insight.Analyze(facts, p)
	w := env.Stdout
	color := false
	if opts.out != "" {
		f, err := os.Create(opts.out)
		if err != nil {
			return fmt.Errorf("creating the report file: %w", err)
		}
		defer f.Close()
		w = f
	} else if f, ok := env.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) && env.getenv("NO_COLOR") == "" {
		color = true
	}
	if err := renderReport(w, r, p, opts.format, color); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if c, ok := w.(io.Closer); ok && opts.out != "" {
		if err := c.Close(); err != nil {
			return fmt.Errorf("writing the report file: %w", err)
		}
	}
	return nil
}

func renderReport(w io.Writer, r *insight.Report, p *i18n.Printer, format string, color bool) error {
	switch format {
	case "html":
		return render.HTML(w, r, p)
	case "json":
		return render.JSON(w, r)
	}
	return render.Text(w, r, p, render.TextOptions{Color: color})
}
