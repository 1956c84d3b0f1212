// Package dir is the watched-directory source: it delivers every report file
// that lands in a folder (recursively), once.
//
// A file is read only when it is complete: its size and mtime have not
// changed for stable_for, or it was renamed into the folder (it appeared with
// its content and no write was seen). Names that look temporary (dot-files,
// *.tmp, *.part, ...) are never read. fsnotify events give speed; a periodic
// rescan catches what events miss (network file systems, overflows).
//
// A small embedded store (bbolt) records the SHA-256 of every delivered or
// rejected file content, so that neither a rescan nor a restart delivers the
// same content twice; the record is written only inside Ack, after the output
// has acknowledged every document. Content in flight is never delivered twice
// at once: a second file with the same bytes waits for the first one's Ack.
package dir

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/internal/health"
)

// Name is the source's name in messages, logs and metrics.
const Name = "dir"

// Source watches one directory tree.
type Source struct {
	cfg       Config
	root      string // absolute
	processed string // absolute
	failed    string // absolute
	stateFile string // absolute
	log       *slog.Logger
	m         *metrics
	fault     *health.Fault // state file reads and writes failing
	noEvents  bool          // tests: no fsnotify, rescans only (as on a network file system)
	// stateWrites, in tests, makes state writes fail as on a full disk.
	stateWrites func() error
	cur         atomic.Pointer[run] // the Run under way, nil between runs
}

// New checks the configuration and resolves its paths: processed_dir and
// failed_dir relative to path, state_file relative to the working directory.
// reg may be nil.
func New(cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Source, error) {
	cfg.Enabled = true
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	root, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("sources.dir.path: %w", err)
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real // a symlinked folder is walked and watched through its target
	}
	// An absolute processed_dir or failed_dir is the operator's own and may
	// be a link; one inside the drop folder is never followed (anyone who
	// can drop files could have planted the link).
	under := func(p string) string {
		if !filepath.IsAbs(p) {
			return filepath.Join(root, p)
		}
		p = filepath.Clean(p)
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return p
	}
	stateFile, err := filepath.Abs(cfg.StateFile)
	if err != nil {
		return nil, fmt.Errorf("sources.dir.state_file: %w", err)
	}
	s := &Source{
		cfg: cfg, root: root, processed: under(cfg.ProcessedDir), failed: under(cfg.FailedDir),
		stateFile: stateFile, log: logger.With("component", "source", "source", Name),
		fault: health.NewFault("dir_state", reg),
	}
	s.m = newMetrics(reg, s.pendingFiles)
	return s, nil
}

// pendingFiles counts, at scrape time, the files found and not yet
// acknowledged: waiting to be stable or for a retry, or in flight.
func (s *Source) pendingFiles() float64 {
	r := s.cur.Load()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.files {
		if e.status == statusPending || e.status == statusInFlight {
			n++
		}
	}
	return float64(n)
}

// Name implements collector.Source.
func (s *Source) Name() string { return Name }

// Fault describes a current internal fault (the state file cannot be read
// or written), nil if there is none. Readiness reports it.
func (s *Source) Fault() error { return s.fault.Err() }

// Run implements collector.Source. It opens the state store, scans the tree,
// and (without once) watches it until ctx ends. Before returning it waits for
// the Ack of every message it sent, then closes the store.
func (s *Source) Run(ctx context.Context, out chan<- collector.Message, once bool) error {
	st, err := openState(s.stateFile, s.log)
	if err != nil {
		return err
	}
	st.failWrites = s.stateWrites
	r := &run{
		Source: s, st: st, out: out, once: once,
		files:    map[string]*entry{},
		inflight: map[[32]byte]string{},
		skipped:  map[string]bool{},
		wake:     make(chan struct{}, 1),
	}
	s.cur.Store(r)
	defer func() {
		r.acks.Wait()
		s.cur.CompareAndSwap(r, nil)
		if err := st.close(); err != nil {
			s.log.Error("closing state file", "err", err)
		}
	}()
	if once {
		return r.runOnce(ctx)
	}
	return r.runWatching(ctx)
}

// run is the state of one Run call.
type run struct {
	*Source
	st   *state
	out  chan<- collector.Message
	once bool
	wake chan struct{} // an ack or an event may have made a file ready
	w    *watcher      // nil in once mode

	mu       sync.Mutex
	files    map[string]*entry   // by absolute path
	skipped  map[string]bool     // links and special files already logged
	inflight map[[32]byte]string // content hash → path being delivered
	acks     sync.WaitGroup      // messages sent and not yet acknowledged
}

// pollInterval is how often pending files are checked for stability.
func (r *run) pollInterval() time.Duration {
	return min(max(r.cfg.StableFor/4, 10*time.Millisecond), 500*time.Millisecond)
}

func (r *run) runOnce(ctx context.Context) error {
	if err := r.scan(); err != nil {
		return err
	}
	tick := time.NewTicker(r.pollInterval())
	defer tick.Stop()
	for {
		if err := r.deliverReady(ctx); err != nil {
			return nil // ctx ended
		}
		if r.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-r.wake:
		}
	}
}

func (r *run) runWatching(ctx context.Context) error {
	overflow := make(<-chan struct{})
	if !r.noEvents {
		w, err := r.startWatcher()
		if err != nil {
			return fmt.Errorf("watching %s: %w", r.root, err)
		}
		defer w.stop()
		overflow = w.rescan
	}
	if err := r.scan(); err != nil {
		return err
	}
	tick := time.NewTicker(r.pollInterval())
	defer tick.Stop()
	rescan := time.NewTicker(r.cfg.RescanInterval)
	defer rescan.Stop()
	for {
		if err := r.deliverReady(ctx); err != nil {
			return nil // ctx ended
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-r.wake:
		case <-rescan.C:
			if err := r.scan(); err != nil {
				r.log.Warn("rescan failed", "err", err)
			}
		case <-overflow:
			if err := r.scan(); err != nil {
				r.log.Warn("rescan failed", "err", err)
			}
		}
	}
}

// wakeUp asks the loop to look for ready files now.
func (r *run) wakeUp() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// idle reports, in once mode, that nothing is left to do: no file waits for
// stability or for a duplicate's Ack, and nothing is in flight.
func (r *run) idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.files {
		if e.status == statusPending || e.status == statusInFlight {
			return false
		}
	}
	return true
}
