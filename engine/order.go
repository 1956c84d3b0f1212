package engine

import (
	"sync"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// dispatch hands out queued messages and, when the runner is ordered,
// numbers them as they arrive and runs each one's final step in that order.
type dispatch struct {
	queue    <-chan collector.Message
	numbered chan numbered // ordered only
	turns    *turns        // nil: unordered
}

type numbered struct {
	msg collector.Message
	seq uint64
}

func newDispatch(queue <-chan collector.Message, ordered bool) *dispatch {
	d := &dispatch{queue: queue}
	if ordered {
		d.numbered, d.turns = make(chan numbered), newTurns()
	}
	return d
}

// number numbers the queued messages in arrival order until the queue is
// closed (ordered runners run it on a goroutine of their own).
func (d *dispatch) number() {
	defer close(d.numbered)
	var seq uint64
	for msg := range d.queue {
		d.numbered <- numbered{msg, seq}
		seq++
	}
}

func (d *dispatch) take() (collector.Message, uint64, bool) {
	if d.turns == nil {
		msg, ok := <-d.queue
		return msg, 0, ok
	}
	n, ok := <-d.numbered
	return n.msg, n.seq, ok
}

// inTurn runs f when every message that arrived before seq has run its own;
// the turn passes only after f returns, so what f tells the observer is in
// arrival order too. Unordered, f runs at once.
func (d *dispatch) inTurn(seq uint64, f func()) {
	if d.turns == nil {
		f()
		return
	}
	d.turns.wait(seq)
	defer d.turns.next()
	f()
}

// turns lets holders of sequence numbers proceed one at a time, in order.
// Each waiter has its own channel: passing the turn wakes only the next
// holder, not every message waiting in the window.
type turns struct {
	mu      sync.Mutex
	cur     uint64
	waiting map[uint64]chan struct{}
}

func newTurns() *turns { return &turns{waiting: map[uint64]chan struct{}{}} }

func (t *turns) wait(seq uint64) {
	t.mu.Lock()
	if t.cur == seq {
		t.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	t.waiting[seq] = ch
	t.mu.Unlock()
	<-ch
}

func (t *turns) next() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cur++
	if ch, ok := t.waiting[t.cur]; ok {
		delete(t.waiting, t.cur)
		close(ch)
	}
}
