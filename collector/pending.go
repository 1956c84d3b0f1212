package collector

import "sync"

// PendingAcks counts the messages of one pass still waiting for their ack,
// so a mail source can wait for every ack before it moves its cursor. Call
// Add before sending a message, Done when its ack came (or it could not be
// sent), and Close once the pass sends nothing more; All is closed when
// both hold: sending is over and no ack is pending.
type PendingAcks struct {
	mu      sync.Mutex
	pending int
	closed  bool
	all     chan struct{}
}

// NewPendingAcks returns a tracker for a pass that is still sending.
func NewPendingAcks() *PendingAcks {
	return &PendingAcks{all: make(chan struct{})}
}

// Add counts one more message sent and not yet acknowledged.
func (a *PendingAcks) Add() {
	a.mu.Lock()
	a.pending++
	a.mu.Unlock()
}

// Done marks one sent message as acknowledged.
func (a *PendingAcks) Done() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending--
	if a.pending == 0 && a.closed {
		close(a.all)
	}
}

// Close says the pass sends no more messages. Call it once.
func (a *PendingAcks) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.pending == 0 {
		close(a.all)
	}
}

// All is closed once Close was called and every sent message is acknowledged.
func (a *PendingAcks) All() <-chan struct{} { return a.all }
