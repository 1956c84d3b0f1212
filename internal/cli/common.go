package cli

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/dmarc-agent/dmarc-agent/internal/config"
)

// loadConfig loads the configuration file (may be "") and the environment,
// and builds the logger. On error it prints every problem and returns ok=false.
func loadConfig(env Env, path string) (config.Config, *slog.Logger, bool) {
	for _, w := range config.Warnings(env.Environ) {
		fmt.Fprintf(env.Stderr, "dmarc-agent: warning: %s\n", w)
	}
	cfg, err := config.Load(path, env.Environ)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: %v\n", err)
		return cfg, nil, false
	}
	logger := newLogger(env.Stderr, cfg.Log)
	warnInsecure(logger, cfg)
	return cfg, logger, true
}

// warnInsecure says at start when TLS verification is off anywhere.
func warnInsecure(logger *slog.Logger, cfg config.Config) {
	for _, k := range []struct {
		key string
		on  bool
	}{
		{"output.opensearch.tls.insecure_skip_verify", cfg.Output.OpenSearch.TLS.InsecureSkipVerify},
		{"dashboards.insecure_skip_verify", cfg.Dashboards.InsecureSkipVerify},
	} {
		if k.on {
			logger.Warn("TLS certificate verification is OFF: anyone on the path can read and change this traffic, credentials included; use ca_file instead", "key", k.key)
		}
	}
}

// newLogger builds the process logger from the log section.
func newLogger(w io.Writer, c config.LogConfig) *slog.Logger {
	level, _ := config.ParseLevel(c.Level) // validated by config.Load
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseAndLoad parses the flags of a subcommand that takes no arguments,
// then loads the configuration file *cfgPath (may be ""). When ok is false
// the caller returns code: 0 after help, ExitUsage after a usage or
// configuration error (already printed).
func parseAndLoad(fs *flagSet, env Env, args []string, cfgPath *string) (cfg config.Config, logger *slog.Logger, code int, ok bool) {
	if code, ok := parseFlags(fs, args); !ok {
		return cfg, nil, code, false
	}
	if fs.NArg() > 0 {
		return cfg, nil, fs.usageError("unexpected argument %q", fs.Arg(0)), false
	}
	if cfg, logger, ok = loadConfig(env, *cfgPath); !ok {
		return cfg, nil, ExitUsage, false
	}
	return cfg, logger, ExitOK, true
}

// requireCluster applies the --opensearch flag value osURL to cfg and
// requires a cluster to be configured, for the commands that only talk to
// one. name is the command in the error line, what the cluster's name in
// it; false means the error is printed and the caller exits ExitUsage.
func requireCluster(env Env, cfg *config.Config, osURL, name, what string) bool {
	if err := applyOpenSearchFlag(cfg, osURL); err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent %s: %v\n", name, err)
		return false
	}
	if !cfg.Output.OpenSearch.Enabled() {
		fmt.Fprintf(env.Stderr, "dmarc-agent %s: no %s configured: set output.opensearch.urls, DMARC_AGENT_OUTPUT__OPENSEARCH__URLS or --opensearch URL\n", name, what)
		return false
	}
	return true
}
