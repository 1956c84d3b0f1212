// Package archive keeps a compressed raw copy of every delivered report, so
// that the index can always be rebuilt (`dmarc-agent ingest --reindex DIR`).
//
// Each report payload is stored once under DIR/YYYY/MM/<sha256>.<ext>, where
// the month is the report's own date (UTC), the hash is of the raw
// (uncompressed) payload, and ext tells the kind: xml.gz (aggregate), json.gz
// (SMTP TLS) or eml.gz (failure). A payload already present is not written
// again.
package archive

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

// tempPrefix starts the names of payloads being written (in DIR itself, so
// that the final rename stays on one file system).
const tempPrefix = ".incoming-"

// Ext returns the file extension used for a report kind.
func Ext(k kind.Kind) (string, error) {
	switch k {
	case kind.Aggregate:
		return "xml.gz", nil
	case kind.SMTPTLS:
		return "json.gz", nil
	case kind.Failure:
		return "eml.gz", nil
	}
	return "", fmt.Errorf("archive: unknown report kind %q", k)
}

// Archive stores report payloads in a directory.
type Archive struct {
	dir string
	log *slog.Logger
}

// New creates the directory if needed and removes temporary files left by a
// crash. One agent writes to an archive directory at a time.
func New(cfg Config, logger *slog.Logger) (*Archive, error) {
	if cfg.Dir == "" {
		return nil, errors.New("archive: no directory configured")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating archive directory: %w", err)
	}
	a := &Archive{dir: cfg.Dir, log: logger.With("component", "archive")}
	a.removeStaleTemps()
	return a, nil
}

// Dir is the archive's root directory.
func (a *Archive) Dir() string { return a.dir }

// Start begins storing one payload.
func (a *Archive) Start() (*Writer, error) {
	f, err := os.CreateTemp(a.dir, tempPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("creating archive file: %w", err)
	}
	return newWriter(a, f), nil
}

// Path returns where a payload with this hash, kind and date is stored.
func (a *Archive) Path(sum string, k kind.Kind, date time.Time) (string, error) {
	ext, err := Ext(k)
	if err != nil {
		return "", err
	}
	if date.IsZero() {
		return "", errors.New("archive: the report has no date")
	}
	d := date.UTC()
	return filepath.Join(a.dir, d.Format("2006"), d.Format("01"), sum+"."+ext), nil
}

func (a *Archive) removeStaleTemps() {
	entries, err := os.ReadDir(a.dir)
	if err != nil {
		a.log.Warn("listing archive directory", "err", err)
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if err := os.Remove(filepath.Join(a.dir, e.Name())); err == nil {
			a.log.Info("removed an unfinished archive file left by a crash", "name", e.Name())
		}
	}
}
