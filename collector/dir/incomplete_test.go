package dir

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// partialSink plays the pipeline for slow writers: content that does not end
// in "END" reads as truncated (rejected, incomplete), as half an XML file
// does; the rest is delivered. It records every read.
type partialSink struct {
	mu    sync.Mutex
	reads []string
	at    []time.Time
}

func (s *partialSink) consume(ctx context.Context, t *testing.T, out <-chan collector.Message) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case msg := <-out:
				rc, err := msg.Open(ctx)
				if err != nil {
					t.Error(err)
					continue
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				o := collector.Outcome{Reports: map[string]int{"aggregate": 1}}
				switch {
				case err != nil:
					o = collector.Outcome{Err: err}
				case !strings.HasSuffix(string(b), "END"):
					o = collector.Outcome{Err: fmt.Errorf("%w (%w)", collector.ErrNoReport, collector.ErrIncomplete), Reason: "XML truncated: end of input inside <record>"}
				}
				s.mu.Lock()
				s.reads = append(s.reads, string(b))
				s.at = append(s.at, time.Now())
				s.mu.Unlock()
				if err := msg.Ack(context.Background(), o); err != nil {
					t.Error(err)
				}
			}
		}
	})
	return &wg
}

func (s *partialSink) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reads...)
}

func (e *testEnv) runWith(s *Source, consume func(context.Context, <-chan collector.Message) *sync.WaitGroup) *running {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan collector.Message)
	r := &running{cancel: cancel, done: make(chan error, 1)}
	r.wg = consume(ctx, out)
	go func() { r.done <- s.Run(ctx, out, false) }()
	waitFor(e.t, "first scan", func() bool { return testutil.ToFloat64(s.m.rescans) >= 1 })
	return r
}

// A writer that pauses mid-file for three times stable_for: the half file is
// read, looks truncated, and stays where it is; once the writer finishes,
// the whole file is delivered once and nothing goes to failed/.
func TestPausedWriterIsNotFailed(t *testing.T) {
	env := newEnv(t)
	env.cfg.StableFor = 50 * time.Millisecond
	snk := &partialSink{}
	run := env.runWith(env.source(), func(ctx context.Context, out <-chan collector.Message) *sync.WaitGroup {
		return snk.consume(ctx, t, out)
	})
	defer run.stop(t)

	p := filepath.Join(env.root, "slow.xml")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("<feedback> first half")
	f.Sync()
	paused := time.Now()
	waitFor(t, "the half file read", func() bool { return len(snk.snapshot()) >= 1 })
	// The pause is the scenario: the writer stalls for 3 × stable_for
	// (the half file was read after stable_for already).
	time.Sleep(3*env.cfg.StableFor - time.Since(paused))
	if got := snk.snapshot(); len(got) != 1 {
		t.Errorf("half file read %d times during the pause, want 1 (it waits for a change or truncated_grace): %q", len(got), got)
	}
	f.WriteString(" second half END")
	f.Close()
	waitFor(t, "the whole file delivered", func() bool {
		got := snk.snapshot()
		return len(got) > 0 && strings.HasSuffix(got[len(got)-1], "END")
	})
	if got := snk.snapshot(); !reflect.DeepEqual(got, []string{"<feedback> first half", "<feedback> first half second half END"}) {
		t.Errorf("reads %q", got)
	}
	if got := tree(t, filepath.Join(env.root, "failed")); len(got) != 0 {
		t.Errorf("failed/ holds %v", got)
	}
}

// A file still truncated once it has been unchanged for truncated_grace is
// rejected for good: read again at the end of the grace, then moved to
// failed/ with its reason. With truncated_grace 0 it goes there at once.
func TestTruncatedFileFailsAfterTheGrace(t *testing.T) {
	for _, grace := range []time.Duration{400 * time.Millisecond, 0} {
		t.Run(grace.String(), func(t *testing.T) {
			env := newEnv(t)
			env.cfg.StableFor = 20 * time.Millisecond
			env.cfg.TruncatedGrace = grace
			snk := &partialSink{}
			run := env.runWith(env.source(), func(ctx context.Context, out <-chan collector.Message) *sync.WaitGroup {
				return snk.consume(ctx, t, out)
			})
			defer run.stop(t)
			p := env.write("cut.xml", "<feedback> cut short")
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "cut.xml in failed/", func() bool {
				return reflect.DeepEqual(tree(t, filepath.Join(env.root, "failed")), []string{"cut.xml", "cut.xml.reason"})
			})
			snk.mu.Lock()
			reads, last := len(snk.reads), snk.at[len(snk.at)-1]
			snk.mu.Unlock()
			want := 2
			if grace == 0 {
				want = 1
			}
			if reads != want {
				t.Errorf("read %d times, want %d", reads, want)
			}
			if since := last.Sub(info.ModTime()); since < grace {
				t.Errorf("rejected %s after its last change, before truncated_grace %s", since, grace)
			}
			reason, _ := os.ReadFile(filepath.Join(env.root, "failed", "cut.xml.reason"))
			if string(reason) != "XML truncated: end of input inside <record>\n" {
				t.Errorf("reason %q", reason)
			}
		})
	}
}
