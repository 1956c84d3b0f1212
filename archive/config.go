package archive

import "errors"

// Config is the `archive` section: a raw copy of every delivered report, so
// the index can always be rebuilt (`dmarc-agent ingest --reindex DIR`).
type Config struct {
	Enabled bool   `koanf:"enabled"`
	Dir     string `koanf:"dir"`
}

// DefaultConfig returns the defaults (off unless configured; config.example.yaml turns it on).
func DefaultConfig() Config { return Config{Dir: "dmarc-archive"} }

// Validate checks the values.
func (c Config) Validate() error {
	if c.Enabled && c.Dir == "" {
		return errors.New("archive.dir: required when the archive is enabled")
	}
	return nil
}
