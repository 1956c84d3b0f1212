package opensearch

import (
	"time"
)

// batch is the documents of one bulk request, all for one index.
type batch struct {
	index string
	items []*item
	bytes int
}

// pendingFactor bounds the documents waiting in partial batches: at most
// this many full requests' worth, across all indices.
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
func (o *Output) batchLoop() {
	defer close(o.batches)
	p := pending{byIndex: map[string]*batch{}}
	due := false
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	taken := func(b *batch) { // b went to a worker
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
		if b != nil && b.bytes+it.size > o.cfg.BatchBytes {
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
		if len(b.items) >= o.cfg.BatchDocs || b.bytes >= o.cfg.BatchBytes {
			send(b)
		}
		for len(p.order) > 0 && (p.docs > pendingFactor*o.cfg.BatchDocs || p.bytes > pendingFactor*o.cfg.BatchBytes) {
			send(p.order[0])
		}
	}
	for {
		var out chan<- *batch // nil (never ready) unless a batch is due
		var head *batch
		if due && len(p.order) > 0 {
			out, head = o.batches, p.order[0]
		}
		select {
		case it := <-o.items:
			add(it)
		case out <- head:
			taken(head)
		case <-timer.C:
			due = len(p.order) > 0
		case <-o.stop:
			// Close: no Write can send any more; take what is queued.
			for {
				select {
				case it := <-o.items:
					add(it)
				default:
					for len(p.order) > 0 {
						send(p.order[0])
					}
					return
				}
			}
		}
	}
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
