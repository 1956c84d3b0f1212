package dir

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/collector"

	"github.com/dmarc-agent/dmarc-agent/internal/testwait"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sink plays the pipeline: workers read each message fully and decide its
// outcome from its content: "BAD..." holds no report, "FLAKY..." fails
// transiently the first time, anything else is delivered.
type sink struct {
	t              *testing.T
	mu             sync.Mutex
	got            map[string]int // content → deliveries
	ids            map[string]string
	attempts       map[string]int
	active         map[string]bool
	outcomes       []collector.Outcome
	ackErrs        []error // acks that failed, when allowed
	allowAckErrors bool
}

func newSink(t *testing.T) *sink {
	return &sink{t: t, got: map[string]int{}, ids: map[string]string{}, attempts: map[string]int{}, active: map[string]bool{}}
}

func (s *sink) consume(ctx context.Context, out <-chan collector.Message, workers int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case msg := <-out:
					s.handle(msg)
				}
			}
		})
	}
	return &wg
}

func (s *sink) handle(msg collector.Message) {
	rc, err := msg.Open(context.Background())
	var content string
	if err == nil {
		var b []byte
		b, err = io.ReadAll(rc)
		rc.Close()
		content = string(b)
	}
	s.mu.Lock()
	if s.active[content] {
		s.t.Errorf("content of %s delivered twice at once", msg.ID)
	}
	s.active[content] = true
	s.attempts[content]++
	attempt := s.attempts[content]
	s.mu.Unlock()
	time.Sleep(time.Millisecond) // widen the window for concurrent duplicates
	var o collector.Outcome
	switch {
	case err != nil:
		o = collector.Outcome{Err: err}
	case content == "":
		o = collector.Outcome{Err: collector.ErrNoReport, Reason: "empty file"}
	case strings.HasPrefix(content, "BAD"):
		o = collector.Outcome{Err: collector.ErrNoReport, Reason: "not a report: " + strings.TrimSpace(content)}
	case strings.HasPrefix(content, "FLAKY") && attempt == 1:
		o = collector.Outcome{Err: errors.New("output unavailable")}
	default:
		o = collector.Outcome{Reports: map[string]int{"aggregate": 1}}
	}
	s.mu.Lock()
	delete(s.active, content)
	if o.Delivered() {
		s.got[content]++
		s.ids[content] = msg.ID
	}
	s.outcomes = append(s.outcomes, o)
	s.mu.Unlock()
	if err := msg.Ack(context.Background(), o); err != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.allowAckErrors {
			s.t.Errorf("ack %s: %v", msg.ID, err)
		}
		s.ackErrs = append(s.ackErrs, err)
	}
}

// delivered returns content → deliveries.
func (s *sink) delivered() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.got))
	for k, v := range s.got {
		m[k] = v
	}
	return m
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.outcomes)
}

type testEnv struct {
	t     *testing.T
	root  string
	state string
	cfg   Config
}

func newEnv(t *testing.T) *testEnv {
	base := t.TempDir()
	root := filepath.Join(base, "incoming")
	if err := os.MkdirAll(root, 0o750); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Enabled = true
	cfg.Path = root
	cfg.StableFor = 100 * time.Millisecond
	cfg.RescanInterval = 200 * time.Millisecond
	cfg.StateFile = filepath.Join(base, "state", "dir.db")
	return &testEnv{t: t, root: root, state: cfg.StateFile, cfg: cfg}
}

func (e *testEnv) source() *Source {
	s, err := New(e.cfg, nil, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// write creates root/rel with content at once.
func (e *testEnv) write(rel, content string) string {
	e.t.Helper()
	p := filepath.Join(e.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// runOnce runs the source once with a sink of 4 workers.
func (e *testEnv) runOnce(s *Source, snk *sink) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan collector.Message)
	wg := snk.consume(ctx, out, 4)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, out, true) }()
	select {
	case err := <-done:
		if err != nil {
			e.t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		e.t.Fatal("once run did not return")
	}
	cancel()
	wg.Wait()
}

// running is a watching Run in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
	wg     *sync.WaitGroup
}

func (e *testEnv) start(s *Source, snk *sink) *running {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan collector.Message, 2)
	r := &running{cancel: cancel, done: make(chan error, 1)}
	r.wg = snk.consume(ctx, out, 4)
	go func() { r.done <- s.Run(ctx, out, false) }()
	return r
}

// startReady starts s and returns once its first scan is done: the state
// store is open and, unless events are off, every directory is watched.
func (e *testEnv) startReady(s *Source, snk *sink) *running {
	e.t.Helper()
	r := e.start(s, snk)
	waitFor(e.t, "first scan", func() bool { return testutil.ToFloat64(s.m.rescans) >= 1 })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	r.wg.Wait()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.Until(t, what, 15*time.Second, cond)
}

// tree lists the files under dir (relative, sorted), "" if dir is missing.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func hexSum(s string) string {
	h := sha256.Sum256([]byte(s))
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 12)
	for _, c := range h[:6] {
		b = append(b, digits[c>>4], digits[c&15])
	}
	return string(b)
}
