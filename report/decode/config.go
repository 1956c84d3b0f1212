package decode

import "fmt"

// Config is the `decode` section.
type Config struct {
	// MaxReportBytes caps the decompressed size of one report payload.
	MaxReportBytes int64 `koanf:"max_report_bytes"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{MaxReportBytes: DefaultMaxBytes} }

// Validate checks the values.
func (c Config) Validate() error {
	if c.MaxReportBytes <= 0 {
		return fmt.Errorf("decode.max_report_bytes: must be positive, got %d", c.MaxReportBytes)
	}
	return nil
}

// Options turns the config into walk options.
func (c Config) Options() Options { return Options{MaxBytes: c.MaxReportBytes} }
