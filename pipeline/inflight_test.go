package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// gateOutput holds every Write until release is closed, counting the Writes
// waiting.
type gateOutput struct {
	waiting atomic.Int64
	release chan struct{}
	written atomic.Int64
}

func (g *gateOutput) Write(ctx context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	n := 0
	for _, err := range docs {
		if err != nil {
			return output.Result{}, err
		}
		n++
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case <-g.release:
	case <-ctx.Done():
		return output.Result{}, ctx.Err()
	}
	g.written.Add(int64(n))
	return output.Result{Indexed: n}, nil
}
func (g *gateOutput) Ready(context.Context) error { return nil }
func (g *gateOutput) Close(context.Context) error { return nil }

// countingReader counts the messages being read (parsed) at once.
type countingReader struct {
	io.Reader
	active, peak *atomic.Int64
	once         sync.Once
}

func (r *countingReader) Close() error {
	r.once.Do(func() { r.active.Add(-1) })
	return nil
}

// sliceSource sends its messages once.
type sliceSource struct{ msgs []collector.Message }

func (s *sliceSource) Name() string { return "test" }
func (s *sliceSource) Run(ctx context.Context, out chan<- collector.Message, _ bool) error {
	var acked sync.WaitGroup
	for _, m := range s.msgs {
		acked.Add(1)
		m.Ack = func(context.Context, collector.Outcome) error { acked.Done(); return nil }
		select {
		case out <- m:
		case <-ctx.Done():
			acked.Done()
		}
	}
	acked.Wait()
	return nil
}

// Messages waiting for the output do not hold a parsing slot: with 2
// workers and 12 in flight, 12 messages wait for the output at once, and
// never more than 2 are parsed at once.
func TestInFlightBeyondWorkers(t *testing.T) {
	var active, peak atomic.Int64
	var msgs []collector.Message
	for i := range 12 {
		data := gz(t, aggXML(fmt.Sprint("r-", i), 40))
		m := message(fmt.Sprintf("r%d.xml.gz", i), nil)
		m.Open = func(context.Context) (io.ReadCloser, error) {
			n := active.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			return &countingReader{Reader: bytes.NewReader(data), active: &active, peak: &peak}, nil
		}
		msgs = append(msgs, m)
	}
	out := &gateOutput{release: make(chan struct{})}
	cfg := DefaultConfig()
	cfg.Workers, cfg.InFlight = 2, 12
	p := New(cfg, Deps{Output: out, Prefix: "dmarc"})
	r := NewRunner(testConfig(cfg.InFlight, cfg.QueueSize, time.Minute), p, []collector.Source{&sliceSource{msgs}})
	done := make(chan error, 1)
	go func() { done <- r.Run(t.Context(), true) }()

	waitFor(t, "12 messages waiting for the output", func() bool { return out.waiting.Load() == 12 })
	close(out.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.written.Load(); got != 12*40 {
		t.Errorf("%d documents written, want %d", got, 12*40)
	}
	if got := peak.Load(); got > 2 {
		t.Errorf("%d messages parsed at once, workers is 2", got)
	}
}
