package opensearch

import (
	"context"
	"sync"
	"time"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// call tracks the documents of one Write until each is acknowledged.
type call struct {
	ctx  context.Context
	done chan struct{}

	mu      sync.Mutex
	pending int
	sealed  bool // Write has handed over its last document
	closed  bool
	res     output.Result
	err     error // first give-up error
	lost    int   // documents given up on
}

func newCall(ctx context.Context) *call {
	return &call{ctx: ctx, done: make(chan struct{})}
}

// item is one document on its way to the cluster. An item without a call is
// a marker asking the batcher to send what it holds now.
type item struct {
	doc  output.Doc
	call *call
	size int // bytes it adds to a bulk body

	attempts int       // bulk requests that carried it so far
	stalls   int       // attempts in a row whose request wrote nothing
	first    time.Time // first attempt
	due      time.Time // a parked item may be sent again from then
	retrying bool      // counted in the documents_retrying gauge
	seq      uint64    // parking order, among items due at the same time
	// refusal, on a dead-letter item, is the refusal of the original
	// document that this item records: once it is stored, the original
	// is accounted for as refused.
	refusal *output.Failure
}

func (c *call) add() {
	c.mu.Lock()
	c.pending++
	c.mu.Unlock()
}

// resolve records the final outcome of one document. err is set when the
// document was given up on (not written, not refused and kept). A
// dead-letter item that is stored resolves its original as refused.
func (c *call) resolve(it *item, o outcome, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil:
		c.lost++
		if c.err == nil {
			c.err = err
		}
	case it.refusal != nil:
		c.res.Failed = append(c.res.Failed, *it.refusal)
		c.res.DeadLetter = it.doc.Index
	case o == outIndexed:
		c.res.Indexed++
	case o == outDuplicate:
		c.res.Duplicates++
	}
	c.pending--
	c.finish()
}

// seal says no more documents will be added.
func (c *call) seal() {
	c.mu.Lock()
	c.sealed = true
	c.finish()
	c.mu.Unlock()
}

func (c *call) finish() {
	if c.sealed && c.pending == 0 && !c.closed {
		c.closed = true
		close(c.done)
	}
}

// snapshot returns what is known so far.
func (c *call) snapshot() (output.Result, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.res
	r.Failed = append([]output.Failure(nil), c.res.Failed...)
	return r, c.lost, c.err
}
