package dir

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher feeds fsnotify events into the run's file table.
type watcher struct {
	fw     *fsnotify.Watcher
	warned atomic.Bool // a failed watch was logged at warn level once
	r      *run
	done   chan struct{}
	rescan chan struct{} // an overflow lost events: scan now
}

func (r *run) startWatcher() (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &watcher{fw: fw, r: r, done: make(chan struct{}), rescan: make(chan struct{}, 1)}
	r.w = w
	go w.loop()
	return w, nil
}

func (w *watcher) stop() {
	w.fw.Close()
	<-w.done
	w.r.w = nil
}

// add watches one directory (fsnotify is not recursive on Linux).
func (w *watcher) add(dir string) {
	if err := w.fw.Add(dir); err != nil {
		level := slog.LevelDebug
		if w.warned.CompareAndSwap(false, true) {
			level = slog.LevelWarn // once: every rescan would repeat it (fs.inotify.max_user_watches)
		}
		w.r.log.Log(context.Background(), level, "watching directory; relying on rescans there", "dir", dir, "err", err)
	}
}

func (w *watcher) loop() {
	defer close(w.done)
	for {
		select {
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			w.r.handle(ev)
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.r.m.overflows.Inc()
				w.r.log.Warn("file-system events lost; rescanning")
				w.r.distrustEvents()
				select {
				case w.rescan <- struct{}{}:
				default:
				}
				continue
			}
			w.r.log.Warn("file-system watcher", "err", err)
		}
	}
}

// distrustEvents drops the renamed-in shortcut after lost events: a missed
// Write could make a file being written look complete.
func (r *run) distrustEvents() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.files {
		e.created = false
	}
}

func (r *run) handle(ev fsnotify.Event) {
	p := ev.Name
	now := time.Now()
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		r.forget(p)
		return
	}
	if ev.Has(fsnotify.Create) {
		info, err := os.Lstat(p)
		if err != nil {
			return
		}
		if info.IsDir() {
			if !r.skipDir(p) {
				if _, err := r.walk(p, true); err != nil {
					r.log.Debug("scanning new directory", "err", err)
				}
			}
			return
		}
		if r.skipFile(p) {
			return
		}
		info, why := r.statInput(p)
		if info == nil {
			r.noteSkipped(p, why)
			return
		}
		r.mu.Lock()
		e := r.files[p]
		if e == nil {
			e = &entry{}
			r.files[p] = e
		}
		if e.status != statusInFlight {
			// New, or a new file renamed over an old one.
			e.status, e.hashed, e.attempts, e.notBefore = statusPending, false, 0, time.Time{}
			e.size, e.mtime = info.Size(), info.ModTime()
		}
		e.created, e.wrote, e.since, e.gone = true, ev.Has(fsnotify.Write), now, false
		r.mu.Unlock()
		return
	}
	if ev.Has(fsnotify.Write) {
		r.mu.Lock()
		if e := r.files[p]; e != nil {
			e.wrote, e.since, e.hashed = true, now, false
			if e.status == statusDone || e.status == statusSkipped {
				e.status = statusPending
			}
		}
		r.mu.Unlock()
	}
}

// forget drops a removed or renamed-away path and everything under it.
// A known file (the common case: the source's own move or delete of each
// delivered file) is found directly; only a directory needs the scan.
func (r *run) forget(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.files[p]; e != nil {
		r.forgetLocked(p, e)
		return
	}
	for q, e := range r.files {
		if isUnder(q, p) {
			r.forgetLocked(q, e)
		}
	}
}

func (r *run) forgetLocked(p string, e *entry) {
	if e.status == statusInFlight {
		e.gone = true
	} else {
		delete(r.files, p)
	}
}
