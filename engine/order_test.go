package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// gated prepares messages in parallel; message i's Prepare finishes only
// when released, and Deliver records the order.
type gated struct {
	release map[string]chan struct{}
	started chan string

	mu        sync.Mutex
	delivered []string
	panicIn   string // Prepare panics on this id
}

func (g *gated) Prepare(_ context.Context, msg collector.Message) string {
	g.started <- msg.ID
	if msg.ID == g.panicIn {
		panic("decoder bug")
	}
	<-g.release[msg.ID]
	return msg.ID
}

func (g *gated) Deliver(_ context.Context, id string) collector.Outcome {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.delivered = append(g.delivered, id)
	return collector.Outcome{}
}

// Ordered: messages are prepared at once (the window is in_flight, more
// than the one that is slow), but delivered and observed in the order they
// arrived, whichever finishes its Prepare first.
func TestOrderedDeliversInArrivalOrder(t *testing.T) {
	const n = 6
	g := &gated{release: map[string]chan struct{}{}, started: make(chan string, n)}
	for i := range n {
		g.release[fmt.Sprintf("dir-%d", i)] = make(chan struct{})
	}
	src := newFakeSource("dir", n)
	r := NewRunner(Config{InFlight: n, QueueSize: 1, Ordered: true}, g, []collector.Source{src}, nil, nil)
	var observed []string
	r.Observe(func(msg collector.Message, p string, out collector.Outcome) {
		if p != msg.ID || !out.Delivered() {
			t.Errorf("observed %s with %q, %v", msg.ID, p, out.Err)
		}
		observed = append(observed, msg.ID)
	})
	done := make(chan error, 1)
	go func() { done <- r.Run(t.Context(), true) }()
	for range n { // every message is being prepared at once
		<-g.started
	}
	for i := n - 1; i >= 0; i-- { // the last to arrive finishes first
		close(g.release[fmt.Sprintf("dir-%d", i)])
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("dir-%d", i)
	}
	if !slices.Equal(g.delivered, want) || !slices.Equal(observed, want) {
		t.Errorf("delivered %v, observed %v, want %v", g.delivered, observed, want)
	}
	if got := src.count(t); got[OutcomeDelivered] != n {
		t.Errorf("outcomes %v", got)
	}
}

// A panic in the prepare phase is a rejection with the reason, ordered or
// not; Deliver is not called for it and the next message is delivered.
func TestPanicInPrepareIsARejection(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		t.Run(fmt.Sprint("ordered=", ordered), func(t *testing.T) {
			g := &gated{release: map[string]chan struct{}{"dir-1": make(chan struct{})}, started: make(chan string, 2), panicIn: "dir-0"}
			close(g.release["dir-1"])
			src := newFakeSource("dir", 2)
			r := NewRunner(Config{InFlight: 2, QueueSize: 1, Ordered: ordered}, g, []collector.Source{src}, nil, nil)
			var zeroP []string
			r.Observe(func(msg collector.Message, p string, out collector.Outcome) {
				if out.Rejected() {
					zeroP = append(zeroP, msg.ID+"="+p)
				}
			})
			if err := r.Run(t.Context(), true); err != nil {
				t.Fatal(err)
			}
			if got := src.count(t); got[OutcomeRejected] != 1 || got[OutcomeDelivered] != 1 {
				t.Errorf("outcomes = %v", got)
			}
			if o := src.acks["dir-0"][0]; o.Reason != "internal error while processing: decoder bug" {
				t.Errorf("reason = %q", o.Reason)
			}
			if !slices.Equal(g.delivered, []string{"dir-1"}) || !slices.Equal(zeroP, []string{"dir-0="}) {
				t.Errorf("delivered %v, rejected observed %v", g.delivered, zeroP)
			}
		})
	}
}

// StopReading stops the sources, not the run: what was sent is processed
// (not handed back), nothing more is read, and Run returns nil.
func TestStopReadingFinishesWhatWasRead(t *testing.T) {
	src := newFakeSource("dir", 100)
	r := NewRunner(Config{InFlight: 1, QueueSize: 2, Ordered: true}, Func(func(context.Context, collector.Message) collector.Outcome {
		return collector.Outcome{}
	}), []collector.Source{src}, nil, nil)
	var seen []string
	r.Observe(func(msg collector.Message, _ collector.Message, out collector.Outcome) {
		seen = append(seen, msg.ID)
		if msg.ID == "dir-3" {
			r.StopReading()
		}
	})
	if err := r.Run(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	got := src.count(t)
	if got[OutcomeDelivered] != len(seen) || len(got) != 1 || int64(len(seen)) != src.sent.Load() {
		t.Errorf("outcomes %v, observed %d, sent %d: want every message sent delivered", got, len(seen), src.sent.Load())
	}
	// dir-3's observer stopped the reading: at most the queue (2), the
	// message being numbered (1) and the one the source was sending (1)
	// come after it.
	if len(seen) < 4 || len(seen) > 4+4 || !strings.HasPrefix(seen[3], "dir-3") {
		t.Errorf("observed %v after stopping at dir-3", seen)
	}
}
