package opensearch

import (
	"container/heap"
	"errors"
	"sync"
	"time"
)

// batch is the documents of one bulk request, all for one index.
type batch struct {
	index string
	items []*item
	bytes int
}

// pendingFactor bounds the documents waiting in partial batches: at most
// this many full requests' worth, across all indices. The same bound holds
// for documents parked in backoff: beyond it, no new document is taken.
const pendingFactor = 4

// batchLoop gathers items into batches, one per index, bounded by BatchDocs
// and BatchBytes, and hands them to the workers.
//
// One index per request: the cluster turns a bulk request into one
// operation per shard, each with its own translog sync, so a request of
// 1000 documents spread over twelve monthly indices costs twelve syncs of
// about 80 documents. Reprocessing an archive in file order mixes months.
//
// A full batch is sent at once; the send blocks while every worker is busy,
// and that back-pressure bounds memory (so does sending the oldest partial
// batch when more than pendingFactor requests' worth are waiting). Partial
// batches become due when a Write has handed over its last document, or
// FlushInterval after the first is started; due batches go, oldest first,
// to the first worker that is free, and keep growing until one is. So an
// idle output sends each Write's documents without delay, and a busy one
// packs the documents of many concurrent Writes into full requests.
//
// Documents the cluster could not take now come back from the workers
// (retryBox) and are parked until their backoff ends; then they rejoin the
// partial batches of their index, so they go out merged into full requests
// with other documents, and no worker waits idle through a backoff. While
// pendingFactor requests' worth are parked, no new document is taken.
func (o *Output) batchLoop() {
	defer close(o.batches)
	p := pending{byIndex: map[string]*batch{}}
	var parked parkedHeap
	parkedBytes := 0
	seq := uint64(0)
	out := 0 // batches handed to workers and not yet reported back
	stopping, lifeOver := false, false
	due := false
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	retryTimer := time.NewTimer(time.Hour)
	retryTimer.Stop()
	stop := o.stop
	taken := func(b *batch) { // b went to a worker
		out++
		p.remove(b)
		if len(p.order) == 0 {
			timer.Stop()
			due = false
		}
	}
	send := func(b *batch) { // blocking
		o.batches <- b
		taken(b)
	}
	add := func(it *item) {
		if it.call == nil { // a Write's end
			due = len(p.order) > 0
			return
		}
		b := p.byIndex[it.doc.Index]
		limit := o.batchBytes()
		if b != nil && b.bytes+it.size > limit {
			send(b)
			b = nil
		}
		if b == nil {
			if len(p.order) == 0 {
				timer.Reset(o.cfg.FlushInterval)
			}
			b = p.start(it.doc.Index, min(o.cfg.BatchDocs, 1024))
		}
		p.add(b, it)
		if len(b.items) >= o.cfg.BatchDocs || b.bytes >= limit {
			send(b)
		}
		for len(p.order) > 0 && (p.docs > pendingFactor*o.cfg.BatchDocs || p.bytes > pendingFactor*o.cfg.BatchBytes) {
			send(p.order[0])
		}
	}
	abandon := func(items []*item) {
		if len(items) > 0 {
			o.giveUp(items, errors.New("output closed before these documents could be written"))
		}
	}
	armRetry := func() {
		retryTimer.Stop()
		if len(parked) > 0 {
			retryTimer.Reset(max(time.Until(parked[0].due), 0))
		}
	}
	// unpark moves the parked items whose backoff has ended to the batches.
	unpark := func() {
		now := time.Now()
		moved := false
		for len(parked) > 0 && !parked[0].due.After(now) {
			it := heap.Pop(&parked).(*item)
			parkedBytes -= it.size
			add(it)
			moved = true
		}
		if moved {
			due = len(p.order) > 0 // they have waited already
		}
		armRetry()
	}
	// collect takes what the workers handed back.
	collect := func() {
		back, dead, done := o.box.take()
		out -= done
		if lifeOver {
			abandon(back)
			abandon(dead)
			return
		}
		for _, it := range dead { // refused documents, now dead-letter entries: send soon
			add(it)
		}
		if len(dead) > 0 {
			due = true
		}
		// Drop the parked documents whose Write has ended (a Write's
		// context ending pokes the box).
		kept := parked[:0]
		var gone []*item
		for _, it := range parked {
			if it.call.ctx.Err() != nil {
				gone = append(gone, it)
				parkedBytes -= it.size
				continue
			}
			kept = append(kept, it)
		}
		if len(gone) > 0 {
			clear(parked[len(kept):])
			parked = kept
			heap.Init(&parked)
			o.dropCancelled(gone)
		}
		for _, it := range back {
			seq++
			it.seq = seq
			heap.Push(&parked, it)
			parkedBytes += it.size
		}
		armRetry()
	}
	for {
		if stopping && out == 0 && len(parked) == 0 && len(p.order) == 0 && o.box.empty() {
			return
		}
		var batches chan<- *batch // nil (never ready) unless a batch is due
		var head *batch
		if (due || stopping) && len(p.order) > 0 {
			batches, head = o.batches, p.order[0]
		}
		var items <-chan *item // nil while too much is parked, or once stopping
		if !stopping && len(parked) < pendingFactor*o.cfg.BatchDocs && parkedBytes < pendingFactor*o.cfg.BatchBytes {
			items = o.items
		}
		var life <-chan struct{}
		if !lifeOver {
			life = o.life.Done()
		}
		select {
		case it := <-items:
			add(it)
		case batches <- head:
			taken(head)
		case <-timer.C:
			due = len(p.order) > 0
		case <-retryTimer.C:
			unpark()
		case <-o.box.wake:
			collect()
		case <-stop:
			// Close: no Write can hand over any more; take what is
			// queued, then keep going until every document is settled.
			for drained := false; !drained; {
				select {
				case it := <-o.items:
					add(it)
				default:
					drained = true
				}
			}
			stopping = true
			stop = nil
		case <-life:
			// Close gave up waiting: abandon what is not at a worker.
			lifeOver = true
			for len(parked) > 0 {
				it := heap.Pop(&parked).(*item)
				abandon([]*item{it})
			}
			parkedBytes = 0
			for len(p.order) > 0 {
				b := p.order[0]
				p.remove(b)
				abandon(b.items)
			}
			retryTimer.Stop()
			timer.Stop()
		}
	}
}

// retryBox is how workers hand documents back to the batcher without ever
// blocking on it (the batcher may itself be blocked handing them a batch).
type retryBox struct {
	mu   sync.Mutex
	back []*item // to send again after their backoff
	dead []*item // dead-letter entries to send
	done int     // batches finished
	wake chan struct{}
}

func newRetryBox() *retryBox { return &retryBox{wake: make(chan struct{}, 1)} }

// put reports a batch finished, with the items to send again.
func (x *retryBox) put(back []*item) {
	x.mu.Lock()
	x.back = append(x.back, back...)
	x.done++
	x.mu.Unlock()
	x.poke()
}

// deadLetter queues dead-letter entries.
func (x *retryBox) deadLetter(items []*item) {
	x.mu.Lock()
	x.dead = append(x.dead, items...)
	x.mu.Unlock()
	x.poke()
}

func (x *retryBox) poke() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

func (x *retryBox) take() (back, dead []*item, done int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	back, dead, done = x.back, x.dead, x.done
	x.back, x.dead, x.done = nil, nil, 0
	return back, dead, done
}

func (x *retryBox) empty() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.back) == 0 && len(x.dead) == 0 && x.done == 0
}

// parkedHeap orders parked items by the end of their backoff.
type parkedHeap []*item

func (h parkedHeap) Len() int { return len(h) }
func (h parkedHeap) Less(i, j int) bool {
	if c := h[i].due.Compare(h[j].due); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq // in the order they were parked
}
func (h parkedHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *parkedHeap) Push(x any)   { *h = append(*h, x.(*item)) }
func (h *parkedHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}

// pending is the partial batches, by index and oldest first.
type pending struct {
	byIndex     map[string]*batch
	order       []*batch
	docs, bytes int
}

func (p *pending) start(index string, capacity int) *batch {
	b := &batch{index: index, items: make([]*item, 0, capacity)}
	p.byIndex[index] = b
	p.order = append(p.order, b)
	return b
}

func (p *pending) add(b *batch, it *item) {
	b.items = append(b.items, it)
	b.bytes += it.size
	p.docs++
	p.bytes += it.size
}

func (p *pending) remove(b *batch) {
	delete(p.byIndex, b.index)
	for i, x := range p.order {
		if x == b {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
	p.docs -= len(b.items)
	p.bytes -= b.bytes
}

// worker sends batches until the batcher stops.
func (o *Output) worker() {
	defer o.workers.Done()
	for b := range o.batches {
		o.process(b)
	}
}
