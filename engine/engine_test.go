package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/collector"

	"github.com/dmarc-agent/dmarc-agent/internal/testwait"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeSource sends n messages, then (without once) waits for the stop. Like a
// real source it returns only after every message it sent has been acked.
type fakeSource struct {
	name       string
	n          int
	attempting atomic.Int64 // messages it tried to send
	sent       atomic.Int64 // messages the queue took
	total      atomic.Int64 // acks received

	mu   sync.Mutex
	acks map[string][]collector.Outcome
}

func newFakeSource(name string, n int) *fakeSource {
	return &fakeSource{name: name, n: n, acks: map[string][]collector.Outcome{}}
}

func (s *fakeSource) Name() string { return s.name }

func (s *fakeSource) Run(ctx context.Context, out chan<- collector.Message, once bool) error {
	var pending sync.WaitGroup
	defer pending.Wait()
	for i := range s.n {
		id := fmt.Sprintf("%s-%d", s.name, i)
		pending.Add(1)
		msg := collector.Message{Source: s.name, ID: id, Received: time.Now().Add(-time.Minute),
			Ack: func(_ context.Context, o collector.Outcome) error {
				s.mu.Lock()
				s.acks[id] = append(s.acks[id], o)
				s.mu.Unlock()
				s.total.Add(1)
				pending.Done()
				return nil
			}}
		s.attempting.Add(1)
		select {
		case out <- msg:
			s.sent.Add(1)
		case <-ctx.Done():
			pending.Done()
			return nil
		}
	}
	if !once {
		<-ctx.Done()
	}
	return nil
}

const (
	OutcomeDelivered = "delivered"
	OutcomeRejected  = "rejected"
	OutcomeRetry     = "retry"
)

// count returns how many messages were acked with each outcome label, and
// fails the test if any message was acked more than once.
func (s *fakeSource) count(t *testing.T) map[string]int {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := map[string]int{}
	for id, os := range s.acks {
		if len(os) != 1 {
			t.Errorf("%s acked %d times", id, len(os))
		}
		switch o := os[0]; {
		case o.Delivered():
			c[OutcomeDelivered]++
		case o.Rejected():
			c[OutcomeRejected]++
		case errors.Is(o.Err, ErrShutdown):
			c["shutdown"]++
		default:
			c[OutcomeRetry]++
		}
	}
	return c
}

type procFunc = Func

// testConfig has workers messages in flight, so that a blocked processor
// blocks the runner.
func testConfig(workers, queue int, grace time.Duration) Config {
	return Config{InFlight: workers, QueueSize: queue, ShutdownGrace: grace}
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.Until(t, what, 10*time.Second, cond)
}

func TestRunnerOnceAcksEveryOutcome(t *testing.T) {
	// Message i: i%5==0 rejected, i%5==1 transient, else delivered.
	proc := procFunc(func(_ context.Context, msg collector.Message) collector.Outcome {
		var i int
		fmt.Sscanf(msg.ID[strings.LastIndex(msg.ID, "-")+1:], "%d", &i)
		switch i % 5 {
		case 0:
			return collector.Outcome{Err: fmt.Errorf("%w: not XML", collector.ErrNoReport), Reason: "not XML"}
		case 1:
			return collector.Outcome{Err: errors.New("output down")}
		}
		return collector.Outcome{Reports: map[string]int{"aggregate": 1}}
	})
	a, b := newFakeSource("a", 50), newFakeSource("b", 20)
	reg := prometheus.NewRegistry()
	m := NewRunMetrics(reg)
	r := NewRunner(testConfig(3, 4, time.Second), proc, []collector.Source{a, b}, nil, m)
	if err := r.Run(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src                  *fakeSource
		deliv, reject, retry int
	}{{a, 30, 10, 10}, {b, 12, 4, 4}} {
		got := tc.src.count(t)
		want := map[string]int{OutcomeDelivered: tc.deliv, OutcomeRejected: tc.reject, OutcomeRetry: tc.retry}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("source %s: %s = %d, want %d (all: %v)", tc.src.name, k, got[k], v, got)
			}
		}
	}
	if got := testutil.ToFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight after run = %v", got)
	}
	if got := histogramCount(t, m.duration); got != 70 {
		t.Errorf("duration samples = %v, want 70", got)
	}
	if got := testutil.ToFloat64(m.handedBack.WithLabelValues("a")); got != 0 {
		t.Errorf("handed back = %v", got)
	}
	if got := testutil.ToFloat64(m.lastSuccess.WithLabelValues("a")); got < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last success of a = %v", got)
	}
	if got := testutil.ToFloat64(m.lag.WithLabelValues("b")); got < 60 || got > 120 {
		t.Errorf("lag of b = %v, want about 60 s", got)
	}
}

// In a synctest bubble, synctest.Wait is the signal that the runner has
// done all it would do while the output is down.
func TestRunnerBackPressureThenDelivery(t *testing.T) {
	synctest.Test(t, testRunnerBackPressureThenDelivery)
}

func testRunnerBackPressureThenDelivery(t *testing.T) {
	const workers, queue, total = 2, 3, 200
	release := make(chan struct{})
	var busy atomic.Int64
	proc := procFunc(func(ctx context.Context, _ collector.Message) collector.Outcome {
		busy.Add(1)
		defer busy.Add(-1)
		select {
		case <-release:
			return collector.Outcome{}
		case <-ctx.Done():
			return collector.Outcome{Err: ctx.Err()}
		}
	})
	src := newFakeSource("dir", total)
	reg := prometheus.NewRegistry()
	m := NewRunMetrics(reg)
	r := NewRunner(testConfig(workers, queue, time.Second), proc, []collector.Source{src}, nil, m)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, false) }()

	// The output is "down": both workers block, the queue fills, and the
	// source blocks on its next send. Nothing more is read.
	synctest.Wait() // every goroutine blocked: a broken runner would have read ahead by now
	if busy.Load() != workers || src.attempting.Load() != workers+queue+1 {
		t.Fatalf("busy workers %d, source attempts %d; want %d and %d", busy.Load(), src.attempting.Load(), workers, workers+queue+1)
	}
	if got := src.sent.Load(); got != workers+queue {
		t.Fatalf("source handed over %d messages while the output was blocked, want %d", got, workers+queue)
	}
	if got := testutil.ToFloat64(m.inFlight); got != workers {
		t.Errorf("in flight = %v, want %d", got, workers)
	}
	if got := testutil.ToFloat64(m.queueDepth); got != queue {
		t.Errorf("queue depth = %v, want %d", got, queue)
	}
	if got := src.count(t); len(got) != 0 {
		t.Fatalf("acks while blocked: %v", got)
	}

	close(release) // the output is back
	waitFor(t, "every message delivered", func() bool { return src.count(t)[OutcomeDelivered] == total })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := src.count(t); got[OutcomeDelivered] != total || len(got) != 1 {
		t.Errorf("outcomes = %v, want %d delivered", got, total)
	}
	if got := testutil.ToFloat64(m.lastSuccess.WithLabelValues("dir")); got == 0 {
		t.Error("last success not set")
	}
}

// histogramCount is the number of observations of h (testutil.ToFloat64
// reads counters and gauges only).
func histogramCount(t *testing.T, h prometheus.Histogram) float64 {
	t.Helper()
	var pb dto.Metric
	if err := h.Write(&pb); err != nil {
		t.Fatal(err)
	}
	return float64(pb.GetHistogram().GetSampleCount())
}

func TestRunnerShutdownGrace(t *testing.T) {
	for _, tc := range []struct {
		name        string
		finishAfter time.Duration // how long the in-flight message needs; <0: never
		want        string
	}{
		{"finishes within grace is delivered", 100 * time.Millisecond, OutcomeDelivered},
		{"outlives grace is handed back", -1, "shutdown"},
	} {
		// In a synctest bubble the grace period and the processing time are
		// fake time: the outcome does not depend on the machine's load.
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				started := make(chan struct{}, 10)
				var sawCancel atomic.Bool
				proc := procFunc(func(ctx context.Context, _ collector.Message) collector.Outcome {
					started <- struct{}{}
					if tc.finishAfter < 0 {
						<-ctx.Done()
						sawCancel.Store(true)
						// A careless processor claiming success must not be acked as delivered.
						return collector.Outcome{}
					}
					time.Sleep(tc.finishAfter) // fake time (synctest): the processing takes this long
					return collector.Outcome{}
				})
				src := newFakeSource("dir", 10)
				// One worker, queue of 4: one message in flight, four queued.
				m := NewRunMetrics(prometheus.NewRegistry())
				r := NewRunner(testConfig(1, 4, 300*time.Millisecond), proc, []collector.Source{src}, nil, m)
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- r.Run(ctx, false) }()
				<-started
				waitFor(t, "queue full", func() bool { return src.sent.Load() == 5 })
				cancel()
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				got := src.count(t)
				want := map[string]int{tc.want: 1}
				want["shutdown"] += 4 // the queued ones are handed back unprocessed
				if len(got) != len(want) || got[tc.want] != want[tc.want] || got["shutdown"] != want["shutdown"] {
					t.Errorf("outcomes = %v, want %v", got, want)
				}
				if tc.finishAfter < 0 && !sawCancel.Load() {
					t.Error("in-flight processing was not cancelled after the grace")
				}
				if len(started) != 0 {
					t.Errorf("%d queued messages were processed after the stop", len(started))
				}
				if got := testutil.ToFloat64(m.handedBack.WithLabelValues("dir")); int(got) != want["shutdown"] {
					t.Errorf("handed back metric = %v, want %d", got, want["shutdown"])
				}
			})
		})
	}
}

// failingSource fails at once; the runner must stop the other sources.
type failingSource struct{}

func (failingSource) Name() string { return "broken" }
func (failingSource) Run(context.Context, chan<- collector.Message, bool) error {
	return errors.New("watching /nope: no such file or directory")
}

func TestRunnerSourceFailureStopsRun(t *testing.T) {
	ok := newFakeSource("dir", 3)
	r := NewRunner(testConfig(1, 1, time.Second), procFunc(func(context.Context, collector.Message) collector.Outcome {
		return collector.Outcome{}
	}), []collector.Source{ok, failingSource{}}, nil, nil)
	err := r.Run(context.Background(), false) // would run forever without the failure
	if err == nil || !strings.Contains(err.Error(), "source broken: watching /nope") {
		t.Fatalf("err = %v, want the failing source named", err)
	}
}

func TestRunnerPanicRejectsMessage(t *testing.T) {
	src := newFakeSource("dir", 2)
	r := NewRunner(testConfig(1, 1, time.Second), procFunc(func(_ context.Context, msg collector.Message) collector.Outcome {
		if msg.ID == "dir-0" {
			panic("index out of range")
		}
		return collector.Outcome{}
	}), []collector.Source{src}, nil, nil)
	if err := r.Run(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if got := src.count(t); got[OutcomeRejected] != 1 || got[OutcomeDelivered] != 1 {
		t.Errorf("outcomes = %v", got)
	}
	if o := src.acks["dir-0"][0]; !strings.Contains(o.Reason, "index out of range") {
		t.Errorf("reason = %q", o.Reason)
	}
}

func TestRunnerNoSources(t *testing.T) {
	if err := NewRunner[collector.Message](Config{QueueSize: 1}, nil, nil, nil, nil).Run(context.Background(), true); err == nil {
		t.Fatal("no error without sources")
	}
}

// TestRunnerLifecycle starts, stops, starts again and stops the same runner
// with the same metrics; goleak (TestMain) checks that nothing is left.
func TestRunnerLifecycle(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewRunMetrics(reg)
	src := newFakeSource("dir", 5)
	r := NewRunner(testConfig(2, 2, time.Second), procFunc(func(context.Context, collector.Message) collector.Outcome {
		return collector.Outcome{}
	}), []collector.Source{src}, nil, m)
	for round := 1; round <= 2; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx, false) }()
		waitFor(t, "round delivered", func() bool {
			return src.total.Load() == int64(5*round)
		})
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		goleak.VerifyNone(t)
	}
}
