package rdns

import (
	"sync"
	"time"
)

// breaker stops lookups for a while once DNS looks dead: after threshold
// consecutive timeouts it opens for cooldown, then lets one probe through
// (half-open); the probe's outcome closes or re-opens it. Any definitive
// answer (a name or "no such name") resets the count, so slow zones on a
// healthy resolver rarely trip it. Once open, only the probe closes it: an
// answer to a lookup that started before it opened does not (it used to,
// and the breaker flipped suspended/answering within a millisecond).
type breaker struct {
	mu        sync.Mutex
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	onChange  func(open bool)

	fails     int
	open      bool
	openUntil time.Time
	probing   bool
}

// allow reports whether a lookup may start; probe is true for the single
// half-open trial, which must be reported with done.
func (b *breaker) allow() (ok, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true, false
	}
	if b.probing || b.now().Before(b.openUntil) {
		return false, false
	}
	b.probing = true
	return true, true
}

// done records the outcome of a lookup: timedOut says it got no answer in
// time.
func (b *breaker) done(timedOut, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	if !timedOut {
		if b.open && !probe {
			return // started before the breaker opened: only the probe decides
		}
		b.fails = 0
		if b.open {
			b.open = false
			b.onChange(false)
		}
		return
	}
	b.fails++
	if probe || (!b.open && b.fails >= b.threshold) {
		if !b.open {
			b.onChange(true)
		}
		b.open = true
		b.openUntil = b.now().Add(b.cooldown)
	}
}

func (b *breaker) isOpen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open
}

// cancelProbe releases the half-open trial without an outcome.
func (b *breaker) cancelProbe() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}
