package archive

import (
	"errors"
	"fmt"
)

// Config is the `archive` section: a raw copy of every delivered report, so
// the index can always be rebuilt (`dmarc-agent ingest --reindex DIR`).
type Config struct {
	Enabled bool   `koanf:"enabled"`
	Dir     string `koanf:"dir"`
	// Failure says what happens to failure reports, which are stored whole
	// (the original's headers, often its body, recipients in clear) even
	// though the index keeps neither body nor clear recipients: keep (the
	// default; the index can be rebuilt with the same ids) or skip (not
	// archived; a rebuild from the archive lacks them).
	Failure string `koanf:"failure"`
}

// DefaultConfig returns the defaults: on, in dmarc-archive under the working
// directory, failure reports kept. The archive is the only copy of an
// operator's history, so it is never off unless turned off.
func DefaultConfig() Config { return Config{Enabled: true, Dir: "dmarc-archive", Failure: "keep"} }

// SkipFailure reports that failure reports are not archived.
func (c Config) SkipFailure() bool { return c.Failure == "skip" }

// Validate checks the values.
func (c Config) Validate() error {
	var errs []error
	if c.Enabled && c.Dir == "" {
		errs = append(errs, errors.New("archive.dir: required when the archive is enabled"))
	}
	if c.Failure != "keep" && c.Failure != "skip" {
		errs = append(errs, fmt.Errorf("archive.failure: must be keep or skip, got %q", c.Failure))
	}
	return errors.Join(errs...)
}
