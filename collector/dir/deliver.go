package dir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// deliverReady checks pending files and sends the ready ones, oldest first.
// Sending blocks while the pipeline's queue is full. It returns an error
// only when ctx ends.
func (r *run) deliverReady(ctx context.Context) error {
	r.mu.Lock()
	var pending []string
	for p, e := range r.files {
		if e.status == statusPending {
			pending = append(pending, p)
		}
	}
	r.mu.Unlock()

	now := time.Now()
	type candidate struct {
		path  string
		mtime time.Time
	}
	var ready []candidate
	for _, p := range pending {
		info, why := r.statInput(p)
		r.mu.Lock()
		if e := r.files[p]; e != nil && e.status == statusPending {
			switch {
			case info == nil:
				delete(r.files, p) // gone (or replaced by a link); a rescan finds it again if it returns
			default:
				e.observe(info.Size(), info.ModTime(), now)
				if r.ready(e, now) {
					ready = append(ready, candidate{p, e.mtime})
				}
			}
		}
		r.mu.Unlock()
		if info == nil {
			r.noteSkipped(p, why)
		}
	}
	sort.Slice(ready, func(i, j int) bool {
		if !ready[i].mtime.Equal(ready[j].mtime) {
			return ready[i].mtime.Before(ready[j].mtime)
		}
		return ready[i].path < ready[j].path
	})
	for _, c := range ready {
		if err := r.deliver(ctx, c.path); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// deliver hashes one ready file and sends it, unless its content was
// delivered or rejected before (then it is disposed of as such) or the same
// content is in flight from another file (then it waits for that Ack).
func (r *run) deliver(ctx context.Context, path string) error {
	r.mu.Lock()
	e := r.files[path]
	if e == nil || e.status != statusPending {
		r.mu.Unlock()
		return nil
	}
	hashed, sum, info := e.hashed, e.sum, e.info
	size, mtime := e.size, e.mtime
	r.mu.Unlock()

	if !hashed {
		var err error
		sum, info, err = r.hashFile(path)
		r.mu.Lock()
		switch {
		case r.files[path] != e || e.status != statusPending:
			r.mu.Unlock()
			return nil
		case err != nil:
			r.retryLocked(e, time.Now())
			r.mu.Unlock()
			r.log.Warn("reading file; will retry", "path", path, "err", err)
			return nil
		case info.Size() != size || !info.ModTime().Equal(mtime):
			e.observe(info.Size(), info.ModTime(), time.Now()) // still being written
			r.mu.Unlock()
			return nil
		}
		e.sum, e.info, e.hashed = sum, info, true
		r.mu.Unlock()
	}

	r.mu.Lock()
	_, busy := r.inflight[sum]
	r.mu.Unlock()
	if busy {
		return nil // the same content is in flight: wait for its Ack
	}
	rec, known, err := r.st.get(sum)
	if err != nil {
		r.fault.Set(err)
		r.log.Error("reading state; will retry", "path", path, "err", err)
		r.mu.Lock()
		r.retryLocked(e, time.Now())
		r.mu.Unlock()
		return nil
	}
	if known {
		r.m.known.Inc()
		r.disposeKnown(path, e, rec)
		return nil
	}

	r.mu.Lock()
	if r.files[path] != e || e.status != statusPending || !e.hashed {
		r.mu.Unlock()
		return nil
	}
	e.status = statusInFlight
	r.inflight[sum] = path
	r.acks.Add(1)
	r.mu.Unlock()

	select {
	case r.out <- r.message(path, sum, info):
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		delete(r.inflight, sum)
		if e.gone {
			delete(r.files, path)
		}
		e.status = statusPending
		r.mu.Unlock()
		r.acks.Done()
		return ctx.Err()
	}
}

// retryLocked puts a file back to pending with a backoff (r.mu held).
func (r *run) retryLocked(e *entry, now time.Time) {
	e.attempts++
	if r.once {
		e.status = statusSkipped
		return
	}
	e.status = statusPending
	e.notBefore = now.Add(r.backoff(e.attempts))
}

func (r *run) message(path string, sum [32]byte, info os.FileInfo) collector.Message {
	rel, _ := filepath.Rel(r.root, path)
	return collector.Message{
		Source:   Name,
		ID:       rel,
		Name:     filepath.Base(path),
		Received: info.ModTime(),
		Open: func(context.Context) (io.ReadCloser, error) {
			f, err := r.openInput(path)
			if err != nil {
				return nil, fmt.Errorf("opening %s: %w", strconv.Quote(rel), err)
			}
			return &verifyReader{f: f, h: sha256.New(), want: sum, name: rel}, nil
		},
		Ack: r.ackFunc(path, rel, sum, info),
	}
}

// hashFile returns the SHA-256 of a file's bytes and the file's status.
func (s *Source) hashFile(path string) ([32]byte, os.FileInfo, error) {
	var sum [32]byte
	f, err := s.openInput(path)
	if err != nil {
		return sum, nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		return sum, nil, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, info, nil
}

// verifyReader fails at the end of the file if the bytes read are not the
// ones that were hashed (the file changed after it was found stable), so that
// a half-written file is never acknowledged under another content's hash.
type verifyReader struct {
	f    *os.File
	h    hash.Hash
	want [32]byte
	name string
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF && !bytes.Equal(v.h.Sum(nil), v.want[:]) {
		return n, fmt.Errorf("%s changed after it was found complete", v.name)
	}
	return n, err
}

func (v *verifyReader) Close() error { return v.f.Close() }
