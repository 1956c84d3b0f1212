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
type turns struct {
	mu   sync.Mutex
	cond *sync.Cond
	cur  uint64
}

func newTurns() *turns {
	t := &turns{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *turns) wait(seq uint64) {
	t.mu.Lock()
	for t.cur != seq {
		t.cond.Wait()
	}
	t.mu.Unlock()
}

func (t *turns) next() {
	t.mu.Lock()
	t.cur++
	t.mu.Unlock()
	t.cond.Broadcast()
}
