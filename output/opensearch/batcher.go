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
// and hands them to the workers. A partial batch goes out after
// FlushInterval, or at once when a Write has handed over its last document.
// The send to the workers blocks while all are busy: that is the
// back-pressure that bounds memory.
func (o *Output) batchLoop() {
	defer close(o.batches)
	var cur *batch
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	send := func() {
		if cur != nil && len(cur.items) > 0 {
			timer.Stop()
			o.batches <- cur
		}
		cur = nil
	}
	add := func(it *item) {
		if it.call == nil {
			send()
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
		select {
		case it := <-o.items:
			add(it)
		case <-timer.C:
			send()
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
