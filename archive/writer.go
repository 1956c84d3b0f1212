package archive

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

// Writer stores one payload: bytes written to it are hashed and compressed
// into a temporary file; Commit moves the file to its final name, Abort drops it.
type Writer struct {
	a    *Archive
	f    *os.File
	gz   *gzip.Writer
	sum  hash.Hash
	done bool
	err  error // first write error
}

func newWriter(a *Archive, f *os.File) *Writer {
	return &Writer{a: a, f: f, gz: gzip.NewWriter(f), sum: sha256.New()}
}

// Write adds payload bytes.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("archive: write after commit or abort")
	}
	if w.err != nil {
		return 0, w.err
	}
	w.sum.Write(p)
	if _, err := w.gz.Write(p); err != nil {
		w.err = fmt.Errorf("writing archive file: %w", err)
		return 0, w.err
	}
	return len(p), nil
}

// Commit stores the payload as DIR/YYYY/MM/<sha256>.<ext> for the report's
// kind and date (UTC). If that file exists, the payload was archived before
// and nothing is written. The file is synced to disk before it gets its name.
func (w *Writer) Commit(k kind.Kind, date time.Time) error {
	if w.done {
		return errors.New("archive: commit after commit or abort")
	}
	w.done = true
	tmp := w.f.Name()
	fail := func(err error) error {
		w.f.Close()
		os.Remove(tmp)
		return err
	}
	if w.err != nil {
		return fail(w.err)
	}
	dest, err := w.a.Path(hex.EncodeToString(w.sum.Sum(nil)), k, date)
	if err != nil {
		return fail(err)
	}
	if _, err := os.Stat(dest); err == nil {
		return fail(nil) // already archived
	}
	if err := w.gz.Close(); err != nil {
		return fail(fmt.Errorf("compressing archive file: %w", err))
	}
	if err := w.f.Sync(); err != nil {
		return fail(fmt.Errorf("syncing archive file: %w", err))
	}
	if err := w.f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("closing archive file: %w", err)
	}
	month := filepath.Dir(dest)
	if err := os.MkdirAll(month, 0o750); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("creating archive directory: %w", err)
	}
	// Two writers of the same payload may both get here; rename is atomic
	// and their files are identical, so either one wins.
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("storing archive file: %w", err)
	}
	return syncDir(month)
}

// Abort drops the payload. It does nothing after Commit, so `defer w.Abort()` is safe.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing unfinished archive file: %w", err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing archive directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing archive directory: %w", err)
	}
	return nil
}
