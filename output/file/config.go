package file

import "errors"

// Config is the `output.file` section: the NDJSON output used when no
// OpenSearch is configured.
type Config struct {
	// Dir receives one <index>.ndjson file per index, in _bulk format.
	Dir string `koanf:"dir"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{Dir: "./dmarc-out"} }

// Validate checks the values.
func (c Config) Validate() error {
	if c.Dir == "" {
		return errors.New("output.file.dir: must not be empty")
	}
	return nil
}
