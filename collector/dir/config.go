package dir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Config is the `sources.dir` section: a watched drop folder.
type Config struct {
	Enabled bool   `koanf:"enabled"`
	Path    string `koanf:"path"`
	// StableFor is how long size and mtime must stay unchanged before a file is read.
	StableFor time.Duration `koanf:"stable_for"`
	// RescanInterval is the periodic full scan that backs up fsnotify.
	RescanInterval time.Duration `koanf:"rescan_interval"`
	// AfterDelivery is what happens to a delivered file: leave, move or delete.
	AfterDelivery string `koanf:"after_delivery"`
	ProcessedDir  string `koanf:"processed_dir"`
	FailedDir     string `koanf:"failed_dir"`
	// StateFile is the embedded store of delivered content hashes.
	StateFile string `koanf:"state_file"`
	// TruncatedGrace is how long a file that reads as truncated (unexpected
	// end of XML, gzip or zip) may stay unchanged before it goes to the
	// failed folder: a writer may have paused. Until then it is read again
	// when it changes, or once it has been unchanged this long. 0: at once.
	TruncatedGrace time.Duration `koanf:"truncated_grace"`

	// FollowSymlinks reads files through symbolic links found in the
	// folder; by default links are skipped (logged once, counted).
	FollowSymlinks bool `koanf:"follow_symlinks"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Path:           "incoming", // relative to the working directory: /var/lib/dmarc-agent/incoming in the packaged deploys
		StableFor:      2 * time.Second,
		RescanInterval: time.Minute,
		AfterDelivery:  "leave",
		ProcessedDir:   "processed",
		FailedDir:      "failed",
		StateFile:      "dmarc-agent-dir.db",
		TruncatedGrace: 5 * time.Minute,
	}
}

// Validate checks the values.
func (c Config) Validate() error {
	if !c.Enabled {
		return nil
	}
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("sources.dir.path: required when the source is enabled"))
	}
	switch c.AfterDelivery {
	case "leave", "move", "delete":
	default:
		errs = append(errs, fmt.Errorf("sources.dir.after_delivery: must be leave, move or delete, got %q", c.AfterDelivery))
	}
	if c.RescanInterval <= 0 {
		errs = append(errs, fmt.Errorf("sources.dir.rescan_interval: must be positive, got %s", c.RescanInterval))
	}
	if c.TruncatedGrace < 0 {
		errs = append(errs, fmt.Errorf("sources.dir.truncated_grace: must not be negative, got %s", c.TruncatedGrace))
	}
	if c.StableFor < 0 {
		errs = append(errs, fmt.Errorf("sources.dir.stable_for: must not be negative, got %s", c.StableFor))
	}
	return errors.Join(errs...)
}

// CheckFolder reports a watched folder that is missing, is not a folder, or
// cannot be read: a configuration error to report at start, before anything
// runs, rather than a failure after the agent has started.
func (c Config) CheckFolder() error {
	f, err := os.Open(c.Path)
	if err != nil {
		return fmt.Errorf("sources.dir.path: the watched folder cannot be opened: %w (create it, or set sources.dir.path)", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("sources.dir.path: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("sources.dir.path: %s is not a folder", c.Path)
	}
	if _, err := f.ReadDir(1); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("sources.dir.path: the watched folder cannot be read: %w", err)
	}
	return nil
}
