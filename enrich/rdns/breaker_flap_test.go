package rdns

import (
	"testing"
	"time"
)

// Lookups in flight when the breaker opens may still answer: they must not
// close it (it flipped suspended/answering within a millisecond). Only the
// probe, after the cooldown, decides.
func TestBreakerStaysOpenUntilTheProbe(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var changes []bool
	b := &breaker{threshold: 3, cooldown: time.Minute, now: func() time.Time { return now },
		onChange: func(open bool) { changes = append(changes, open) }}
	for range 3 {
		if ok, _ := b.allow(); !ok {
			t.Fatal("closed breaker refused a lookup")
		}
	}
	for range 3 {
		b.done(true, false)
	}
	if !b.isOpen() {
		t.Fatal("not open after 3 timeouts")
	}
	b.done(false, false) // an answer to a lookup started before it opened
	if !b.isOpen() {
		t.Fatal("a late answer closed the breaker")
	}
	if ok, _ := b.allow(); ok {
		t.Fatal("open breaker allowed a lookup before the cooldown")
	}
	now = now.Add(time.Minute)
	ok, probe := b.allow()
	if !ok || !probe {
		t.Fatalf("after the cooldown: allow = %v, probe = %v", ok, probe)
	}
	b.done(false, true)
	if b.isOpen() {
		t.Fatal("the probe's answer did not close the breaker")
	}
	if len(changes) != 2 || !changes[0] || changes[1] {
		t.Errorf("changes %v, want [true false]", changes)
	}
}
