// Package file is the NDJSON output used when no OpenSearch is configured:
// one <dir>/<index>.ndjson file per index, in _bulk format (an action line with
// _index and _id, then the document), ready for `curl --data-binary @file
// <cluster>/_bulk`.
//
// A Write is all or nothing: if any write or flush fails (a full disk), every
// file it touched is truncated back to where it stood before the Write, so no
// torn line and no half-written report stay behind, and the ids it wrote are
// forgotten, so the redelivered message writes each document exactly once.
package file

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// Mode says what happens to files that exist when the output starts.
type Mode int

const (
	// Truncate starts every file afresh (one-shot ingest: the same inputs
	// give byte-identical files).
	Truncate Mode = iota
	// Append adds to existing files (the long-running agent).
	Append
)

// File and directory modes: report data is not for every local user.
const (
	fileMode = 0o640
	dirMode  = 0o750
)

// DeadLetterFile is the name, in the output directory, of the NDJSON file
// of refused documents: one JSON object per line with the document, the
// reason and the message it came from (not _bulk format).
const DeadLetterFile = "dead-letter.ndjson"

// handle is the part of *os.File the output uses (tests inject faults).
type handle interface {
	io.Writer
	Truncate(size int64) error
	Close() error
	Name() string
}

// Output writes NDJSON files. Write calls are serialised, so the documents
// of one call stay together and in order.
type Output struct {
	dir     string
	mode    Mode
	action  string
	open    func(name string, flag int, perm os.FileMode) (handle, error)
	mu      sync.Mutex
	files   map[string]*indexFile
	names   []string
	seen    map[[16]byte]struct{}
	closed  bool
	scratch []byte
}

type indexFile struct {
	f handle
	w *bufio.Writer
	// size is the length of the file up to its last whole Write.
	size int64
	// dirty is set when a failed Write could not be truncated away; the
	// next Write truncates first.
	dirty bool
	// added is what the current Write has buffered or written.
	added int64
}

// New returns an output writing under cfg.Dir. With reindex the action line
// says "index" (overwrite when loaded), otherwise "create".
func New(cfg Config, mode Mode, reindex bool) (*Output, error) {
	if err := os.MkdirAll(cfg.Dir, dirMode); err != nil {
		return nil, fmt.Errorf("creating output directory: %w", err)
	}
	action := "create"
	if reindex {
		action = "index"
	}
	return &Output{dir: cfg.Dir, mode: mode, action: action, open: openFile,
		files: map[string]*indexFile{}, seen: map[[16]byte]struct{}{}}, nil
}

func openFile(name string, flag int, perm os.FileMode) (handle, error) {
	return os.OpenFile(name, flag, perm)
}

// Write implements output.Output. A document whose id was already written by
// this process is counted as a duplicate and not written again, as
// OpenSearch's create would answer 409. A document that cannot be written as
// one NDJSON line (no index or id, a body that is not JSON) is refused and
// kept in DeadLetterFile.
func (o *Output) Write(ctx context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var res output.Result
	if o.closed {
		return res, errors.New("file output is closed")
	}
	tx := &writeTx{o: o}
	fail := func(err error) (output.Result, error) {
		return output.Result{}, errors.Join(err, tx.rollback())
	}
	for d, err := range docs {
		if err != nil {
			return fail(err)
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		key := idKey(d.ID)
		if _, dup := o.seen[key]; dup {
			res.Duplicates++
			continue
		}
		body, reason := lineOf(d)
		if reason != "" {
			if err := tx.deadLetter(ctx, d, reason); err != nil {
				return fail(err)
			}
			res.Failed = append(res.Failed, output.Failure{Index: d.Index, ID: d.ID, Reason: reason})
			res.DeadLetter = filepath.Join(o.dir, DeadLetterFile)
			continue
		}
		o.scratch = output.AppendAction(o.scratch[:0], o.action, d)
		o.scratch = append(o.scratch, body...)
		o.scratch = append(o.scratch, '\n')
		if err := tx.write(filepath.Base(d.Index)+".ndjson", o.scratch); err != nil {
			return fail(err)
		}
		o.seen[key] = struct{}{}
		tx.ids = append(tx.ids, key)
		res.Indexed++
	}
	if err := tx.commit(); err != nil {
		return fail(err)
	}
	return res, nil
}

// lineOf returns d's body as one line, or why it cannot be written.
func lineOf(d output.Doc) ([]byte, string) {
	if d.Index == "" || d.ID == "" {
		return nil, "document without index or id"
	}
	if bytes.IndexByte(d.Body, '\n') < 0 && bytes.IndexByte(d.Body, '\r') < 0 {
		return d.Body, ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, d.Body); err != nil {
		return nil, "document is not valid JSON: " + err.Error()
	}
	return b.Bytes(), ""
}

// writeTx is one Write: the files it touched, to flush or roll back.
type writeTx struct {
	o       *Output
	touched []*indexFile
	ids     [][16]byte
}

func (tx *writeTx) write(name string, line []byte) error {
	f, err := tx.o.file(name)
	if err != nil {
		return err
	}
	if !slices.Contains(tx.touched, f) {
		if f.dirty { // a previous rollback failed: try again first
			if err := f.f.Truncate(f.size); err != nil {
				return fmt.Errorf("truncating %s after an earlier write error: %w", f.f.Name(), err)
			}
			f.dirty = false
		}
		f.added = 0
		tx.touched = append(tx.touched, f)
	}
	if _, err := f.w.Write(line); err != nil {
		return fmt.Errorf("writing %s: %w", f.f.Name(), err)
	}
	f.added += int64(len(line))
	return nil
}

// deadLetterEntry is one line of DeadLetterFile.
type deadLetterEntry struct {
	Index     string `json:"index"`
	ID        string `json:"id"`
	Reason    string `json:"reason"`
	Source    string `json:"source,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Document  string `json:"document"`
}

func (tx *writeTx) deadLetter(ctx context.Context, d output.Doc, reason string) error {
	origin := output.OriginFrom(ctx)
	line, err := json.Marshal(deadLetterEntry{Index: d.Index, ID: d.ID, Reason: reason,
		Source: origin.Source, MessageID: origin.ID, Document: string(d.Body)})
	if err != nil {
		return fmt.Errorf("encoding a dead-letter entry: %w", err)
	}
	return tx.write(DeadLetterFile, append(line, '\n'))
}

// commit flushes every touched file; the Write counts only if all succeed.
func (tx *writeTx) commit() error {
	for _, f := range tx.touched {
		if err := f.w.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", f.f.Name(), err)
		}
	}
	for _, f := range tx.touched {
		f.size += f.added
		f.added = 0
	}
	return nil
}

// rollback undoes the Write: every touched file is cut back to its size
// before it, with a fresh buffer (a bufio.Writer keeps its first error for
// good), and the ids it wrote are forgotten.
func (tx *writeTx) rollback() error {
	var errs []error
	for _, f := range tx.touched {
		f.w = bufio.NewWriterSize(f.f, 64<<10)
		f.added = 0
		if err := f.f.Truncate(f.size); err != nil {
			f.dirty = true
			errs = append(errs, fmt.Errorf("truncating %s after a write error: %w", f.f.Name(), err))
		}
	}
	for _, k := range tx.ids {
		delete(tx.o.seen, k)
	}
	return errors.Join(errs...)
}

// idKey folds an id into a fixed-size key to keep the seen set small: our
// ids are base64url of a hash that covers everything the index name is made
// of, so 128 bits of it identify a document.
func idKey(id string) [16]byte {
	var k [16]byte
	dec := make([]byte, 18)
	if n, err := base64.RawURLEncoding.Decode(dec, []byte(id[:min(len(id), 24)])); err == nil && n >= 16 {
		copy(k[:], dec)
		return k
	}
	sum := sha256.Sum256([]byte(id)) // not one of our ids
	copy(k[:], sum[:])
	return k
}

// file returns the open file named name (base name) in the directory.
func (o *Output) file(name string) (*indexFile, error) {
	if f, ok := o.files[name]; ok {
		return f, nil
	}
	path := filepath.Join(o.dir, name)
	var size int64
	if o.mode == Append || name == DeadLetterFile {
		var err error
		if size, err = repairTail(path, name != DeadLetterFile); err != nil {
			return nil, err
		}
	}
	// Always O_APPEND: after a rollback's truncate, the next write lands at
	// the new end, not at a stale offset past it.
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if o.mode == Truncate && name != DeadLetterFile {
		flags |= os.O_TRUNC
	}
	f, err := o.open(path, flags, fileMode)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o007 != 0 {
		// A file from an older version: not world-readable any more.
		_ = os.Chmod(path, st.Mode().Perm()&^0o007)
	}
	o.files[name] = &indexFile{f: f, w: bufio.NewWriterSize(f, 64<<10), size: size}
	if name != DeadLetterFile {
		o.names = append(o.names, path)
	}
	return o.files[name], nil
}

// Files lists the files written so far, sorted by index name.
func (o *Output) Files() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	names := slices.Clone(o.names)
	slices.Sort(names)
	return names
}

// Ready implements output.Output: the file output is always ready.
func (o *Output) Ready(context.Context) error { return nil }

// Close flushes and closes every file. Safe to call twice.
func (o *Output) Close(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	var errs []error
	for name, f := range o.files {
		if err := f.w.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", f.f.Name(), err))
		}
		if err := f.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing %s: %w", f.f.Name(), err))
		}
		delete(o.files, name)
	}
	return errors.Join(errs...)
}
