package opensearch

import (
	"time"
)

// batch is the documents of one bulk request.
type batch struct {
	items []*item
	bytes int
}

// batchLoop gathers items into batches bounded by BatchDocs and BatchBytes
// and hands them to the workers.
//
// A full batch is sent at once; the send blocks while every worker is busy,
// and that back-pressure bounds memory. A partial batch becomes due when a
// Write has handed over its last document, or FlushInterval after its first
// item; a due batch goes to the first worker that is free and keeps growing
// until then. So an idle output sends each Write's documents without delay,
// and a busy one packs the documents of many concurrent Writes into full
// requests (one request, one translog sync on the cluster) instead of a
// request per Write.
func (o *Output) batchLoop() {
	defer close(o.batches)
	var cur *batch
	due := false
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	send := func() { // blocking
		if cur != nil && len(cur.items) > 0 {
			o.batches <- cur
		}
		timer.Stop()
		cur, due = nil, false
	}
	add := func(it *item) {
		if it.call == nil { // a Write's end
			due = cur != nil
			return
		}
		if cur != nil && cur.bytes+it.size > o.cfg.BatchBytes {
			send()
		}
		if cur == nil {
			cur = &batch{items: make([]*item, 0, min(o.cfg.BatchDocs, 1024))}
			timer.Reset(o.cfg.FlushInterval)
		}
		cur.items = append(cur.items, it)
		cur.bytes += it.size
		if len(cur.items) >= o.cfg.BatchDocs || cur.bytes >= o.cfg.BatchBytes {
			send()
		}
	}
	for {
		var out chan<- *batch // nil (never ready) unless a batch is due
		if due {
			out = o.batches
		}
		select {
		case it := <-o.items:
			add(it)
		case out <- cur:
			timer.Stop()
			cur, due = nil, false
		case <-timer.C:
			due = cur != nil
		case <-o.stop:
			// Close: no Write can send any more; take what is queued.
			for {
				select {
				case it := <-o.items:
					add(it)
				default:
					send()
					return
				}
			}
		}
	}
}

// worker sends batches until the batcher stops.
func (o *Output) worker() {
	defer o.workers.Done()
	for b := range o.batches {
		o.process(b)
	}
}
