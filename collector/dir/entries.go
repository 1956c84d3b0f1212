package dir

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fileStatus is where a file is in its life.
type fileStatus int

const (
	statusPending  fileStatus = iota // waiting to be stable, or for a retry
	statusInFlight                   // sent, waiting for its Ack
	statusDone                       // delivered and left in place (after_delivery: leave)
	statusSkipped                    // once mode: a transient failure, tried again at the next run
)

// entry is what the source knows about one file.
type entry struct {
	status    fileStatus
	size      int64
	mtime     time.Time
	since     time.Time // when size, mtime or writes last changed (our clock)
	created   bool      // appeared through a Create event (a new file, or renamed in)
	wrote     bool      // a Write event was seen since it appeared
	hashed    bool      // sum and info describe the current size and mtime
	sum       [32]byte
	info      os.FileInfo // of the file that was hashed, to detect replacement
	attempts  int         // transient failures in a row
	notBefore time.Time   // backoff after a transient failure
	gone      bool        // removed or renamed away while in flight
	// incomplete: read as truncated while recently modified; a change
	// ends the wait for truncated_grace (it is read once stable again).
	incomplete bool
}

// observe records a stat result; a change restarts the stability clock and
// makes a delivered file pending again (its content changed).
func (e *entry) observe(size int64, mtime time.Time, now time.Time) {
	if size == e.size && mtime.Equal(e.mtime) {
		return
	}
	e.size, e.mtime, e.since, e.hashed = size, mtime, now, false
	if e.incomplete {
		e.incomplete, e.notBefore = false, time.Time{}
	}
	if e.status == statusDone || e.status == statusSkipped {
		e.status = statusPending
	}
}

// tempSuffixes mark files still being written by some tool.
var tempSuffixes = []string{".tmp", ".temp", ".part", ".partial", ".filepart", ".crdownload", ".swp", "~"}

// skipName reports a name that is never read: dot-files and temporary names.
func skipName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return true
	}
	lower := strings.ToLower(name)
	for _, s := range tempSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}

// skipDir reports a directory not to descend into: the processed and failed
// folders, and hidden ones.
func (s *Source) skipDir(path string) bool {
	return path != s.root && (path == s.processed || path == s.failed || skipName(filepath.Base(path)))
}

// skipFile reports a file never to deliver.
func (s *Source) skipFile(path string) bool {
	return skipName(filepath.Base(path)) || path == s.stateFile
}

// isUnder reports whether path is dir or inside it.
func isUnder(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+string(filepath.Separator))
}

// scan walks the tree: new files become pending, changed ones pending
// again, and files no longer there are forgotten. A scan is counted once
// its walk is done, so that a counted scan has added every watch: the
// first count is the source's readiness signal.
func (r *run) scan() error {
	seen, err := r.walk(r.root, false)
	if err != nil {
		return err
	}
	r.mu.Lock()
	for p, e := range r.files {
		if !seen[p] && e.status != statusInFlight {
			delete(r.files, p)
		}
	}
	r.mu.Unlock()
	r.m.rescans.Inc()
	return nil
}

// walk visits dir recursively: it watches every directory (when watching)
// and records every file. created marks files as just appeared (a directory
// renamed in).
func (r *run) walk(dir string, created bool) (map[string]bool, error) {
	seen := map[string]bool{}
	now := time.Now()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			r.log.Debug("skipping unreadable path", "path", p, "err", err)
			return nil
		}
		if d.IsDir() {
			if r.skipDir(p) {
				return filepath.SkipDir
			}
			if r.w != nil {
				r.w.add(p)
			}
			return nil
		}
		if r.skipFile(p) {
			return nil
		}
		info, why := r.statInput(p)
		if info == nil {
			r.noteSkipped(p, why)
			return nil
		}
		seen[p] = true
		r.mu.Lock()
		e := r.files[p]
		if e == nil {
			e = &entry{size: info.Size(), mtime: info.ModTime(), since: now, created: created}
			r.files[p] = e
		} else if e.status != statusInFlight {
			e.observe(info.Size(), info.ModTime(), now)
		}
		r.mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", dir, err)
	}
	return seen, nil
}

// stableFor is how long a file must stay unchanged. Empty files wait ten
// times longer: a writer may not have started yet.
func (r *run) stableFor(e *entry) time.Duration {
	if e.size == 0 {
		return 10 * r.cfg.StableFor
	}
	return r.cfg.StableFor
}

// renameSettle is how long a file that appeared with its content (renamed
// in) waits for a late Write event before it is read.
const renameSettle = 100 * time.Millisecond

// ready reports whether a pending file may be read now.
func (r *run) ready(e *entry, now time.Time) bool {
	if e.status != statusPending || now.Before(e.notBefore) {
		return false
	}
	if now.Sub(e.since) >= r.stableFor(e) {
		return true
	}
	// Renamed in: it appeared through an event with its content, and no
	// write was ever seen on it.
	return e.created && !e.wrote && e.size > 0 && now.Sub(e.since) >= min(r.cfg.StableFor, renameSettle)
}

// backoff is the wait before the n-th retry of a transient failure: the
// rescan interval, doubling, at most 30 minutes.
func (r *run) backoff(n int) time.Duration {
	d := r.cfg.RescanInterval
	for i := 1; i < n && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}
