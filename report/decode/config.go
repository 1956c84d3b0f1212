package decode

import (
	"errors"
	"fmt"
)

// Config is the `decode` section.
type Config struct {
	// MaxReportBytes caps the decompressed size of one report payload.
	MaxReportBytes int64 `koanf:"max_report_bytes"`
	// MaxMessageBytes caps the bytes decompressed from one input (file,
	// mail) in all: every zip entry and gzip layer of it together.
	MaxMessageBytes int64 `koanf:"max_message_bytes"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{MaxReportBytes: DefaultMaxBytes, MaxMessageBytes: DefaultMaxMessageBytes}
}

// Validate checks the values.
func (c Config) Validate() error {
	var errs []error
	if c.MaxReportBytes <= 0 {
		errs = append(errs, fmt.Errorf("decode.max_report_bytes: must be positive, got %d", c.MaxReportBytes))
	}
	if c.MaxMessageBytes <= 0 {
		errs = append(errs, fmt.Errorf("decode.max_message_bytes: must be positive, got %d", c.MaxMessageBytes))
	}
	return errors.Join(errs...)
}

// Options turns the config into walk options.
func (c Config) Options() Options {
	// A message may always hold one report of the largest allowed size.
	return Options{MaxBytes: c.MaxReportBytes, MaxMessageBytes: max(c.MaxMessageBytes, c.MaxReportBytes)}
}
