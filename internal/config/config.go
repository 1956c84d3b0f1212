// Package config loads dmarc-agent's configuration: defaults, then a YAML
// file, then DMARC_AGENT_SECTION__KEY environment variables. Unknown keys and
// invalid values are errors that name the key; Validate reports every problem
// at once.
package config

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/dmarc-agent/dmarc-agent/archive"
	"github.com/dmarc-agent/dmarc-agent/collector/dir"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
	"github.com/dmarc-agent/dmarc-agent/collector/imap"
	"github.com/dmarc-agent/dmarc-agent/dashboards"
	"github.com/dmarc-agent/dmarc-agent/enrich"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output/file"
	"github.com/dmarc-agent/dmarc-agent/output/opensearch"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
	"github.com/dmarc-agent/dmarc-agent/report/decode"
	"github.com/dmarc-agent/dmarc-agent/report/failure"
	"github.com/dmarc-agent/dmarc-agent/server"
)

// Config is the whole configuration.
type Config struct {
	Log        LogConfig         `koanf:"log"`
	Index      IndexConfig       `koanf:"index"`
	Decode     decode.Config     `koanf:"decode"`
	Reports    ReportsConfig     `koanf:"reports"`
	Enrich     enrich.Config     `koanf:"enrich"`
	Output     OutputConfig      `koanf:"output"`
	Sources    SourcesConfig     `koanf:"sources"`
	Pipeline   pipeline.Config   `koanf:"pipeline"`
	Archive    archive.Config    `koanf:"archive"`
	HTTP       server.Config     `koanf:"http"`
	Dashboards dashboards.Config `koanf:"dashboards"`
}

// LogConfig is the `log` section.
type LogConfig struct {
	Level  string `koanf:"level"`  // debug, info, warn, error
	Format string `koanf:"format"` // text or json
}

// IndexConfig is the `index` section.
type IndexConfig struct {
	Prefix string `koanf:"prefix"`
}

// ReportsConfig is the `reports` section.
type ReportsConfig struct {
	Failure failure.Config `koanf:"failure"`
}

// OutputConfig is the `output` section. OpenSearch is used when it has URLs;
// otherwise documents go to NDJSON files.
type OutputConfig struct {
	File       file.Config       `koanf:"file"`
	OpenSearch opensearch.Config `koanf:"opensearch"`
}

// SourcesConfig is the `sources` section (used by `run`).
type SourcesConfig struct {
	Dir   dir.Config   `koanf:"dir"`
	Gmail gmail.Config `koanf:"gmail"`
	IMAP  imap.Config  `koanf:"imap"`
}

// Default returns the built-in configuration: NDJSON output, no sources.
func Default() Config {
	return Config{
		Log:        LogConfig{Level: "info", Format: "text"},
		Index:      IndexConfig{Prefix: mapping.DefaultPrefix},
		Decode:     decode.DefaultConfig(),
		Reports:    ReportsConfig{Failure: failure.DefaultConfig()},
		Enrich:     enrich.DefaultConfig(),
		Output:     OutputConfig{File: file.DefaultConfig(), OpenSearch: opensearch.DefaultConfig()},
		Sources:    SourcesConfig{Dir: dir.DefaultConfig(), Gmail: gmail.DefaultConfig(), IMAP: imap.DefaultConfig()},
		Pipeline:   pipeline.DefaultConfig(),
		Archive:    archive.DefaultConfig(),
		HTTP:       server.DefaultConfig(),
		Dashboards: dashboards.DefaultConfig(),
	}
}

// Validate checks every section and joins every problem.
func (c Config) Validate() error {
	var errs []error
	if _, err := ParseLevel(c.Log.Level); err != nil {
		errs = append(errs, err)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs = append(errs, fmt.Errorf("log.format: must be text or json, got %q", c.Log.Format))
	}
	if !mapping.ValidPrefix(c.Index.Prefix) {
		errs = append(errs, fmt.Errorf("index.prefix: %q is not a valid index name prefix (lower-case letters, digits, - _ .)", c.Index.Prefix))
	}
	for _, v := range []interface{ Validate() error }{
		c.Decode, c.Reports.Failure, c.Enrich, c.Output.File, c.Output.OpenSearch,
		c.Sources.Dir, c.Sources.Gmail, c.Sources.IMAP, c.Pipeline, c.Archive, c.HTTP, c.Dashboards,
	} {
		if err := v.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return Redact(errors.Join(errs...))
}

// ParseLevel maps log.level to a slog level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log.level: must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}
