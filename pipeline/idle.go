package pipeline

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// idleRelease gives memory back to the operating system once no message
// has been in flight for a while: after a backlog, the heap the Go runtime
// grew for it (and keeps for reuse) would otherwise stay with an agent
// that is idle for hours (issue #20: 137 MB seen after a backlog, 27 MiB
// fresh). Only once per quiet period, and never while a message is
// processed.
type idleRelease struct {
	after    time.Duration
	inFlight atomic.Int64
	mu       sync.Mutex
	timer    *time.Timer
	release  func() // debug.FreeOSMemory; tests replace it
}

// ReleasingMemoryWhenIdle returns a pipeline that is p, which gives memory
// back to the OS after no message was in flight for after (`run`).
func (p *Pipeline) ReleasingMemoryWhenIdle(after time.Duration) *Pipeline {
	q := *p
	budget := q.budget
	q.idle = &idleRelease{after: after, release: func() {
		budget.Trim() // the spool chunks kept for reuse
		debug.FreeOSMemory()
	}}
	return &q
}

func (r *idleRelease) begin() {
	if r != nil {
		r.inFlight.Add(1)
	}
}

func (r *idleRelease) end() {
	if r == nil || r.inFlight.Add(-1) != 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer == nil {
		r.timer = time.AfterFunc(r.after, r.fire)
	} else {
		r.timer.Reset(r.after)
	}
}

func (r *idleRelease) fire() {
	if r.inFlight.Load() == 0 {
		r.release()
	}
}

// stop cancels a pending release (tests).
func (r *idleRelease) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer != nil {
		r.timer.Stop()
	}
}
