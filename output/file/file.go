// Package file is the NDJSON output used when no OpenSearch is configured:
// one <dir>/<index>.ndjson file per index, in _bulk format (an action line with
// _index and _id, then the document), ready for `curl --data-binary @file
// <cluster>/_bulk`.
package file

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
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

// Output writes NDJSON files. Write calls are serialised, so the documents
// of one call stay together and in order.
type Output struct {
	dir     string
	mode    Mode
	action  string
	mu      sync.Mutex
	files   map[string]*indexFile
	names   []string
	seen    map[[16]byte]struct{}
	closed  bool
	scratch []byte
}

type indexFile struct {
	f *os.File
	w *bufio.Writer
}

// New returns an output writing under cfg.Dir. With reindex the action line
// says "index" (overwrite when loaded), otherwise "create".
func New(cfg Config, mode Mode, reindex bool) (*Output, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating output directory: %w", err)
	}
	action := "create"
	if reindex {
		action = "index"
	}
	return &Output{dir: cfg.Dir, mode: mode, action: action, files: map[string]*indexFile{}, seen: map[[16]byte]struct{}{}}, nil
}

// Write implements output.Output. A document whose id was already written by
// this process is counted as a duplicate and not written again, as
// OpenSearch's create would answer 409.
func (o *Output) Write(ctx context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var res output.Result
	if o.closed {
		return res, errors.New("file output is closed")
	}
	for d, err := range docs {
		if err != nil {
			return res, err
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		key := idKey(d.ID)
		if _, dup := o.seen[key]; dup {
			res.Duplicates++
			continue
		}
		f, err := o.file(d.Index)
		if err != nil {
			return res, err
		}
		o.scratch = appendAction(o.scratch[:0], o.action, d.Index, d.ID)
		o.scratch = append(o.scratch, d.Body...)
		o.scratch = append(o.scratch, '\n')
		if _, err := f.w.Write(o.scratch); err != nil {
			return res, fmt.Errorf("writing %s: %w", f.f.Name(), err)
		}
		o.seen[key] = struct{}{}
		res.Indexed++
	}
	for _, f := range o.files {
		if err := f.w.Flush(); err != nil {
			return res, fmt.Errorf("writing %s: %w", f.f.Name(), err)
		}
	}
	return res, nil
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

func appendAction(b []byte, action, index, id string) []byte {
	b = append(b, `{"`...)
	b = append(b, action...)
	b = append(b, `":{"_index":`...)
	b, _ = appendJSONString(b, index)
	b = append(b, `,"_id":`...)
	b, _ = appendJSONString(b, id)
	return append(b, "}}\n"...)
}

func appendJSONString(b []byte, s string) ([]byte, error) {
	enc, err := json.Marshal(s)
	return append(b, enc...), err
}

func (o *Output) file(index string) (*indexFile, error) {
	if f, ok := o.files[index]; ok {
		return f, nil
	}
	flags := os.O_CREATE | os.O_WRONLY
	if o.mode == Append {
		flags |= os.O_APPEND
	} else {
		flags |= os.O_TRUNC
	}
	name := filepath.Join(o.dir, filepath.Base(index)+".ndjson")
	f, err := os.OpenFile(name, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", name, err)
	}
	o.files[index] = &indexFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}
	o.names = append(o.names, name)
	return o.files[index], nil
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
	for idx, f := range o.files {
		if err := f.w.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", f.f.Name(), err))
		}
		if err := f.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing %s: %w", f.f.Name(), err))
		}
		delete(o.files, idx)
	}
	return errors.Join(errs...)
}
