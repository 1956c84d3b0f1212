package archive

import "errors"

// Config is the `archive` section: a raw copy of every delivered report, so
// the index can always be rebuilt (`dmarc-agent ingest --reindex DIR`).
type Config struct {
	Enabled bool   `koanf:"enabled"`
	Dir     string `koanf:"dir"`
}

// DefaultConfig returns the defaults: on, in dmarc-archive under the working
// directory. The archive is the only copy of an operator's history, so it is
// never off unless turned off.
func DefaultConfig() Config { return Config{Enabled: true, Dir: "dmarc-archive"} }

// Validate checks the values.
func (c Config) Validate() error {
	if c.Enabled && c.Dir == "" {
		return errors.New("archive.dir: required when the archive is enabled")
	}
	return nil
}
