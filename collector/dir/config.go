package dir

import (
	"errors"
	"fmt"
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
	// FollowSymlinks reads files through symbolic links found in the
	// folder; by default links are skipped (logged once, counted).
	FollowSymlinks bool `koanf:"follow_symlinks"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		StableFor:      2 * time.Second,
		RescanInterval: time.Minute,
		AfterDelivery:  "leave",
		ProcessedDir:   "processed",
		FailedDir:      "failed",
		StateFile:      "dmarc-agent-dir.db",
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
	if c.StableFor < 0 {
		errs = append(errs, fmt.Errorf("sources.dir.stable_for: must not be negative, got %s", c.StableFor))
	}
	return errors.Join(errs...)
}
